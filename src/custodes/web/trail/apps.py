"""The trail app."""

from django.apps import AppConfig


class TrailConfig(AppConfig):
    """Register the trail app."""

    name = "custodes.web.trail"
    label = "trail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the deployment checks on where the keys are kept."""
        from custodes.web import checks  # noqa: F401 - registers on import
