"""`custodes trail …`: verify the trail's hash chain, sign checkpoints of it, export it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from custodes.errors import CustodesError
from custodes.web.setup import django_setup

if TYPE_CHECKING:
    from custodes.signing import PublicKey, SigningKey

__all__ = ["trail_app"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
trail_app = typer.Typer(
    help=(
        "The trail of every read and write: verify its chain, sign checkpoints of its head "
        "for the oversight body to keep, export it for the audit."
    ),
    no_args_is_help=True,
)


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]error[/red]: {escape(message)}", highlight=False)
    return typer.Exit(code=1)


def _trusted(files: list[Path] | None) -> tuple[PublicKey, ...]:
    """Return the checkpoint keys the files name, else those the settings trust."""
    from django.conf import settings

    from custodes.signing import SigningError, parse_public_keys

    if not files:
        keys: tuple[PublicKey, ...] = settings.CHECKPOINT_TRUSTED_KEYS
        return keys
    found: list[PublicKey] = []
    for path in files:
        try:
            found += parse_public_keys(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError, SigningError) as exc:
            raise _fail(f"{path}: {exc}") from None
    return tuple(found)


@trail_app.command("verify")
def verify(
    checkpoints: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            help="A checkpoint file (`custodes trail checkpoint`) the trail must still hold; "
            "give it more than once for several.",
        ),
    ] = None,
    trusted_keys: Annotated[
        list[Path] | None,
        typer.Option(
            "--trusted-key",
            help="A file of public key lines whose checkpoints to accept, instead of "
            "CUSTODES_CHECKPOINT_TRUSTED_KEYS. A key inside a checkpoint is never trusted.",
        ),
    ] = None,
) -> None:
    """Walk the trail's hash chain, and hold it to checkpoints; exit 1 if anything differs."""
    django_setup()
    from custodes.web.trail.chain import verify as verify_chain
    from custodes.web.trail.checkpoint import CheckpointError, check_against, read_checkpoint
    from custodes.web.trail.models import TrailEvent

    held = []
    if checkpoints:
        # Read and trusted first: a refused checkpoint is the first thing to say.
        keys = _trusted(trusted_keys)
        try:
            held = [(path, read_checkpoint(path, keys)) for path in checkpoints]
        except CheckpointError as exc:
            raise _fail(str(exc)) from None
    try:
        breaks = [str(found) for found in verify_chain()]
        differs = [f"{p}: {problem}" for p, point in held for problem in check_against(point)]
    except CustodesError as exc:
        raise _fail(str(exc)) from None
    checked = TrailEvent.objects.count()
    for found in breaks:
        errors.print(f"[red]break[/red]: {escape(found)}", highlight=False)
    for problem in differs:
        errors.print(f"[red]checkpoint[/red]: {escape(problem)}", highlight=False)
    if breaks or differs:
        errors.print(
            f"{len(breaks)} break(s) in the chain of {checked:,} events; "
            f"{len(differs)} difference(s) from {len(held)} checkpoint(s)."
        )
        raise typer.Exit(code=1)
    head = TrailEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    console.print(f"[green]ok[/green]: {checked:,} events checked; the chain holds.")
    for path, point in held:
        console.print(
            f"[green]ok[/green]: the trail holds checkpoint {escape(str(path))}, "
            f"{point} signed by key {point.key_id}."
        )
    if head is not None and not held:
        # Only a copy kept elsewhere shows events cut from the end: the chain cannot.
        console.print(
            f"Last event #{head[0]}, hash {head[1]}: without a checkpoint (`custodes trail "
            "checkpoint`), events cut from the end of the trail do not show."
        )


def _checkpoint_key(path: Path | None) -> SigningKey:
    """Return the checkpoint signing key from --signing-key, else from the environment."""
    from custodes.signing import SigningError, load_signing_key, read_signing_key
    from custodes.web.env import Env

    try:
        if path is not None:
            return load_signing_key(path)
        text = Env().secret("CUSTODES_CHECKPOINT_SIGNING_KEY")
    except (SigningError, CustodesError) as exc:
        raise _fail(str(exc)) from None
    if not text:
        raise _fail(
            "no checkpoint signing key: give --signing-key FILE (or set "
            "CUSTODES_CHECKPOINT_SIGNING_KEY_FILE) to the oversight body's private key"
        )
    try:
        return read_signing_key(text, "CUSTODES_CHECKPOINT_SIGNING_KEY")
    except SigningError as exc:
        raise _fail(str(exc)) from None


@trail_app.command("checkpoint")
def checkpoint(
    out: Annotated[Path, typer.Argument(help="New file to write the signed checkpoint to.")],
    signing_key: Annotated[
        Path | None,
        typer.Option(
            "--signing-key",
            help="The private key that signs checkpoints, held away from the web app and its "
            "database (by default CUSTODES_CHECKPOINT_SIGNING_KEY_FILE).",
        ),
    ] = None,
) -> None:
    """Check the chain, then sign its head (sequence, hash, count, time) into a new file."""
    key = _checkpoint_key(signing_key)
    django_setup()
    from custodes.web.trail.checkpoint import CheckpointError, make_checkpoint, write_checkpoint

    try:
        point, data = make_checkpoint(key)
        write_checkpoint(out, data)
    except CheckpointError as exc:
        raise _fail(str(exc)) from None
    console.print(
        f"[green]ok[/green]: checkpoint {point}, hash {point.hash}, signed by key "
        f"{point.key_id}, in {escape(str(out))}. Give it to the oversight body to keep: "
        "`custodes trail verify --checkpoint` holds the trail to it."
    )


@trail_app.command("export")
def export(
    out: Annotated[Path, typer.Argument(help="New folder to write the force extract into.")],
) -> None:
    """Write the trail as a force extract (Parquet) that `custodes validate` and the audit read."""
    django_setup()
    from custodes.web.trail_export import export_trail

    try:
        done = export_trail(out)
    except CustodesError as exc:
        errors.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(code=1) from None
    for name, rows in done.rows.items():
        console.print(f"{name}: {rows:,} rows")
    console.print(f"[green]ok[/green]: the trail is in {done.out} as a force extract.")
