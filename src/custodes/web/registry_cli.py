"""`custodes registry …`: load published lists, hold rosters, check applicants, screen staff."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from custodes.errors import CustodesError
from custodes.web.setup import django_setup

if TYPE_CHECKING:
    from custodes.web.registry.models import Screening

__all__ = ["registry_app"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
registry_app = typer.Typer(
    help="The registry of removed officers: import lists, hold rosters, check and screen.",
    no_args_is_help=True,
)


def _fail(exc: Exception, what: str) -> typer.Exit:
    errors.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
    errors.print(what)
    return typer.Exit(code=1)


def _mapping(pairs: list[str]) -> dict[str, str] | None:
    mapping = {}
    for pair in pairs:
        spec, sep, theirs = pair.partition("=")
        if not sep or not spec or not theirs:
            raise typer.BadParameter(f"{pair!r}: write SPEC_COLUMN=FILE_COLUMN")
        mapping[spec.strip()] = theirs.strip()
    return mapping or None


@registry_app.command("import")
def import_cmd(
    source: Annotated[str, typer.Argument(help="virginia, ccrb or generic.")],
    files: Annotated[
        list[Path],
        typer.Argument(
            help="The list: the DCJS workbook; the CCRB departure letters, penalties and "
            "(optional) complaints zip; or a generic CSV."
        ),
    ],
    column: Annotated[
        list[str] | None,
        typer.Option("--column", help="SPEC_COLUMN=FILE_COLUMN, for lists named otherwise."),
    ] = None,
) -> None:
    """Import a published list; rows that are not entries are listed with line and reason."""
    django_setup()
    from custodes.web.registry.actions import import_list

    try:
        done = import_list(None, source, files, _mapping(column or []))
    except CustodesError as exc:
        raise _fail(exc, "Nothing was imported.") from None
    li = done.list_import
    console.print(
        f"[green]ok[/green]: {escape(li.file_name)}: {li.read:,} entries read, {li.added:,} "
        f"added, {li.changed:,} changed, {li.unchanged:,} unchanged; "
        f"{len(li.rejected)} rows rejected."
    )
    for row in li.rejected:
        console.print(
            f"  rejected: {escape(row['file'])}, line {row['line']}, {escape(row['field'])}: "
            f"{escape(row['why'])}",
            highlight=False,
        )
    for screening in done.screenings:
        console.print(
            f"  screened roster {escape(str(screening.roster))}: "
            f"{screening.candidates.count()} likely matches"
        )
    if done.alerts:
        console.print(f"[yellow]{done.alerts} alerts raised to vetting.[/yellow]")


@registry_app.command("roster")
def roster_cmd(
    name: Annotated[str, typer.Argument(help="What to call the roster, e.g. 'all staff'.")],
    roster: Annotated[Path, typer.Argument(help="Roster CSV (spec/registry-formats.md).")],
    force: Annotated[str, typer.Option("--force", help="The force whose staff these are.")],
) -> None:
    """Hold a roster: every list imported later is screened against it."""
    django_setup()
    from custodes.web.registry.actions import load_roster

    try:
        held = load_roster(None, name, force, roster)
    except CustodesError as exc:
        raise _fail(exc, "The roster was not held.") from None
    console.print(f"[green]ok[/green]: roster {held.pk} held: {held.people.count():,} people.")


@registry_app.command("check")
def check_cmd(
    first_name: Annotated[str, typer.Option("--first-name")],
    last_name: Annotated[str, typer.Option("--last-name")],
    middle_name: Annotated[str | None, typer.Option("--middle-name")] = None,
    other_names: Annotated[
        str | None, typer.Option("--other-names", help="Earlier names, ;-separated.")
    ] = None,
    birth_date: Annotated[str | None, typer.Option("--birth-date", help="YYYY-MM-DD")] = None,
    birth_year: Annotated[int | None, typer.Option("--birth-year")] = None,
    sex: Annotated[str | None, typer.Option("--sex", help="F, M or X")] = None,
    agency: Annotated[str | None, typer.Option("--agency")] = None,
    badge: Annotated[str | None, typer.Option("--badge", help="Numbers, ;-separated.")] = None,
    ref: Annotated[str, typer.Option("--ref", help="Your own reference for the applicant.")] = (
        "applicant"
    ),
) -> None:
    """Check one applicant against the registry; candidates are kept for review."""
    django_setup()
    from custodes.web.registry.actions import check_applicant

    applicant: dict[str, Any] = {
        "record_id": ref,
        "first_name": first_name,
        "middle_name": middle_name,
        "last_name": last_name,
        "other_names": [n for n in (other_names or "").split(";") if n.strip()],
        "birth_date": dt.date.fromisoformat(birth_date) if birth_date else None,
        "birth_year": birth_year,
        "sex": sex,
        "agency": agency,
        "badges": [b for b in (badge or "").split(";") if b.strip()],
    }
    try:
        screening = check_applicant(None, applicant)
    except (CustodesError, ValueError) as exc:
        raise _fail(exc, "Nothing was checked.") from None
    _show(screening)


def _show(screening: Screening) -> None:
    candidates = list(screening.candidates.select_related("entry"))
    if not candidates:
        console.print(
            f"No candidate above p={screening.threshold} in {screening.entries:,} entries "
            f"({screening.seconds:.2f} s)."
        )
        return
    console.print(f"Screening {screening.pk}: {len(candidates)} candidates to review")
    for c in candidates:
        e = c.entry
        console.print(
            f"  p={c.match_probability:.3f}  {escape(c.person_ref)} ~ entry {e.pk} "
            f"{escape(e.full_name)}: {escape(e.jurisdiction)} {escape(e.list_type)} "
            f"({escape(e.reason_category)})\n      why: {escape(c.explanation)}",
            highlight=False,
        )


@registry_app.command("screen")
def screen_cmd(
    roster: Annotated[Path, typer.Argument(help="Roster CSV (spec/registry-formats.md).")],
    force: Annotated[str, typer.Option("--force", help="The force whose staff these are.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write RESULTS.csv.")],
) -> None:
    """Screen a whole roster against the registry and hold it for lists to come."""
    django_setup()
    # Imported here, not at the top: Splink is heavy and every `custodes` command loads this.
    from custodes.linkage.matcher import SCREEN_SCHEMA
    from custodes.web.registry.actions import load_roster, screen_roster

    try:
        held = load_roster(None, roster.stem, force, roster)
        screening = screen_roster(None, held)
    except CustodesError as exc:
        raise _fail(exc, "Nothing was screened.") from None
    rows = screening.candidates.select_related("entry").order_by(
        "person_ref", "-match_probability", "entry_id"
    )
    tmp = out.with_name(f".{out.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SCREEN_SCHEMA.names)  # spec/registry-formats.md's columns
        for c in rows:
            writer.writerow(
                [
                    c.person_ref,
                    c.entry_id,
                    c.entry.source_ref,
                    f"{c.match_probability:.6f}",
                    f"{c.match_weight:.4f}",
                    c.explanation,
                ]
            )
    tmp.replace(out)  # a reader never sees half a file
    console.print(
        f"[green]ok[/green]: {screening.people:,} people screened against "
        f"{screening.entries:,} entries in {screening.seconds:.1f} s: {rows.count()} candidate "
        f"pairs written to {escape(str(out))}; roster {held.pk} held."
    )
