"""`custodes keys …`: the web app's secrets, signing key pairs, and field-key rotation."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from custodes.errors import CustodesError
from custodes.web.setup import django_setup

__all__ = ["WEB_SECRETS", "keys_app"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
keys_app = typer.Typer(
    help=(
        "Secrets and keys. `keys generate` makes every secret the web app needs; `keys pair` "
        "makes a signing key pair (the audit machine's, the trail checkpoints'). To rotate "
        "field keys: `custodes keys new`, append the line to CUSTODES_FIELD_KEYS everywhere and "
        "restart, `custodes keys rotate`, then remove the old key."
    ),
    no_args_is_help=True,
)

# Every secret the web app reads (src/custodes/web/settings.py), and what it guards.
WEB_SECRETS = {
    "CUSTODES_SECRET_KEY": "Django's signing key (sessions, CSRF)",
    "CUSTODES_FIELD_KEYS": "field-encryption keys: lose them and encrypted identities are lost",
    "CUSTODES_PSEUDONYM_KEY": "the pseudonyms' HMAC key: a new one makes new pseudonyms",
    "CUSTODES_TRAIL_KEY": "the trail chain's key: a new one breaks `trail verify` on the old chain",
    "CUSTODES_PORTAL_SECRET_KEY": "the reporting portal's own signing key (its cookies, CSRF)",
    "CUSTODES_PORTAL_RECEIPT_SECRET": "keys the receipts' hashes: a new one opens no old receipt",
}


# Printed after the secrets: the two key pairs are made where their private halves stay.
_PAIRS = (
    "The signing key pairs are made where their private keys stay: `custodes keys pair "
    "audit.key` on the audit machine (audit.key.pub goes into CUSTODES_AUDIT_TRUSTED_KEYS), "
    "`custodes keys pair checkpoint.key` by the oversight body (checkpoint.key.pub goes into "
    "CUSTODES_CHECKPOINT_TRUSTED_KEYS)."
)


def _token(nbytes: int) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).decode("ascii")


def _fresh_secrets() -> dict[str, str]:
    """Return a fresh value for each of the web app's secrets, in the format it reads."""
    from custodes.crypto import new_key_line

    return {
        # 48 bytes, as development makes it: Django wants at least 50 characters.
        "CUSTODES_SECRET_KEY": _token(48),
        "CUSTODES_FIELD_KEYS": new_key_line(1),
        "CUSTODES_PSEUDONYM_KEY": _token(32),
        "CUSTODES_TRAIL_KEY": _token(32),
        # The portal's own, never the staff app's key (portal_settings refuses the same one).
        "CUSTODES_PORTAL_SECRET_KEY": _token(48),
        "CUSTODES_PORTAL_RECEIPT_SECRET": _token(32),
    }


def _write_new(path: Path, text: str) -> None:
    """Write a new owner-only file; never replace one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text + "\n")


@keys_app.command("generate")
def generate(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="A new folder to write each secret to as its own owner-only file, for the "
            "`NAME_FILE` variables; without it the secrets are printed as NAME=value lines.",
        ),
    ] = None,
) -> None:
    """Make every secret the web app needs (CUSTODES_SECRET_KEY, _FIELD_KEYS, …), fresh."""
    values = _fresh_secrets()
    if out is None:
        # Plain stdout and nothing else there: an environment file, or a secrets store's input.
        for name, value in values.items():
            typer.echo(f"{name}={value}")
        errors.print(
            "Keep each in the secrets store, give it to the web app as NAME or NAME_FILE, and "
            "never in CUSTODES_DATA_DIR beside the database (`custodes web check --deploy` "
            f"refuses that). {_PAIRS}",
            highlight=False,
        )
        return
    try:
        out.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        errors.print(f"[red]error[/red]: {escape(str(out))} exists; secrets are never overwritten")
        raise typer.Exit(code=1) from None
    for name, value in values.items():
        path = out.resolve() / name.lower()
        _write_new(path, value)
        typer.echo(f"{name}_FILE={path}")
    errors.print(
        f"Each secret is in its own owner-only file in {escape(str(out))}; keep copies in the "
        "force's key safe: "
        + "; ".join(f"{n}: {what}" for n, what in WEB_SECRETS.items())
        + f". {_PAIRS}",
        highlight=False,
    )


@keys_app.command("pair")
def pair(
    private: Annotated[
        Path, typer.Argument(help="File for the private key; the public key goes to FILE.pub.")
    ],
) -> None:
    """Make an Ed25519 signing key pair: the private key owner-only, the public key as one line."""
    from custodes.signing import SigningError, write_key_pair

    try:
        key = write_key_pair(private)
    except (SigningError, OSError) as exc:
        errors.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(code=1) from None
    typer.echo(key.public.line)
    errors.print(
        f"Private key {escape(str(private))} (mode 0600): keep it where it signs and nowhere "
        f"else (the audit machine; the oversight body for trail checkpoints). Public key "
        f"{escape(str(private))}.pub, key id {key.key_id}: list it in "
        "CUSTODES_AUDIT_TRUSTED_KEYS or CUSTODES_CHECKPOINT_TRUSTED_KEYS.",
        highlight=False,
    )


@keys_app.command("public")
def public(
    private: Annotated[Path, typer.Argument(help="A private key file made by `keys pair`.")],
) -> None:
    """Print the public key line of a private key, to trust it again where it was lost."""
    from custodes.signing import SigningError, load_signing_key

    try:
        typer.echo(load_signing_key(private).public.line)
    except SigningError as exc:
        errors.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(code=1) from None


def _next_version() -> int:
    """Return one above the newest field key configured; 1 when none is, in production."""
    from custodes.crypto import Keyring
    from custodes.web.env import Env

    env = Env()
    text = env.secret("CUSTODES_FIELD_KEYS")
    modes = ("development", "production", "test")
    production = env.choice("CUSTODES_MODE", "development", modes) == "production"
    if text is None and not production:
        # Development keeps generated keys in the data directory: settings know where.
        django_setup()
        from custodes.web.encryption import field_keyring

        return field_keyring().current + 1
    if text is None:
        return 1
    # A bare key is version 1, as settings read it.
    try:
        return Keyring.parse(text if ":" in text else f"1:{text}").current + 1
    except CustodesError as exc:
        raise CustodesError(f"CUSTODES_FIELD_KEYS: {exc}") from None


@keys_app.command("new")
def new(
    version: Annotated[
        int | None,
        typer.Option(
            min=1, help="Version for the key; by default one above the newest configured."
        ),
    ] = None,
) -> None:
    """Print a fresh random key as a `version:key` line for CUSTODES_FIELD_KEYS."""
    from custodes.crypto import new_key_line

    if version is None:
        # Only the field keys are read: the web app's other secrets need not be at hand.
        try:
            version = _next_version()
        except CustodesError as exc:
            errors.print(f"[red]error[/red]: {exc}", highlight=False)
            raise typer.Exit(code=1) from None
    # Plain stdout and nothing else there, so the line can be piped into a secrets store.
    typer.echo(new_key_line(version))
    errors.print(
        f"Append this as key version {version} to CUSTODES_FIELD_KEYS (comma-separated), "
        "restart every process, then run `custodes keys rotate`.",
        highlight=False,
    )


@keys_app.command("rotate")
def rotate() -> None:
    """Re-encrypt every encrypted value under the newest key, in one transaction."""
    django_setup()
    from custodes.web.encryption import field_keyring, rotate_field_keys

    try:
        keyring = field_keyring()
        report = rotate_field_keys()
    except CustodesError as exc:
        errors.print(f"[red]error[/red]: {exc}", highlight=False)
        raise typer.Exit(code=1) from None
    table = Table(title=f"Re-encrypted under key version {keyring.current}")
    for heading in ("table.column", "re-encrypted", "already current", "empty"):
        table.add_column(heading, justify="left" if heading == "table.column" else "right")
    for column in report:
        table.add_row(
            column.column, f"{column.reencrypted:,}", f"{column.current:,}", f"{column.empty:,}"
        )
    console.print(table)
    older = [v for v in keyring.versions if v != keyring.current]
    if older:
        listed = ", ".join(str(v) for v in older)
        console.print(
            f"Every value now uses key version {keyring.current}; key version(s) {listed} "
            "can be removed from CUSTODES_FIELD_KEYS."
        )
