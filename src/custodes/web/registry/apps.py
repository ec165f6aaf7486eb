"""The registry app."""

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    """Register the registry app, and put custodes' own list reports on it."""

    name = "custodes.web.registry"
    label = "registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Listen for cases' list reports: cases stands below the registry and cannot list them."""
        from custodes.web.cases.signals import list_report_made, list_report_withdrawn
        from custodes.web.registry.receivers import delist_report, list_report

        list_report_made.connect(list_report, dispatch_uid="registry-list-report")
        list_report_withdrawn.connect(delist_report, dispatch_uid="registry-delist-report")
