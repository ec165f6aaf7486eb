"""`custodes serve`, `custodes web …` and `custodes users …`: the web app from the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from custodes.web.setup import django_setup

if TYPE_CHECKING:
    from django.core.exceptions import ValidationError

__all__ = ["PORTAL_ACCESS_LOG_FORMAT", "serve", "serve_portal", "users_app", "web_app"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
web_app = typer.Typer(help="Set up and run the web application.", no_args_is_help=True)
users_app = typer.Typer(help="Manage staff accounts.", no_args_is_help=True)


@web_app.command("migrate")
def migrate() -> None:
    """Create or update the database tables (on PostgreSQL, as the tables' owner)."""
    django_setup()
    from django.core.management import call_command

    from custodes.web.dbsecurity.preflight import migration_problems

    problems = migration_problems()
    if problems:
        for problem in problems:
            errors.print(f"[red]error[/red]: {escape(problem)}", highlight=False)
        errors.print("Nothing was migrated.")
        raise typer.Exit(code=1)
    call_command("migrate", interactive=False, verbosity=1)


@web_app.command("check")
def check(
    deploy: Annotated[bool, typer.Option(help="Run the deployment checks too.")] = False,
    portal: Annotated[
        bool, typer.Option(help="Check the reporting portal's settings, not the staff app's.")
    ] = False,
) -> None:
    """Run Django's system checks (with --deploy, the production ones; --portal, the portal's)."""
    if portal:
        import os

        os.environ["DJANGO_SETTINGS_MODULE"] = "custodes.web.portal_settings"
    django_setup()
    from django.core.management import call_command

    call_command("check", deploy=deploy, fail_level="WARNING")


@web_app.command("demo-accounts")
def demo_accounts() -> None:
    """Create demo accounts and a case (development only) and show how to sign in."""
    django_setup()
    from django.conf import settings
    from django.core.management import call_command

    from custodes.web.demo import DEMO_PASSWORD, make_demo

    if settings.PRODUCTION:
        raise typer.BadParameter("demo accounts are never made in production mode")
    call_command("migrate", interactive=False, verbosity=0)
    accounts = make_demo()
    table = Table(title=f"Demo accounts (password for all: {DEMO_PASSWORD})")
    for column in ("username", "role", "unit", "force user id"):
        table.add_column(column, overflow="fold")
    for account in accounts:
        table.add_row(
            account.user.username,
            account.user.get_role_display(),
            account.user.unit,
            account.user.force_user_id or "",
        )
    console.print(table)
    # The secrets apart from the table, one per line, never folded: a secret split over lines
    # is copied wrong. Each line is shorter than 80 columns.
    console.print("TOTP secrets (base32), to add to an authenticator app:")
    width = max(len(account.user.username) for account in accounts)
    for account in accounts:
        console.print(
            f"  {account.user.username:<{width}}  {_base32(account.device.bin_key)}",
            highlight=False,
            overflow="ignore",
            crop=False,
        )
    console.print("Current code for a demo account: [bold]custodes users code USERNAME[/bold]")


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode().rstrip("=")


@users_app.command("add")
def add_user(
    username: str,
    role: Annotated[str, typer.Option(help="psd-investigator, cc-analyst, cc-lead, …")],
    unit: Annotated[str, typer.Option(help="The user's unit in the force.")],
    force: Annotated[str, typer.Option(help="The force or agency code.")],
    manager: Annotated[str | None, typer.Option(help="Username of the line manager.")] = None,
    force_user_id: Annotated[
        str | None, typer.Option(help="The user's id in the force's own systems.")
    ] = None,
) -> None:
    """Create a staff account; asks for the password and shows the authenticator's secret."""
    django_setup()
    import segno
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from custodes.web.accounts.access import FORCE_ID_ROLES
    from custodes.web.accounts.actions import create_user
    from custodes.web.accounts.models import Role, User

    if role not in Role.values:
        raise typer.BadParameter(f"must be one of {', '.join(Role.values)}", param_hint="--role")
    line_manager = User.objects.filter(username=manager).first() if manager else None
    if manager and line_manager is None:
        raise typer.BadParameter(f"no user called {manager!r}", param_hint="--manager")
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        validate_password(password)
        user, device = create_user(
            None,
            username,
            password,
            role=role,
            force=force,
            unit=unit,
            line_manager=line_manager,
            force_user_id=force_user_id,
        )
    except ValidationError as exc:
        raise typer.BadParameter(_messages(exc)) from None
    console.print(f"Created {user.username}. Scan this with an authenticator app:")
    segno.make(device.config_url, error="m").terminal(compact=True)
    console.print("or type this secret into it (base32, time-based, 6 digits, 30 seconds):")
    console.print(f"  {_base32(device.bin_key)}", highlight=False, overflow="ignore", crop=False)
    if user.role in FORCE_ID_ROLES and not user.force_user_id:
        console.print(
            f"{user.username} has no force user id, so their audit-alert queue stays empty: "
            f"record it with `custodes users set {user.username} --force-user-id ID`."
        )


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


@users_app.command("set")
def set_user(
    username: str,
    force_user_id: Annotated[
        str,
        typer.Option(help="The user's id in the force's own systems; an empty value clears it."),
    ],
) -> None:
    """Record (or clear) an account's force user id; the change is on the trail."""
    django_setup()
    from django.core.exceptions import ValidationError

    from custodes.web.accounts.actions import set_force_user_id
    from custodes.web.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        raise typer.BadParameter(f"no user called {username!r}", param_hint="USERNAME")
    old = user.force_user_id
    try:
        set_force_user_id(None, user, force_user_id)
    except ValidationError as exc:
        raise typer.BadParameter(_messages(exc), param_hint="--force-user-id") from None
    if user.force_user_id == old:
        console.print(f"{user.username}'s force user id is already {old or 'unset'}.")
    else:
        console.print(
            f"{user.username}'s force user id: {old or 'none'} → {user.force_user_id or 'none'}."
        )


@users_app.command("unlock")
def unlock(
    username: Annotated[str | None, typer.Argument(help="The account name to unlock.")] = None,
    address: Annotated[
        str | None, typer.Option(help="Unlock a network address instead of an account name.")
    ] = None,
) -> None:
    """Lift a sign-in lock-out on an account name (or an address); the unlock is on the trail."""
    django_setup()
    from custodes.web.accounts.actions import unlock_address, unlock_name
    from custodes.web.accounts.throttle import address_key

    if (username is None) == (address is None):
        raise typer.BadParameter("give an account name or --address, not both")
    if address is not None:
        key = address_key(address.removesuffix("/64"))
        if key is None:
            raise typer.BadParameter(
                f"{address!r} is not a network address", param_hint="--address"
            )
        lock, what = unlock_address(None, key), f"address {key}"
    else:
        lock, what = unlock_name(None, str(username)), str(username)
    if lock is None:
        console.print(f"{escape(what)} is not locked out.", highlight=False)
        return
    until = lock.until.strftime("%Y-%m-%d %H:%M")
    console.print(
        f"Unlocked {escape(what)} (it was locked until {until} UTC); the unlock is on the trail.",
        highlight=False,
    )


@users_app.command("code")
def current_code(username: str) -> None:
    """Print a demo account's current TOTP code (development mode only)."""
    django_setup()
    from django.conf import settings
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if settings.PRODUCTION:
        raise typer.BadParameter("codes are never shown in production mode")
    device = TOTPDevice.objects.filter(user__username=username).first()
    if device is None:
        raise typer.BadParameter(f"no authenticator for {username!r}")
    console.print(f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}")


def serve(host: str, port: int, workers: int) -> None:
    """Run the web app under gunicorn, after migrating and collecting static files."""
    django_setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from gunicorn.app.base import BaseApplication

    from custodes.web.dbsecurity.preflight import migration_problems

    # In production the app connects as its own role, which may not migrate: with nothing to
    # migrate that is fine; with something, say so rather than fail half-way.
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        problems = migration_problems()
        if problems:
            for problem in problems:
                errors.print(f"[red]error[/red]: {escape(problem)}", highlight=False)
            errors.print("Run `custodes web migrate` as the tables' owner first (docs/deploy.md).")
            raise typer.Exit(code=1)
        call_command("migrate", interactive=False, verbosity=0)
    if settings.PRODUCTION:
        call_command("collectstatic", interactive=False, verbosity=0)
    from custodes.web.wsgi import application

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            # Access logs carry no query strings or user agents: they may identify people.
            self.cfg.set("access_log_format", '%(t)s "%(m)s %(U)s" %(s)s %(L)ss')

        def load(self) -> Any:
            return application

    console.print(f"custodes is serving on http://{host}:{port}/ (Ctrl-C stops it)")
    Server().run()


# The portal's access log: method, path without its query string, status and size. No client
# address (%(h)s), no time (%(t)s), no user agent (%(a)s), referrer (%(f)s) or other header.
PORTAL_ACCESS_LOG_FORMAT = '"%(m)s %(U)s" %(s)s %(B)s'


def serve_portal(host: str, port: int, workers: int) -> None:
    """Run the reporting portal under gunicorn with its own settings; never migrate."""
    import os

    # Whatever the environment says: this command is the portal, never the staff app.
    os.environ["DJANGO_SETTINGS_MODULE"] = "custodes.web.portal_settings"
    django_setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor
    from gunicorn.app.base import BaseApplication

    from custodes.web.portal.logfilter import PortalGunicornLogger

    # The staff side's `custodes web migrate` owns the tables: the portal, meant to run off the
    # force network with a role that may not change them, only checks they are there.
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        errors.print(f"[red]error[/red]: the portal cannot read its database: {escape(str(exc))}")
        raise typer.Exit(code=1) from None
    if pending:
        names = ", ".join(sorted({f"{m.app_label}.{m.name}" for m, _ in pending}))
        errors.print(
            "[red]error[/red]: the portal's tables are missing or out of date "
            f"({escape(names)}). Run `custodes web migrate` (the staff side owns migrations) "
            "against the same database first; the portal does not migrate.",
            highlight=False,
        )
        raise typer.Exit(code=1)
    if settings.PRODUCTION:
        call_command("collectstatic", interactive=False, verbosity=0)
    from custodes.web.portal_wsgi import application

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("proc_name", "custodes-portal")
            self.cfg.set("logger_class", PortalGunicornLogger)
            self.cfg.set("errorlog", "-")
            access_log = settings.PORTAL_ACCESS_LOG  # type: ignore[misc]  # a portal setting
            self.cfg.set("accesslog", "-" if access_log else None)
            self.cfg.set("access_log_format", PORTAL_ACCESS_LOG_FORMAT)
            # A proxy's headers name the client: gunicorn trusts none of them.
            self.cfg.set("forwarded_allow_ips", "")
            # No control socket: it would share $HOME/.gunicorn/gunicorn.ctl with the staff app's.
            self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            return application

    console.print(
        f"The reporting portal is serving on http://{host}:{port}/ (Ctrl-C stops it)",
        highlight=False,
    )
    Server().run()
