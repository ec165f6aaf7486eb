"""The registry app."""

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    """Register the registry app."""

    name = "custodes.web.registry"
    label = "registry"
    default_auto_field = "django.db.models.BigAutoField"
