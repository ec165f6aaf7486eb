"""`custodes vetting …`: load a force's vetting records, run the re-vetting sweep, import an
external check, and give the access audit the associations staff declared."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sized
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from custodes.web.setup import django_setup

__all__ = ["vetting_app"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
vetting_app = typer.Typer(
    help="Vetting: load a force's records, raise re-vetting tasks from every trigger, import an "
    "external check's hits, and write declared associations for the access audit. Run as the "
    "tables' owner.",
    no_args_is_help=True,
)


def _refused(reason: str, what: str) -> NoReturn:
    errors.print(f"[red]error[/red]: {escape(reason)}", highlight=False)
    errors.print(what)
    raise typer.Exit(code=1)


@vetting_app.command("load")
def load_cmd(
    folder: Annotated[
        Path,
        typer.Argument(
            help="A folder of posts.csv, clearances.csv, postings.csv and, if held, "
            "integrity-reviews.csv (docs/vetting.md says their fields)."
        ),
    ],
) -> None:
    """Load a force's vetting records, all or nothing, each through its action (on the
    trail); a move that needs re-vetting raises its task at once. A folder loaded before is
    found, not loaded twice."""
    django_setup()
    from custodes.web.vetting.records import RecordsError, load_records

    try:
        loaded = load_records(None, folder)
    except RecordsError as exc:
        _refused(str(exc), "Nothing was loaded.")
    except OSError as exc:
        _refused(f"{folder}: {exc.strerror}", "Nothing was loaded.")
    if loaded.already:
        console.print(
            f"{escape(str(folder))} was loaded before: its {len(loaded.posts):,} posts are "
            "there; nothing was written.",
            highlight=False,
        )
        return
    console.print(
        f"[green]ok[/green]: {escape(str(folder))}: {_n(loaded.posts, 'post')}, "
        f"{_n(loaded.clearances, 'clearance decision')}, {_n(loaded.postings, 'move')} and "
        f"{_n(loaded.reviews, 'integrity review')} held, each on the trail; "
        f"{_n(loaded.raised, 'move')} raised a re-vetting task at once. Run "
        "`custodes vetting sweep` for the other triggers.",
        highlight=False,
    )


def _n(items: Sized, noun: str) -> str:
    """Say how many, with the noun in the plural unless there is one: "2 moves", "1 move"."""
    return f"{len(items):,} {noun}{'' if len(items) == 1 else 's'}"


@vetting_app.command("sweep")
def sweep_cmd(
    on: Annotated[
        str | None,
        typer.Option("--on", help="The day to sweep up to (YYYY-MM-DD); by default today."),
    ] = None,
) -> None:
    """Raise a task for every trigger up to the day that has none (a repeat raises none), and
    draw each month's random sample not drawn yet; say what was raised, and what could not be
    tied to anyone."""
    django_setup()
    from django.utils import timezone

    from custodes.web.vetting.actions import sweep
    from custodes.web.vetting.models import VettingTask

    try:
        day = dt.date.fromisoformat(on) if on else timezone.localdate()
    except ValueError:
        _refused(f"--on {on!r} is not a date (YYYY-MM-DD)", "Nothing was swept.")
    swept = sweep(day)
    labels = dict(VettingTask.Trigger.choices)
    raised = swept.by_trigger()
    console.print(
        f"Swept up to {day.isoformat()}: {len(swept.created):,} task"
        f"{'s' if len(swept.created) != 1 else ''} raised.",
        highlight=False,
    )
    for trigger, count in raised.items():
        console.print(f"  {count:>5,}  {trigger}: {escape(labels[trigger])}", highlight=False)
    for sample in swept.samples:
        console.print(
            f"Random sample {sample.month}: {sample.chosen:,} of {sample.holders:,} holding a "
            "clearance on the month's first day.",
            highlight=False,
        )
    if swept.untied:
        errors.print(
            f"[yellow]{len(swept.untied):,} trigger(s) tied to nobody[/yellow] (no account, no "
            "force id): give the subject one and sweep again.",
            highlight=False,
        )
        for line in swept.untied:
            errors.print(f"  {escape(line)}", highlight=False)


@vetting_app.command("check")
def check_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            help="An external check's CSV: check,hit_ref,force,force_user_id,hit_on,summary."
        ),
    ],
) -> None:
    """Import an external check's hits, all or nothing: one re-vetting task for each new hit."""
    django_setup()
    from custodes.web.vetting.actions import ExternalCheckError, import_external_check

    try:
        done = import_external_check(None, file)
    except ExternalCheckError as exc:
        _refused(str(exc), "Nothing was imported.")
    except OSError as exc:
        _refused(f"{file}: {exc.strerror}", "Nothing was imported.")
    console.print(
        f"[green]ok[/green]: {escape(done.file)}: {done.rows:,} hits; {len(done.created):,} "
        f"tasks raised, {done.existing:,} imported before.",
        highlight=False,
    )


@vetting_app.command("associations")
def associations_cmd(
    force: Annotated[str, typer.Option("--force", help="The force whose staff declared them.")],
    out: Annotated[
        Path, typer.Option("--out", help="The CSV to write (replaced whole if it exists).")
    ],
) -> None:
    """Write the associations a force's staff declared, as the access audit's
    declared_associations table: pass it to `custodes audit --declared FILE`."""
    django_setup()
    from custodes.web.vetting.associations import write_associations

    try:
        rows = write_associations(None, force, out)
    except (OSError, ValueError) as exc:
        _refused(str(exc), "Nothing was written.")
    console.print(
        f"[green]ok[/green]: {rows:,} declared association{'s' if rows != 1 else ''} of force "
        f"{escape(force)} written to {escape(str(out))}; recorded on the trail. Give it to the "
        "audit with `custodes audit EXTRACT --declared FILE`.",
        highlight=False,
    )
