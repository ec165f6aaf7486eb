"""The statistics app."""

from django.apps import AppConfig


class StatsConfig(AppConfig):
    """Register the statistics app (it has no models of its own)."""

    name = "custodes.web.stats"
    label = "stats"
    default_auto_field = "django.db.models.BigAutoField"
