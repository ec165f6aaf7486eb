"""`custodes cases …`: commands over custodes' case management."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

__all__ = ["cases_app"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
cases_app = typer.Typer(
    help="Case management: check the synthetic caseload against its truth, export cases.",
    no_args_is_help=True,
)


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]error[/red]: {escape(message)}", highlight=False)
    return typer.Exit(code=1)


@cases_app.command("export")
def export_cmd(
    out: Annotated[
        Path, typer.Option("--out", help="A new (or empty) folder to write the three tables to.")
    ],
    fmt: Annotated[
        str, typer.Option("--format", help="csv or parquet.", case_sensitive=False)
    ] = "csv",
    pseudonymise_key: Annotated[
        Path | None,
        typer.Option(
            "--pseudonymise-key",
            envvar="CUSTODES_EXPORT_KEY_FILE",
            help="A file holding a secret key (32 bytes or more): references become keyed "
            "pseudonyms, the same for the same key, and names and birth years are left out.",
        ),
    ] = None,
) -> None:
    """Export every case in the officer-history format (officers, allegations, events), for
    early intervention and statistics; recorded on the trail as an operator's export."""
    from custodes.web.setup import django_setup

    fmt = fmt.lower()
    if fmt not in ("csv", "parquet"):
        raise _fail(f"--format {fmt!r}: use csv or parquet. Nothing was written.")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise _fail(f"{out} already exists and is not an empty folder. Nothing was written.")
    django_setup()
    from custodes.web.cases.export import ExportError, export_cases, read_key

    try:
        key = read_key(pseudonymise_key) if pseudonymise_key is not None else None
        done = export_cases(out, fmt=fmt, key=key)
    except ExportError as exc:
        said = str(exc)
        said = said if "nothing was written" in said else f"{said}. Nothing was written."
        raise _fail(said) from None
    rows = ", ".join(f"{n:,} {name}" for name, n in done.rows.items())
    how = "pseudonymised" if done.pseudonymised else "with names and references"
    console.print(
        f"[green]ok[/green]: {done.cases:,} cases to {escape(str(out))} ({fmt}, {how}): {rows}; "
        "recorded on the trail.",
        highlight=False,
    )


@cases_app.command("check-synthetic")
def check_synthetic(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The day the caseload was made for (YYYY-MM-DD); by default the day its "
            "matters were entered.",
        ),
    ] = None,
    matters: Annotated[int, typer.Option(help="Matters in the caseload loaded.")] = 120,
    seed: Annotated[int, typer.Option(help="The caseload's seed.")] = 1,
) -> None:
    """Check what custodes reports of the synthetic caseload against its truth: every
    mandatory referral flagged with the right deadline, every planted failure reported,
    nothing reported that was not planted. Exits 1 if not."""
    import datetime as dt

    from custodes.web.setup import django_setup

    django_setup()
    from custodes.synth import SynthConfig, generate_caseload
    from custodes.web.cases.synthetic import check_caseload, entered_on

    try:
        day = dt.date.fromisoformat(as_of) if as_of else entered_on()
    except ValueError as exc:
        raise _fail(f"--as-of: {exc}") from None
    if day is None:
        raise _fail("no synthetic caseload is loaded: run `custodes demo` first")
    caseload = generate_caseload(
        SynthConfig(staff=2000, days=90, seed=1), today=day, matters=matters, seed=seed
    )
    result = check_caseload(caseload)
    for line in result.lines():
        console.print(line, highlight=False)
    for key in result.missed:
        errors.print(f"missed: {' '.join(k for k in key if k)}", highlight=False)
    for key in result.extra:
        errors.print(f"reported, not planted: {' '.join(k for k in key if k)}", highlight=False)
    for flag in result.wrong_flags:
        errors.print(f"flag: {flag}", highlight=False)
    if not result.ok:
        raise typer.Exit(code=1)
