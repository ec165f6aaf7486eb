"""The trail app."""

from django.apps import AppConfig


class TrailConfig(AppConfig):
    """Register the trail app."""

    name = "custodes.web.trail"
    label = "trail"
    default_auto_field = "django.db.models.BigAutoField"
