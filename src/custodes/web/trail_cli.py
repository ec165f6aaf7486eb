"""`custodes trail …`: verify the trail's hash chain, and export it for the access audit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from custodes.errors import CustodesError
from custodes.web.setup import django_setup

__all__ = ["trail_app"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
trail_app = typer.Typer(
    help="The trail of every read and write: verify its chain, export it for the audit.",
    no_args_is_help=True,
)


@trail_app.command("verify")
def verify() -> None:
    """Walk the trail's hash chain; exit 1 if any event was edited, deleted or reordered."""
    django_setup()
    from custodes.web.trail.chain import verify as verify_chain
    from custodes.web.trail.models import TrailEvent

    breaks = verify_chain()
    checked = TrailEvent.objects.count()
    if breaks:
        for found in breaks:
            errors.print(f"[red]break[/red]: {escape(str(found))}", highlight=False)
        errors.print(f"{len(breaks)} break(s) in the chain of {checked:,} events.")
        raise typer.Exit(code=1)
    head = TrailEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    console.print(f"[green]ok[/green]: {checked:,} events checked; the chain holds.")
    if head is not None:
        # Only a copy kept elsewhere shows events cut from the end: the chain cannot.
        console.print(f"Last event #{head[0]}, hash {head[1]}: keep a copy of it elsewhere.")


@trail_app.command("export")
def export(
    out: Annotated[Path, typer.Argument(help="New folder to write the force extract into.")],
) -> None:
    """Write the trail as a force extract (Parquet) that `custodes validate` and the audit read."""
    django_setup()
    from custodes.web.trail.export import export_trail

    try:
        done = export_trail(out)
    except CustodesError as exc:
        errors.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(code=1) from None
    for name, rows in done.rows.items():
        console.print(f"{name}: {rows:,} rows")
    console.print(f"[green]ok[/green]: the trail is in {done.out} as a force extract.")
