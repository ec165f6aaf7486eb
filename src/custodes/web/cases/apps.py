"""The cases app."""

from django.apps import AppConfig


class CasesConfig(AppConfig):
    """Register the cases app."""

    name = "custodes.web.cases"
    label = "cases"
    default_auto_field = "django.db.models.BigAutoField"
