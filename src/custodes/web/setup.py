"""Start Django from the command line with the project's settings."""

from __future__ import annotations

import os

__all__ = ["django_setup"]


def django_setup() -> None:
    """Point Django at custodes' settings (unless told otherwise) and set it up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custodes.web.settings")
    import django

    from custodes.web.env import ConfigError

    try:
        django.setup()
    except ConfigError as exc:
        # An operator needs the setting's name in one line, not a page of traceback.
        raise SystemExit(f"custodes: configuration error: {exc}") from None
