"""Deployment checks (`custodes web check --deploy`, and `--portal`): where the keys are kept.

A key beside the database is no key: whoever copies the data directory can re-hash the
trail's chain, decrypt the identities, or trust a signing key of their own. Private signing
keys belong to the audit machine and the oversight body, never to the web app. The reporting
portal has secrets of its own, never the staff app's, and holds no trail key at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from custodes.web.env import Env

__all__ = ["key_custody", "key_problems", "portal_secret_problems"]

# The web app's secrets, and what someone who copies the data directory could do with each.
_SECRETS = {
    "CUSTODES_TRAIL_KEY": ("E001", "re-hash the trail's chain after editing or cutting it"),
    "CUSTODES_FIELD_KEYS": ("E002", "decrypt the victims' and reporters' identities"),
    "CUSTODES_PSEUDONYM_KEY": ("E003", "turn the evidence's pseudonyms back into people"),
    "CUSTODES_SECRET_KEY": ("E004", "forge sessions and sign-in tokens"),
    "CUSTODES_PORTAL_RECEIPT_SECRET": (
        "E009",
        "search a copy of the database for guessed receipts and read those reports",
    ),
}
# The portal's secrets (custodes.web.portal_settings): its own signing key, the field keys it
# seals reports under, and the receipts' key. No trail key: it writes no trail.
_PORTAL_SECRETS = {
    "CUSTODES_PORTAL_SECRET_KEY": ("E010", "forge the portal's sessions and form tokens"),
    "CUSTODES_FIELD_KEYS": _SECRETS["CUSTODES_FIELD_KEYS"],
    "CUSTODES_PORTAL_RECEIPT_SECRET": _SECRETS["CUSTODES_PORTAL_RECEIPT_SECRET"],
}
# What the portal host must never hold: the staff side's keys.
_NOT_ON_PORTAL = ("CUSTODES_TRAIL_KEY", "CUSTODES_SECRET_KEY", "CUSTODES_PSEUDONYM_KEY")
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


def _secret(environ: Mapping[str, str], name: str) -> str | None:
    """Return a secret's value from NAME or NAME_FILE, or None if neither gives one."""
    if environ.get(name):
        return environ[name].strip()
    file = environ.get(f"{name}_FILE")
    if not file:
        return None
    try:
        return Path(file).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def portal_secret_problems(environ: Mapping[str, str], *, portal: bool) -> list[CheckMessage]:
    """Return an error if the portal's secrets are missing, or the staff app's secret reused.

    In the portal's process (`portal`): its own signing key must be given, and the staff app's
    keys must not be there at all. In the staff app's: the receipts' key must be given and be
    no copy of the staff app's signing key.
    """
    found: list[CheckMessage] = []
    staff = _secret(environ, "CUSTODES_SECRET_KEY")
    names = (
        ("CUSTODES_PORTAL_SECRET_KEY", "CUSTODES_PORTAL_RECEIPT_SECRET")
        if portal
        else ("CUSTODES_PORTAL_RECEIPT_SECRET",)
    )
    for name in names:
        value = _secret(environ, name)
        if value is None:
            found.append(
                Error(
                    f"{name} is not given: the portal's secrets must be its own, made with "
                    "`custodes keys generate` and kept outside the data directory.",
                    hint=f"Give it as {name}_FILE (docs/deploy.md, the reporting portal).",
                    id="custodes.E011",
                )
            )
        elif staff is not None and value == staff:
            found.append(
                Error(
                    f"{name} is the same as CUSTODES_SECRET_KEY: whoever holds one surface's "
                    "secret could forge the other's.",
                    hint="Make a separate secret for each with `custodes keys generate`.",
                    id="custodes.E012",
                )
            )
    if portal:
        for name in _NOT_ON_PORTAL:
            if environ.get(name) or environ.get(f"{name}_FILE"):
                found.append(
                    Error(
                        f"{name} (or {name}_FILE) is set where the portal runs: the portal host "
                        "holds none of the staff app's keys (with the trail's key it could "
                        "forge the staff's trail).",
                        hint="Give the portal only its own environment (docs/deploy.md).",
                        id="custodes.E013",
                    )
                )
    return found


def key_problems(
    environ: Mapping[str, str], data_dir: Path, *, portal: bool = False
) -> list[CheckMessage]:
    """Return an error for each key kept in the data directory, or private where it runs."""
    found: list[CheckMessage] = []
    for name, (code, harm) in (_PORTAL_SECRETS if portal else _SECRETS).items():
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
    portal = settings.ROOT_URLCONF == "custodes.web.portal_urls"
    environ = Env().environ
    return key_problems(environ, Path(settings.DATA_DIR), portal=portal) + (
        portal_secret_problems(environ, portal=portal)
    )
