"""`custodes risk import DIR`: bring a risk run into the web app's early-intervention list.

`import_run_command` is the command itself and `risk_web_app` a Typer app holding it as
`import`; `custodes/cli.py` registers it beside the library's `risk score`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from custodes.errors import CustodesError
from custodes.web.setup import django_setup

__all__ = ["import_run_command", "risk_web_app"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
risk_web_app = typer.Typer(
    help="Early intervention in the web app: import a risk run for the lead.",
    no_args_is_help=True,
)


def _refused(reason: str) -> NoReturn:
    errors.print(f"[red]error[/red]: {escape(reason)}", highlight=False)
    errors.print("Nothing was imported.")
    raise typer.Exit(code=1)


@risk_web_app.command("import")
def import_run_command(
    run_dir: Annotated[Path, typer.Argument(help="Folder `custodes risk score` wrote.")],
) -> None:
    """Load a risk run's ranked officers and its report, all or nothing; again, nothing new."""
    django_setup()
    from django.db import DatabaseError

    from custodes.web.risk.actions import import_risk_run
    from custodes.web.risk.models import RiskEntry

    try:
        done = import_risk_run(None, run_dir)
    except CustodesError as exc:
        _refused(str(exc))
    except DatabaseError as exc:
        # The import's one transaction rolled back: say why rather than print a traceback.
        _refused(f"the database refused the import: {type(exc).__name__}: {exc}")
    run = done.run
    if not done.created:
        console.print(
            f"Already imported as risk run {run.pk} ({escape(run.source)}, "
            f"{run.imported_at:%Y-%m-%d %H:%M} UTC); nothing changed."
        )
        return
    untied = RiskEntry.objects.filter(run=run, tie=RiskEntry.Tie.UNTIED).count()
    console.print(
        f"[green]ok[/green]: risk run {run.pk} ({escape(run.source)}), as of {run.as_of}: "
        f"{run.officers_scored:,} officers ranked by the risk of {run.get_label_display()} "
        f"within {run.horizon_days} days; {run.officers_scored - untied:,} tied to staff "
        f"custodes knows, {untied:,} not (shown only to the counter-corruption lead)"
        f"{'; report kept' if run.report else '; no report in the folder'}."
    )
