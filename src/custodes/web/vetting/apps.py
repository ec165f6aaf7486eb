"""The vetting app."""

from django.apps import AppConfig


class VettingConfig(AppConfig):
    """Register the vetting app."""

    name = "custodes.web.vetting"
    label = "vetting"
    default_auto_field = "django.db.models.BigAutoField"
