"""The reports app: the staff side of the reporting portal."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Register the reports app."""

    name = "custodes.web.reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"
