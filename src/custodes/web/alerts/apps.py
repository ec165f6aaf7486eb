"""The alerts app."""

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Register the alerts app, and the alert it raises when break-glass is used."""

    name = "custodes.web.alerts"
    label = "alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Listen for break-glass use: cases stands below alerts and cannot raise it itself."""
        from custodes.web.alerts.receivers import raise_break_glass_alert
        from custodes.web.cases.signals import break_glass_used

        break_glass_used.connect(raise_break_glass_alert, dispatch_uid="break-glass-alert")
