"""`custodes keys …`: make field-encryption keys and rotate the database onto the newest."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from custodes.errors import CustodesError
from custodes.web.setup import django_setup

__all__ = ["keys_app"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
keys_app = typer.Typer(
    help=(
        "Field-encryption keys. To rotate: `custodes keys new`, append the line to "
        "CUSTODES_FIELD_KEYS everywhere and restart, `custodes keys rotate`, then remove "
        "the old key."
    ),
    no_args_is_help=True,
)


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
        django_setup()
        from custodes.web.encryption import field_keyring

        try:
            version = field_keyring().current + 1
        except CustodesError as exc:
            errors.print(f"[red]error[/red]: CUSTODES_FIELD_KEYS: {exc}", highlight=False)
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
