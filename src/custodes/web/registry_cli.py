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
    from custodes.web.registry.models import Candidate, Screening

__all__ = ["registry_app"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
# The --jurisdiction option of the commands that read a roster.
JURISDICTION = (
    "Where the roster's agencies are, e.g. US-VA: Virginia's agencies are then named as its "
    "directory names them, as on Virginia's list. Left out, only spelling is tidied."
)
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
        console.print(f"  screened roster {escape(str(screening.roster))}: {_counts(screening)}")
    if done.alerts:
        console.print(f"[yellow]{done.alerts} alerts raised to vetting.[/yellow]")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _counts(screening: Screening) -> str:
    """Say how many likely and weaker candidates a screening found, and how many kept a decision."""
    from custodes.web.registry.models import Candidate

    found = list(screening.candidates.values_list("strength", "status", "decided_on"))
    likely = sum(1 for strength, _, _ in found if strength == Candidate.Strength.LIKELY)
    text = (
        f"{_plural(likely, 'likely match', 'likely matches')}, "
        f"{_plural(len(found) - likely, 'weaker candidate', 'weaker candidates')} "
        "(names agree, too little else known)"
    )
    carried = sum(1 for _, status, on in found if status != Candidate.Status.PENDING and on)
    if carried:
        text += f"; {_plural(carried, 'pair', 'pairs')} already decided kept the decision"
    return text


@registry_app.command("roster")
def roster_cmd(
    name: Annotated[str, typer.Argument(help="What to call the roster, e.g. 'all staff'.")],
    roster: Annotated[Path, typer.Argument(help="Roster CSV (spec/registry-formats.md).")],
    force: Annotated[str, typer.Option("--force", help="The force whose staff these are.")],
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", help=JURISDICTION)] = None,
) -> None:
    """Hold a roster: every list imported later is screened against it."""
    django_setup()
    from custodes.web.registry.actions import load_roster

    try:
        held = load_roster(None, name, force, roster, jurisdiction)
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
            f"No candidate above p={screening.threshold} and no entry whose names agree, in "
            f"{screening.entries:,} entries ({screening.seconds:.2f} s)."
        )
        return
    console.print(f"Screening {screening.pk}: {_counts(screening)}, to review")
    likely = [c for c in candidates if c.likely]
    weaker = [c for c in candidates if not c.likely]
    if not likely:
        console.print(f"  No candidate above p={screening.threshold}.")
    for c in likely:
        _print_candidate(c, "")
    if weaker:
        console.print(
            f"  Weaker candidates, below p={screening.threshold} but the names agree "
            "(too little else is known to say more):"
        )
    for c in weaker:
        _print_candidate(c, "weaker ")


def _print_candidate(c: Candidate, mark: str) -> None:
    e = c.entry
    console.print(
        f"  {mark}p={c.match_probability:.3f}  {escape(c.person_ref)} ~ entry {e.pk} "
        f"{escape(e.full_name)}: {escape(e.jurisdiction)} {escape(e.list_type)} "
        f"({escape(e.reason_category)})\n      why: {escape(c.explanation)}",
        highlight=False,
    )


@registry_app.command("screen")
def screen_cmd(
    roster: Annotated[Path, typer.Argument(help="Roster CSV (spec/registry-formats.md).")],
    force: Annotated[str, typer.Option("--force", help="The force whose staff these are.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write RESULTS.csv.")],
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", help=JURISDICTION)] = None,
) -> None:
    """Screen a whole roster against the registry and hold it for lists to come."""
    django_setup()
    # Imported here, not at the top: Splink is heavy and every `custodes` command loads this.
    from custodes.linkage import SCREEN_SCHEMA
    from custodes.lists import spreadsheet_safe
    from custodes.web.registry.actions import load_roster, screen_roster

    try:
        held = load_roster(None, roster.stem, force, roster, jurisdiction)
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
            # The roster's and the list's own references are outside text: a spreadsheet must
            # not run them. The numbers are custodes' own, written as numbers.
            writer.writerow(
                [
                    spreadsheet_safe(c.person_ref),
                    c.entry_id,
                    spreadsheet_safe(c.entry.source_ref),
                    f"{c.match_probability:.6f}",
                    f"{c.match_weight:.4f}",
                    spreadsheet_safe(c.explanation),
                    c.strength,
                ]
            )
    tmp.replace(out)  # a reader never sees half a file
    console.print(
        f"[green]ok[/green]: {screening.people:,} people screened against "
        f"{screening.entries:,} entries in {screening.seconds:.1f} s: {_counts(screening)}; "
        f"{rows.count()} candidate pairs written to {escape(str(out))}; roster {held.pk} held."
    )


@registry_app.command("take-in")
def take_in_cmd() -> None:
    """Put custodes' own standing list reports on the registry and take withdrawn ones off.

    Run it as the tables' owner (it refuses where row-level security hides rows), every minute:
    under row-level security the pages leave list reports to it (docs/deploy.md, step 9a).
    """
    django_setup()
    from custodes.web.registry.receivers import take_in_list_reports

    try:
        done = take_in_list_reports()
    except CustodesError as exc:
        raise _fail(exc, "No list report was taken in.") from None
    for entry in done.listed:
        console.print(
            f"Listed entry {entry.pk} ({escape(entry.list_type)}, list report "
            f"{escape(entry.source_ref)}) and screened held rosters against it."
        )
    for entry in done.delisted:
        console.print(
            f"Took entry {entry.pk} off (list report {escape(entry.source_ref)} withdrawn)."
        )
    console.print(
        f"{_plural(len(done.listed), 'list report', 'list reports')} put on the registry, "
        f"{_plural(len(done.delisted), 'entry', 'entries')} taken off."
    )


@registry_app.command("searched-for")
def searched_for_cmd(
    name: Annotated[str, typer.Argument(help="The name (or any words) to look for.")],
) -> None:
    """Say who searched the registry for these words, from the trail's keyed pseudonyms."""
    django_setup()
    from custodes.web.accounts.models import User
    from custodes.web.registry.searches import search_terms, searches_for
    from custodes.web.trail.chain import record
    from custodes.web.trail.kinds import Action, Subject

    found = searches_for(name)
    # Asking is itself recorded, by the pseudonyms asked about, never the name.
    record(None, Action.SEARCHED_FOR, Subject.REGISTRY, "", changes={"terms": search_terms(name)})
    if not found:
        console.print("No registry search on the trail included all of these words.")
        return
    users = dict(
        User.objects.filter(pk__in={s.actor_id for s in found}).values_list("pk", "username")
    )
    console.print(f"{_plural(len(found), 'search', 'searches')} included all of these words:")
    for s in found:
        who = users.get(s.actor_id, "(no account)") if s.actor_id else "(no account)"
        console.print(
            f"  trail event {s.seq}, {s.at}: {escape(who)}; entries shown: "
            f"{', '.join(str(e) for e in s.entries) or 'none'}",
            highlight=False,
        )
