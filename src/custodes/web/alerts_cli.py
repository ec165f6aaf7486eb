"""`custodes alerts …`: bring an access-audit run into the web app's alert queue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from custodes.errors import CustodesError
from custodes.web.setup import django_setup

__all__ = ["alerts_app"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
alerts_app = typer.Typer(
    help="The access audit's alerts in the web app: import a run for review.",
    no_args_is_help=True,
)


def _refused(reason: str) -> NoReturn:
    errors.print(f"[red]error[/red]: {escape(reason)}", highlight=False)
    errors.print("Nothing was imported.")
    raise typer.Exit(code=1)


@alerts_app.command("import")
def import_run(
    run_dir: Annotated[Path, typer.Argument(help="Folder `custodes audit` wrote its outputs to.")],
    extract: Annotated[
        Path, typer.Option("--extract", help="The force extract the run was made from.")
    ],
) -> None:
    """Load a signed run's alerts, evidence and the extract's org chart, all or nothing."""
    # Signed by a key in CUSTODES_AUDIT_TRUSTED_KEYS, every file as signed and the extract the
    # one it was made from, or refused before a file is read (custodes.audit.manifest).
    django_setup()
    from django.db import DatabaseError

    from custodes.web.alerts.actions import import_audit_run

    try:
        done = import_audit_run(None, run_dir, extract)
    except CustodesError as exc:
        _refused(str(exc))
    except DatabaseError as exc:
        # A value the checks let through, or a database down or not migrated: the import's
        # one transaction rolled back, so say why rather than print a traceback. Errors of
        # Python itself are not database errors and still end with theirs.
        _refused(f"the database refused the import: {type(exc).__name__}: {exc}")
    run = done.run
    if not done.created:
        console.print(
            f"Already imported as run {run.pk} ({escape(run.source)}, "
            f"{run.imported_at:%Y-%m-%d %H:%M} UTC); nothing changed."
        )
        return
    console.print(
        f"[green]ok[/green]: run {run.pk} ({escape(run.source)}, force {escape(run.force)}): "
        f"{run.alert_count:,} alerts, {run.evidence_count:,} evidence rows, "
        f"{run.staff_count:,} staff; {run.look_ups:,} look-ups, "
        f"{100 * run.explained_share:.1f}% explained. Signed by audit key {run.signed_by}; "
        f"extract {run.extract_fingerprint[:16]}…, "
        f"{'packaged' if run.rules_packaged else 'own'} rules {run.rules_sha256[:16]}…."
    )
