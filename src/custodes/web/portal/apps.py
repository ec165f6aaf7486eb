"""The reporting portal's app: installed in the staff settings and the portal's own."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Register the portal app."""

    name = "custodes.web.portal"
    label = "portal"
    verbose_name = "Reporting portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the deployment checks on the keys (the portal installs no trail app)."""
        from custodes.web import checks  # noqa: F401 - registers on import
