"""The accounts app."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Register the accounts app."""

    name = "custodes.web.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
