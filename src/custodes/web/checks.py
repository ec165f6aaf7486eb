"""Deployment checks (`custodes web check --deploy`): where the keys are kept.

A key beside the database is no key: whoever copies the data directory can re-hash the
trail's chain, decrypt the identities, or trust a signing key of their own. Private signing
keys belong to the audit machine and the oversight body, never to the web app.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from custodes.web.env import Env

__all__ = ["key_custody", "key_problems"]

# The web app's secrets, and what someone who copies the data directory could do with each.
_SECRETS = {
    "CUSTODES_TRAIL_KEY": ("E001", "re-hash the trail's chain after editing or cutting it"),
    "CUSTODES_FIELD_KEYS": ("E002", "decrypt the victims' and reporters' identities"),
    "CUSTODES_PSEUDONYM_KEY": ("E003", "turn the evidence's pseudonyms back into people"),
    "CUSTODES_SECRET_KEY": ("E004", "forge sessions and sign-in tokens"),
}
# Public keys the web app trusts: a file it can be made to read from the data directory is a
# file an insider can add their own key to.
_TRUSTED = {
    "CUSTODES_AUDIT_TRUSTED_KEYS": ("E005", "audit runs"),
    "CUSTODES_CHECKPOINT_TRUSTED_KEYS": ("E006", "trail checkpoints"),
}
# Private keys: where the web app runs, they let anyone with its configuration sign.
_PRIVATE = {
    "CUSTODES_AUDIT_SIGNING_KEY": ("E007", "the audit machine", "audit runs"),
    "CUSTODES_CHECKPOINT_SIGNING_KEY": ("E008", "the oversight body", "trail checkpoints"),
}


def _inside(path: str, folder: Path) -> bool:
    # Resolved, so neither a symlink nor `..` hides where the file really is.
    return Path(path).resolve().is_relative_to(folder)


def key_problems(environ: Mapping[str, str], data_dir: Path) -> list[CheckMessage]:
    """Return an error for each key kept in the data directory, or private where it runs."""
    found: list[CheckMessage] = []
    for name, (code, harm) in _SECRETS.items():
        file = environ.get(f"{name}_FILE")
        if environ.get(name):
            continue
        where = file if file else str(data_dir / "secrets" / name.lower())
        if file and not _inside(file, data_dir):
            continue
        found.append(
            Error(
                f"{name} is kept in the data directory ({where}), beside the database: "
                f"whoever copies that directory can {harm}.",
                hint=f"Make it with `custodes keys generate` and give it as {name}_FILE, a "
                "file outside CUSTODES_DATA_DIR that the web app's user can read and not write.",
                id=f"custodes.{code}",
            )
        )
    for name, (code, what) in _TRUSTED.items():
        file = environ.get(f"{name}_FILE")
        if file and _inside(file, data_dir):
            found.append(
                Error(
                    f"{name}_FILE ({file}) is in the data directory: whoever can write there "
                    f"can add a key of their own and sign {what} that the web app accepts.",
                    hint="Keep the trusted public keys in a file outside CUSTODES_DATA_DIR that "
                    "the web app's user cannot write (or in the variable itself).",
                    id=f"custodes.{code}",
                )
            )
    for name, (code, holder, what) in _PRIVATE.items():
        if environ.get(name) or environ.get(f"{name}_FILE"):
            found.append(
                Error(
                    f"{name} (or {name}_FILE) is set where the web app runs: with it, anyone "
                    f"with the web app's configuration can sign {what}.",
                    hint=f"The private key belongs to {holder}; the web app needs only the "
                    "public key, in the matching _TRUSTED_KEYS setting.",
                    id=f"custodes.{code}",
                )
            )
    return found


@register(Tags.security, deploy=True)
def key_custody(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Refuse a key kept in the data directory, or a private signing key beside the web app."""
    return key_problems(Env().environ, Path(settings.DATA_DIR))
