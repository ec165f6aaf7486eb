"""`custodes serve`, `custodes web …` and `custodes users …`: the web app from the command line."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from custodes.web.setup import django_setup

__all__ = ["serve", "users_app", "web_app"]

console = Console(soft_wrap=True)
web_app = typer.Typer(help="Set up and run the web application.", no_args_is_help=True)
users_app = typer.Typer(help="Manage staff accounts.", no_args_is_help=True)


@web_app.command("migrate")
def migrate() -> None:
    """Create or update the database tables."""
    django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


@web_app.command("check")
def check(
    deploy: Annotated[bool, typer.Option(help="Run the deployment checks too.")] = False,
) -> None:
    """Run Django's system checks (with --deploy, the production ones)."""
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
    for column in (
        "username",
        "role",
        "unit",
        "force user id",
        "TOTP secret (base32, add to an authenticator)",
    ):
        table.add_column(column, overflow="fold")
    for account in accounts:
        table.add_row(
            account.user.username,
            account.user.get_role_display(),
            account.user.unit,
            account.user.force_user_id or "",
            _base32(account.device.bin_key),
        )
    console.print(table)
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
    """Create a staff account; asks for the password and shows the authenticator QR code."""
    django_setup()
    import segno

    from custodes.web.accounts.actions import create_user
    from custodes.web.accounts.models import Role, User

    if role not in Role.values:
        raise typer.BadParameter(f"must be one of {', '.join(Role.values)}", param_hint="--role")
    line_manager = User.objects.filter(username=manager).first() if manager else None
    if manager and line_manager is None:
        raise typer.BadParameter(f"no user called {manager!r}", param_hint="--manager")
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
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
    console.print(f"Created {user.username}. Scan this with an authenticator app:")
    segno.make(device.config_url, error="m").terminal(compact=True)


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
    from gunicorn.app.base import BaseApplication

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
