"""The alerts app."""

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Register the alerts app."""

    name = "custodes.web.alerts"
    label = "alerts"
    default_auto_field = "django.db.models.BigAutoField"
