"""The dbsecurity app."""

from django.apps import AppConfig


class DbsecurityConfig(AppConfig):
    """Register the dbsecurity app: migrations only, and the flush command."""

    name = "custodes.web.dbsecurity"
    label = "dbsecurity"
    default_auto_field = "django.db.models.BigAutoField"
