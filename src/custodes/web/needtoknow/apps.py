"""The need-to-know app: the rule, the org charts and the force staff they are drawn from."""

from django.apps import AppConfig


class NeedToKnowConfig(AppConfig):
    """Register the need-to-know app."""

    name = "custodes.web.needtoknow"
    label = "needtoknow"
    default_auto_field = "django.db.models.BigAutoField"
