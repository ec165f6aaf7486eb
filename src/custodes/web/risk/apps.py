"""The early-intervention app."""

from django.apps import AppConfig


class RiskConfig(AppConfig):
    """Register the early-intervention app."""

    name = "custodes.web.risk"
    label = "risk"
    default_auto_field = "django.db.models.BigAutoField"
