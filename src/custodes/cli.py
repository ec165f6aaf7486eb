"""The one `custodes` command: demo, synth, validate and the rest."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from custodes import __version__

if TYPE_CHECKING:
    from custodes.audit.pipeline import Step
    from custodes.audit.run import AuditResult
    from custodes.signing import SigningKey
    from custodes.synth import SynthResult

# The real Virginia decertification list, where the project's shared data sits beside it.
_VIRGINIA = Path("../shared/data/virginia-decertification/DCJS_Decertification_List_Apr25.xlsx")
app = typer.Typer(
    name="custodes",
    help=(
        "custodes: find, investigate, record and sanction police abuse of position "
        "for a sexual purpose."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
# The demo's audit key pair, in the demo's own folder: never in the web app's data directory.
DEMO_AUDIT_KEY = "audit-signing.key"
# The reporting portal's port, beside the staff app's 8000.
PORTAL_PORT = 8001


def _register_web() -> None:
    from custodes.web.alerts_cli import alerts_app
    from custodes.web.cases_cli import cases_app
    from custodes.web.commands import users_app, web_app
    from custodes.web.keys_cli import keys_app
    from custodes.web.portal_cli import portal_app
    from custodes.web.registry_cli import registry_app
    from custodes.web.reports_cli import reports_app
    from custodes.web.trail_cli import trail_app
    from custodes.web.vetting_cli import vetting_app

    app.add_typer(web_app, name="web")
    app.add_typer(users_app, name="users")
    app.add_typer(keys_app, name="keys")
    app.add_typer(trail_app, name="trail")
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(registry_app, name="registry")
    app.add_typer(cases_app, name="cases")
    app.add_typer(portal_app, name="portal")
    app.add_typer(reports_app, name="reports")
    app.add_typer(vetting_app, name="vetting")
    # `custodes risk import DIR`: beside the library's `risk score`, in the web app's database.
    from custodes.web.risk_cli import import_run_command

    risk_app.command("import")(import_run_command)


def _version(value: bool) -> None:
    if value:
        console.print(f"custodes {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Find, investigate, record and sanction police abuse of position for a sexual purpose."""


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the extract into.")],
    staff: Annotated[int, typer.Option(min=20, help="Members of staff in the force.")] = 2000,
    days: Annotated[int, typer.Option(min=7, help="Days of activity to generate.")] = 90,
    seed: Annotated[int, typer.Option(help="Random seed; same arguments, same bytes.")] = 1,
    fmt: Annotated[str, typer.Option("--format", help="File format: parquet or csv.")] = "parquet",
    prevalence: Annotated[
        float,
        typer.Option(
            min=0.0, max=0.05, help="Share of staff planted with each misconduct pattern."
        ),
    ] = 0.002,
    decoys: Annotated[
        float, typer.Option(min=0.0, max=0.05, help="Share of staff planted with each decoy.")
    ] = 0.002,
    intensity: Annotated[
        float,
        typer.Option(
            min=0.1, max=10.0, help="Multiplier on the look-ups each planted pattern makes."
        ),
    ] = 1.0,
) -> None:
    """Generate a synthetic force extract with planted misconduct (truth.csv beside it)."""
    from custodes.synth import SynthConfig, generate

    if fmt not in ("parquet", "csv"):
        raise typer.BadParameter("must be 'parquet' or 'csv'", param_hint="--format")
    config = SynthConfig(
        staff=staff,
        days=days,
        seed=seed,
        prevalence=prevalence,
        decoys=decoys,
        intensity=intensity,
    )
    with console.status("generating") as status:
        result = generate(config, out, fmt=fmt, on_stage=lambda s: status.update(f"{s} …"))
    _print_synth(result)


def _print_synth(result: SynthResult) -> None:
    table = Table(title=f"Synthetic force extract in {result.out}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in result.counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    planted = Table(title=f"Planted patterns ({result.truth_path}, beside the extract)")
    planted.add_column("pattern")
    planted.add_column("staff", justify="right")
    for name, n in result.truth_counts.items():
        planted.add_row(name, str(n))
    console.print(planted)


@app.command()
def validate(
    extract: Annotated[Path, typer.Argument(help="Folder holding the force extract.")],
) -> None:
    """Check a force extract against the spec; exit 0 only when the audit can use it."""
    from custodes.audit.validate import validate_extract

    report = validate_extract(extract)
    for note in report.notes:
        console.print(f"[yellow]note[/yellow]: {note}")
    if report.ok:
        console.print(f"[green]ok[/green]: {extract} is a usable force extract.")
        return
    for problem in report.problems:
        errors.print(f"[red]error[/red]: {escape(str(problem))}", highlight=False, markup=True)
    errors.print(f"{len(report.problems)} problem(s); {extract} cannot be audited as it is.")
    raise typer.Exit(code=1)


@app.command()
def audit(
    extract: Annotated[Path, typer.Argument(help="Folder holding the force extract.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the audit's outputs to.")],
    engine: Annotated[str, typer.Option(help="duckdb (one machine) or spark.")] = "duckdb",
    spark_master: Annotated[
        str | None, typer.Option(help="Spark master URL, e.g. spark://host:7077.")
    ] = None,
    memory_limit: Annotated[
        str | None, typer.Option(help="DuckDB memory limit, e.g. 4GB; spills to disk past it.")
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="A rule catalogue to use instead of the packaged rules.toml (a copy, edited: "
            "a force's own vulnerability markers, say).",
        ),
    ] = None,
    signing_key: Annotated[
        Path | None,
        typer.Option(
            "--signing-key",
            help="The audit machine's private key (`custodes keys pair`), to sign the run for "
            "the web app; by default CUSTODES_AUDIT_SIGNING_KEY_FILE. Unsigned runs are refused "
            "by `custodes alerts import`.",
        ),
    ] = None,
    declared: Annotated[
        list[Path] | None,
        typer.Option(
            "--declared",
            help="A file of declared associations (`custodes vetting associations` writes one) "
            "whose rows join the extract's own declared_associations, the extract left as it "
            "is; checked as the extract is. May be given more than once.",
        ),
    ] = None,
) -> None:
    """Explain every look-up in an extract and rank the staff whose look-ups have no work reason."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from custodes.audit.catalogue import Catalogue, load_catalogue
    from custodes.audit.run import run_audit
    from custodes.errors import CustodesError

    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter("must be 'duckdb' or 'spark'", param_hint="--engine")
    # The key is read first: a run that cannot be signed is found out before its work.
    key = _audit_signing_key(signing_key)
    catalogue: Catalogue | None = None
    rules_text: str | None = None
    if rules is not None:
        try:
            rules_text = rules.read_text(encoding="utf-8")
            catalogue = load_catalogue(rules_text)
        except (OSError, UnicodeDecodeError, CustodesError) as exc:
            errors.print(f"[red]error[/red]: {escape(str(rules))}: {escape(str(exc))}")
            raise typer.Exit(code=1) from None
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("validating the extract", total=None)

        def step(s: Step, n: int, total: int) -> None:
            progress.update(task, description=f"{s.stage}: {s.name}", completed=n - 1, total=total)

        try:
            result = run_audit(
                extract,
                out,
                engine=engine,
                spark_master=spark_master,
                memory_limit=memory_limit,
                catalogue=catalogue,
                rules_text=rules_text,
                signing_key=key,
                on_step=step,
                declared=declared or (),
            )
        except CustodesError as exc:
            progress.stop()
            errors.print(f"[red]error[/red]: {escape(str(exc))}", markup=True, highlight=False)
            raise typer.Exit(code=1) from None
        progress.update(task, description="done", completed=1, total=1)
    _print_audit(result)


def _audit_signing_key(path: Path | None) -> SigningKey | None:
    """Return the key `--signing-key` names, else the one the environment gives; None if neither."""
    from custodes.errors import CustodesError
    from custodes.signing import load_signing_key, read_signing_key
    from custodes.web.env import Env

    try:
        if path is not None:
            return load_signing_key(path)
        # The private key as PEM text, or (as it should be) a file: CUSTODES_..._KEY_FILE.
        text = Env().secret("CUSTODES_AUDIT_SIGNING_KEY")
        return read_signing_key(text, "CUSTODES_AUDIT_SIGNING_KEY") if text else None
    except CustodesError as exc:
        errors.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(code=1) from None


def _print_signature(result: AuditResult) -> None:
    from custodes.audit.manifest import MANIFEST, SIGNATURE

    if result.signed_by is not None:
        console.print(
            f"Signed with audit key {result.signed_by}: {result.out / MANIFEST} lists every "
            f"file's SHA-256, the extract's and the rules'; {SIGNATURE} signs it."
        )
        return
    errors.print(
        f"[yellow]warning[/yellow]: the run is not signed (no --signing-key, no "
        f"CUSTODES_AUDIT_SIGNING_KEY_FILE): `custodes alerts import` will refuse it. "
        f"{escape(str(result.out / MANIFEST))} still lists every file's SHA-256.",
        highlight=False,
    )


def _print_audit(result: AuditResult) -> None:
    for note in result.notes:
        console.print(f"[yellow]note[/yellow]: {note}")
    console.print(
        f"{result.look_ups:,} look-ups by {result.staff:,} staff; "
        f"{100 * result.explained_share:.1f}% explained; {result.alerts:,} staff in alerts.csv."
    )
    table = Table(title=f"Top of the list (all in {result.out / 'alerts.csv'})")
    for column in ("rank", "user", "score", "summary"):
        table.add_column(column, overflow="fold")
    for row in result.top:
        table.add_row(
            str(row["rank"]), str(row["user_id"]), f"{row['score']:.1f}", str(row["summary"])
        )
    console.print(table)
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in result.stage_seconds.items())
    console.print(f"stages: {timings}")
    _print_signature(result)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (8000; 8001 with --portal).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 2,
    portal: Annotated[
        bool,
        typer.Option(
            "--portal",
            help="Serve the reporting portal (its own settings and URLs) instead of the staff "
            "app; it never migrates: run `custodes web migrate` first.",
        ),
    ] = False,
) -> None:
    """Serve the web application with gunicorn (migrating the database first), or the portal."""
    if portal:
        from custodes.web.commands import serve_portal

        serve_portal(host, PORTAL_PORT if port is None else port, workers)
        return
    from custodes.web.commands import serve as run_server

    run_server(host, 8000 if port is None else port, workers)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the demo's files.")] = Path(
        "var/demo"
    ),
    serve_app: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the web app at the end.")
    ] = True,
    port: Annotated[int, typer.Option(help="Port for the web app.")] = 8000,
    portal_port: Annotated[
        int, typer.Option(help="Port for the reporting portal, served beside the web app.")
    ] = PORTAL_PORT,
) -> None:
    """Generate a synthetic force, audit it, make demo accounts and serve the alert queue."""
    from custodes.audit.run import run_audit
    from custodes.audit.validate import validate_extract
    from custodes.errors import CustodesError
    from custodes.synth import SynthConfig, generate
    from custodes.web.commands import demo_accounts
    from custodes.web.commands import serve as run_server

    key = _demo_signing_key(out / "keys")
    extract = out / "extract"
    console.rule("custodes demo: a synthetic force")
    with console.status("generating") as status:
        result = generate(
            SynthConfig(staff=2000, days=90, seed=1),
            extract,
            fmt="parquet",
            on_stage=lambda s: status.update(f"{s} …"),
        )
    _print_synth(result)
    report = validate_extract(extract)
    if not report.ok:
        for problem in report.problems:
            errors.print(f"error: {problem}")
        raise typer.Exit(code=1)
    console.print(f"[green]ok[/green]: the extract in {extract} meets the force-extract spec.")
    console.rule("custodes demo: the access audit")
    audit_dir = out / "audit"
    with console.status("auditing") as status:
        audited = run_audit(
            extract,
            audit_dir,
            signing_key=key,
            on_step=lambda s, n, m: status.update(f"{s.stage}: {s.name} ({n}/{m})"),
        )
    _print_audit(audited)
    console.print(f"Report for the analyst: {audit_dir / 'report.html'}")
    console.rule("custodes demo: the web application")
    # Before Django starts: settings read the trusted keys once.
    _trust_demo_key(key, out / "keys")
    # The public statistics page shows the demo's own publication (made at the end).
    os.environ.setdefault("CUSTODES_PUBLIC_STATS_DIR", str((out / "statistics").resolve()))
    demo_accounts()
    from custodes.web.demo import import_demo_run

    try:
        imported = import_demo_run(audit_dir, extract)
    except CustodesError as exc:
        errors.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(code=1) from None
    if imported is not None:
        run = imported.run
        how = "loaded" if imported.created else "already loaded"
        console.print(f"Alert queue: run {run.pk}, {run.alert_count:,} alerts, {how}.")
    from custodes.web.demo import load_demo_registry

    registry = load_demo_registry(out / "registry", _VIRGINIA if _VIRGINIA.is_file() else None)
    if not _VIRGINIA.is_file():
        console.print(
            f"[yellow]note[/yellow]: {_VIRGINIA} is not here; the demo lists are synthetic."
        )
    console.print(
        f"Registry: {registry.entries:,} entries from {', '.join(registry.lists)}; a roster of "
        f"{registry.roster_people} staff held and screened; {registry.to_review} matches for "
        "the vetting officer to review."
    )
    from custodes.web.demo import load_demo_caseload

    with console.status("loading the caseload through the case actions"):
        caseload = load_demo_caseload(out / "caseload")
    how = f"{caseload.made} loaded" if caseload.made else f"{caseload.already} already loaded"
    console.print(
        f"Caseload: {caseload.counts['matters']} matters ({how}), "
        f"{caseload.counts['mandatory']} meeting a mandatory referral criterion; "
        f"truth in {caseload.truth[0]}."
    )
    for line in caseload.check:
        console.print(f"  {line}", highlight=False)
    if not caseload.ok:
        errors.print("[red]error[/red]: custodes' reports do not match the caseload's truth")
        raise typer.Exit(code=1)
    from custodes.web.demo import load_demo_reports

    reports = load_demo_reports()
    console.print(
        f"Reporting portal: {reports.submitted} reports submitted, {reports.taken_in} taken into "
        f"the intake queue, three of them from different people about {reports.officer}; sign "
        "in as [bold]intake[/bold] to handle them (Reports)."
    )
    from custodes.web.demo import demo_risk_summary, load_demo_risk

    with console.status("scoring the demo force's histories (early intervention)"):
        risk = load_demo_risk(out / "risk")
    for line in demo_risk_summary(risk.run, created=risk.created):
        console.print(line, highlight=False)
    from custodes.web.demo import demo_statistics_summary, publish_demo_statistics

    with console.status("publishing the caseload's statistics"):
        statistics = publish_demo_statistics(out / "statistics")
    for line in demo_statistics_summary(statistics):
        console.print(line, highlight=False)
    from custodes.web.demo import demo_vetting_summary, load_demo_vetting

    with console.status("loading the vetting records and sweeping for re-vetting triggers"):
        vetting = load_demo_vetting(out / "vetting")
    for line in demo_vetting_summary(vetting):
        console.print(line, highlight=False)
    if not vetting.check.ok:
        errors.print("[red]error[/red]: the re-vetting tasks raised do not match the truth")
        raise typer.Exit(code=1)
    if serve_app:
        console.print(
            "Sign in as [bold]analyst[/bold] (the alert queue), [bold]investigator[/bold] "
            "(cases) or [bold]vetting[/bold] (re-vetting tasks) with the password above and the "
            "code from `custodes users code USERNAME`."
        )
        portal = _start_portal("127.0.0.1", portal_port)
        console.print(
            f"Staff app: http://127.0.0.1:{port}/   "
            f"Reporting portal: http://127.0.0.1:{portal_port}/   (Ctrl-C stops both)",
            highlight=False,
        )
        try:
            run_server("127.0.0.1", port, workers=2)
        finally:
            _stop(portal)


def _start_portal(host: str, port: int) -> subprocess.Popen[bytes]:
    """Start `custodes serve --portal` as its own process (its own settings) and wait for it."""
    import socket
    import sys
    import time

    # Our own interpreter and fixed arguments: nothing from outside reaches this command line.
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-c",
            "from custodes.cli import app; app()",
            "serve",
            "--portal",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            "1",
        ]
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors.print(f"[red]error[/red]: the reporting portal did not start (port {port}?)")
            raise typer.Exit(code=1)
        try:
            with socket.create_connection((host, port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    _stop(process)
    errors.print(f"[red]error[/red]: the reporting portal did not listen on {port} within 60s")
    raise typer.Exit(code=1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started by the demo, whether or not Ctrl-C already reached it."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _demo_signing_key(folder: Path) -> SigningKey:
    """Return the demo's audit key pair in `folder`, made on the first run."""
    from custodes.errors import CustodesError
    from custodes.signing import load_signing_key, write_key_pair

    private = folder / DEMO_AUDIT_KEY
    try:
        if private.exists():
            return load_signing_key(private)
        key = write_key_pair(private)
    except CustodesError as exc:
        errors.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(code=1) from None
    console.print(
        f"Demo audit key pair: {private} (private, owner-only: it signs the audit's runs) and "
        f"{private}.pub (public: the web app trusts it). Key id {key.key_id}."
    )
    return key


def _trust_demo_key(key: SigningKey, folder: Path) -> None:
    """Have the demo's web app trust the demo audit key, unless the operator chose keys."""
    if os.environ.get("CUSTODES_AUDIT_TRUSTED_KEYS") or os.environ.get(
        "CUSTODES_AUDIT_TRUSTED_KEYS_FILE"
    ):
        console.print(
            "CUSTODES_AUDIT_TRUSTED_KEYS is set: the demo's run imports only if it lists the "
            f"demo key {key.key_id} ({folder / DEMO_AUDIT_KEY}.pub)."
        )
        return
    os.environ["CUSTODES_AUDIT_TRUSTED_KEYS"] = key.public.line
    console.print(
        f"The demo's web app trusts audit key {key.key_id} (CUSTODES_AUDIT_TRUSTED_KEYS)."
    )


# -- officer histories (custodes.history) --------------------------------------------------------
history_app = typer.Typer(
    help="Officer histories: import a source into the one format, and check a folder.",
    no_args_is_help=True,
)
app.add_typer(history_app, name="history")


@history_app.command("import")
def history_import(
    source: Annotated[str, typer.Argument(help="ccrb, csv or custodes.")],
    files: Annotated[list[Path], typer.Argument(help="The source's files (or export folder).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the history to.")],
    mapping: Annotated[
        Path | None, typer.Option(help="Column mapping (csv), or rules replacing ccrb.toml.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    strict: Annotated[bool, typer.Option(help="Write nothing if any row is refused.")] = False,
) -> None:
    """Import a source's records into an officer-history folder, naming every refused row."""
    from custodes.caserules import HistoryError
    from custodes.history import import_history

    try:
        result = import_history(source, files, out, mapping=mapping, fmt=fmt, strict=strict)
    except HistoryError as exc:
        errors.print(f"[red]error[/red]: {escape(str(exc))}")
        raise typer.Exit(code=1) from None
    counts = ", ".join(f"{n:,} {table}" for table, n in result.counts.items())
    console.print(f"Imported {counts} into {out} in {result.seconds:.1f}s.")
    for name, value in result.figures.items():
        console.print(f"  {name.replace('_', ' ')}: {value:,}")
    for note in result.notes:
        console.print(f"[yellow]note[/yellow]: {escape(note)}")
    for unmapped in result.unmapped:
        console.print(f"[yellow]unmapped[/yellow]: {escape(str(unmapped))}")
    if result.refused:
        console.print(f"{len(result.refused):,} row(s) refused (all in {out / 'refused.csv'}):")
        for refusal in result.refused[:10]:
            console.print(f"  {escape(str(refusal))}", highlight=False)
        if len(result.refused) > 10:
            console.print(f"  … and {len(result.refused) - 10:,} more")


@history_app.command("validate")
def history_validate(
    folder: Annotated[Path, typer.Argument(help="Officer-history folder.")],
) -> None:
    """Check an officer-history folder against the format; exit 1 naming every problem."""
    from custodes.history import validate_history

    problems = validate_history(folder)
    if not problems:
        console.print(f"[green]ok[/green]: {folder} meets the officer-history format.")
        return
    for problem in problems:
        errors.print(f"[red]error[/red]: {escape(str(problem))}", highlight=False)
    errors.print(f"{len(problems):,} problem(s) in {folder}.")
    raise typer.Exit(code=1)


# -- early intervention (custodes.risk) ----------------------------------------------------------
risk_app = typer.Typer(
    help="Early intervention: rank serving officers by the risk of harm to come, with reasons.",
    no_args_is_help=True,
)
app.add_typer(risk_app, name="risk")


def _as_of(value: str, option: str = "--as-of") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


@risk_app.command("score")
def risk_score(
    history: Annotated[Path, typer.Argument(help="Officer-history folder.")],
    as_of: Annotated[str, typer.Option("--as-of", help="The date to score at (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the list and report to.")],
    model: Annotated[
        Path | None, typer.Option("--model", help="A saved model to use instead of training.")
    ] = None,
    save_model: Annotated[
        Path | None,
        typer.Option("--save-model", help="Save the model trained here (text + .json)."),
    ] = None,
    label: Annotated[
        str | None, typer.Option("--label", help="substantiated (default) or sexual.")
    ] = None,
) -> None:
    """Rank every officer serving at a date by the chance of what is to come, with reasons."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from custodes.errors import CustodesError
    from custodes.risk import score_history

    day = _as_of(as_of)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("starting", total=None)
        try:
            result = score_history(
                history,
                day,
                out,
                model_path=model,
                save_model=save_model,
                label=label,
                on_step=lambda s: progress.update(task, description=s),
            )
        except CustodesError as exc:
            progress.stop()
            errors.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
            raise typer.Exit(code=1) from None
    ev = result.run["evaluation"]
    console.print(
        f"{result.officers_scored:,} officers serving at {day} ranked by the chance of "
        f"{result.run['label']} within {result.run['horizon_days']} days; "
        f"trained on {', '.join(result.run['trained_on'])}."
    )
    if ev:
        console.print(
            f"On the held-out snapshot {ev['snapshot']}: "
            + "; ".join(
                f"top {k.split('_')[1].replace('pct', '%')} precision {ev[k]['precision']:.3f} "
                f"recall {ev[k]['recall']:.3f}"
                for k in ("top_1pct", "top_2pct", "top_5pct")
            )
        )
    table = Table(title=f"Top of the list (all in {result.out / 'risk.csv'})")
    for column in ("rank", "officer", "score", "reasons"):
        table.add_column(column, overflow="fold")
    for row in result.top:
        table.add_row(
            str(row["rank"]),
            escape(str(row["officer_ref"])),
            f"{row['score']:.3f}",
            escape(str(row["reasons"])),
        )
    console.print(table)
    console.print(f"report: {result.out / 'report.html'}")


@risk_app.command("evaluate")
def risk_evaluate(
    history: Annotated[Path, typer.Argument(help="Officer-history folder.")],
    as_of: Annotated[
        list[str], typer.Option("--as-of", help="A date to evaluate at (repeat for several).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for evaluation.json and .md.")],
    label: Annotated[
        list[str] | None, typer.Option("--label", help="substantiated and/or sexual (both).")
    ] = None,
) -> None:
    """Train on what was known at each date, score, and count what came in the next two years."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from custodes.errors import CustodesError
    from custodes.risk import LABELS, open_history
    from custodes.risk.evaluate import evaluate_history, evaluation_tables, write_evaluation

    days = [_as_of(value) for value in as_of]
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("checking the history", total=None)
        try:
            con = open_history(history)
            evaluation = evaluate_history(
                con,
                days,
                labels=label or LABELS,
                on_step=lambda s: progress.update(task, description=s),
            )
            write_evaluation(evaluation, out)
        except CustodesError as exc:
            progress.stop()
            errors.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
            raise typer.Exit(code=1) from None
    console.print(evaluation_tables(evaluation), markup=False, highlight=False)
    console.print(f"written: {out / 'evaluation.json'}, {out / 'evaluation.md'}")


# -- transparency statistics (custodes.stats) ----------------------------------------------------
stats_app = typer.Typer(
    help="Transparency statistics: from allegation to outcome, under disclosure control.",
    no_args_is_help=True,
)
app.add_typer(stats_app, name="stats")


def _noise_key(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise typer.BadParameter(
            f"{path} cannot be read: {exc}", param_hint="--noise-key"
        ) from None
    if len(key) < 16:
        raise typer.BadParameter(
            f"{path} holds {len(key)} bytes; a cell-key secret needs at least 16",
            param_hint="--noise-key",
        )
    return key


@stats_app.command("publish")
def stats_publish(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the publication to.")],
    history: Annotated[
        Path | None, typer.Argument(help="Officer-history folder (not with --cases).")
    ] = None,
    cases: Annotated[
        bool, typer.Option("--cases", help="Publish the web app's own cases instead.")
    ] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Publish the history as it stood on this date.")
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option("--previous", help="The last publication: nothing here may undo its control."),
    ] = None,
    ccrb_penalties: Annotated[
        Path | None,
        typer.Option("--ccrb-penalties", help="The CCRB's penalties file: recommended vs final."),
    ] = None,
    threshold: Annotated[int, typer.Option(min=2, help="Withhold counts under this.")] = 10,
    rounding: Annotated[int, typer.Option(min=1, help="Round the rest to a multiple of this.")] = 5,
    noise_key: Annotated[
        Path | None,
        typer.Option("--noise-key", help="A file holding a secret: add cell-key noise (±2)."),
    ] = None,
    year_starts: Annotated[
        int,
        typer.Option(min=1, max=12, help="Month the year starts (4: April, as the Home Office)."),
    ] = 1,
) -> None:
    """Write the statistics' tables (CSV, JSON, data package), charts and report, all or nothing."""
    from custodes.errors import CustodesError
    from custodes.stats import publish_history, rule_from_options

    if cases == (history is not None):
        raise typer.BadParameter("give an officer-history folder, or --cases, not both")
    rule = rule_from_options(threshold, rounding, _noise_key(noise_key))
    try:
        if cases:
            if as_of is not None or ccrb_penalties is not None or year_starts != 1:
                raise typer.BadParameter(
                    "--as-of, --ccrb-penalties and --year-starts are for a history folder"
                )
            from custodes.web.setup import django_setup

            django_setup()
            from custodes.web.stats.actions import publish_cases

            result = publish_cases(out, rule=rule, previous=previous)
        elif history is not None:
            result = publish_history(
                history,
                out,
                as_of=_as_of(as_of) if as_of else None,
                rule=rule,
                previous=previous,
                ccrb_penalties=ccrb_penalties,
                year_start_month=year_starts,
            )
    except CustodesError as exc:
        errors.print(f"[red]error[/red]: {escape(str(exc))}", highlight=False)
        errors.print("Nothing was published.")
        raise typer.Exit(code=1) from None
    console.print(
        f"{len(result.tables)} tables, {result.cells:,} cells, of "
        + ", ".join(f"{n:,} {unit}" for unit, n in result.units.items())
        + f"; withheld {result.suppressed['primary']:,} small counts and "
        f"{result.suppressed['secondary']:,} more to protect them; the attacker recovered "
        f"none of the {result.checked:,} withheld ({result.seconds:.1f} s)."
    )
    for line in result.left_out:
        console.print(f"not published: {escape(line)}", highlight=False)
    console.print(f"written: {result.out} (report.html, datapackage.json, data/, charts/)")


_register_web()
