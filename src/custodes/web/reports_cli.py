"""`custodes reports …`: the staff side's scheduled work on portal reports.

`take-in` matches each new report against the whole staff list (accounts, every imported
force's chart, case subjects) and puts it in the intake handlers' queue. It must see every
row, so on PostgreSQL it runs as the tables' owner (the owner's DATABASE_URL), never as the
web app's role, which row-level security keeps from pending reports and from most of the
staff list; there it refuses and takes nothing in. Run it every minute (docs/deploy.md).
"""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from custodes.errors import CustodesError
from custodes.web.setup import django_setup

__all__ = ["reports_app"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
reports_app = typer.Typer(
    help="Reports from the reporting portal, on the staff side: take new ones in.",
    no_args_is_help=True,
)


def _refused(reason: str) -> NoReturn:
    errors.print(f"[red]error[/red]: {escape(reason)}", highlight=False)
    errors.print("No report was taken in.")
    raise typer.Exit(code=1)


@reports_app.command("take-in")
def take_in() -> None:
    """Take every new portal report into the queue, matched against the whole staff list.

    Run it as the tables' owner (it refuses where row-level security hides rows), every minute:
    until a report is taken in, no page shows it to anyone.
    """
    django_setup()
    from custodes.web.reports.actions import take_in_new_reports

    try:
        made = take_in_new_reports()
    except CustodesError as exc:
        _refused(str(exc))
    for intake in made:
        matched = intake.matched
        console.print(
            f"Took in {escape(intake.report.reference)}: it names "
            f"{matched} member{'' if matched == 1 else 's'} of staff on the staff list."
        )
    console.print(f"{len(made)} new report(s) taken in.")
