"""`custodes portal …`: the staff side's administration of the reporting portal.

Support organisations and their accounts (`org add`, `account add`, `account disable`), and
retention (`due`, `expire`). Run on the staff side, with the staff settings: the portal's own
process holds no trail key and administers nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import quote, urlencode

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from custodes.errors import CustodesError
from custodes.web.setup import django_setup

if TYPE_CHECKING:
    from django.core.exceptions import ValidationError

    from custodes.web.portal.models import OrganisationAccount
    from custodes.web.portal.retention import RetentionRules

__all__ = ["portal_app"]

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
portal_app = typer.Typer(
    help="The reporting portal: support organisations, their accounts, and retention.",
    no_args_is_help=True,
)
org_app = typer.Typer(help="Support organisations that report for victims.", no_args_is_help=True)
account_app = typer.Typer(
    help="Support organisations' sign-in accounts (password and authenticator).",
    no_args_is_help=True,
)
portal_app.add_typer(org_app, name="org")
portal_app.add_typer(account_app, name="account")

ISSUER = "custodes reporting portal"


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(
            f"{field}: {' '.join(m for e in errs for m in e.messages)}"
            for field, errs in error.error_dict.items()
        )
    return " ".join(error.messages)


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]error[/red]: {escape(message)}", highlight=False)
    return typer.Exit(code=1)


@org_app.command("add")
def org_add(
    name: Annotated[str, typer.Argument(help="The organisation's name, as staff know it.")],
    kind: Annotated[str, typer.Option(help="domestic-abuse, sexual-violence or other.")],
) -> None:
    """Add a support organisation that may report for victims, with their consent."""
    django_setup()
    from django.core.exceptions import ValidationError

    from custodes.web.portal.handling import add_organisation

    try:
        organisation = add_organisation(name=name, kind=kind, actor_id=None)
    except ValidationError as exc:
        raise _fail(_messages(exc)) from None
    console.print(
        f"Added {escape(organisation.name)} ({organisation.get_kind_display()}). Add its "
        f"workers' sign-ins with `custodes portal account add {escape(repr(organisation.name))} "
        "USERNAME`."
    )


@org_app.command("list")
def org_list() -> None:
    """List the support organisations, their accounts and whether each may sign in."""
    django_setup()
    from custodes.web.portal.models import Organisation

    table = Table(title="Support organisations")
    for heading in ("organisation", "kind", "active", "accounts (active)"):
        table.add_column(heading)
    for organisation in Organisation.objects.prefetch_related("accounts"):
        accounts = ", ".join(
            f"{a.username}{'' if a.active else ' (disabled)'}" for a in organisation.accounts.all()
        )
        table.add_row(
            organisation.name,
            organisation.get_kind_display(),
            "yes" if organisation.active else "no",
            accounts,
        )
    console.print(table)


def _otpauth_url(account: OrganisationAccount, secret: str) -> str:
    """The key-URI an authenticator app reads from the QR code (time-based, 6 digits, 30 s)."""
    label = quote(f"{ISSUER}:{account.username}")
    query = urlencode({"secret": secret.rstrip("="), "issuer": ISSUER, "digits": 6, "period": 30})
    return f"otpauth://totp/{label}?{query}"


@account_app.command("add")
def account_add(
    organisation: Annotated[str, typer.Argument(help="The organisation's name.")],
    username: Annotated[str, typer.Argument(help="The worker's sign-in name.")],
    display_name: Annotated[
        str | None, typer.Option(help="How the account is shown; the username by default.")
    ] = None,
) -> None:
    """Add a worker's sign-in: asks for the password and shows the authenticator's secret."""
    django_setup()
    import segno
    from django.core.exceptions import ValidationError

    from custodes.web.portal.handling import add_organisation_account
    from custodes.web.portal.models import Organisation

    found = Organisation.objects.filter(name__iexact=organisation.strip()).first()
    if found is None:
        raise _fail(f"no organisation called {organisation!r} (see `custodes portal org list`)")
    if not found.active:
        raise _fail(f"{found.name} can no longer report: it is not active")
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        new = add_organisation_account(
            found,
            username=username,
            display_name=display_name or username,
            password=password,
            actor_id=None,
        )
    except ValidationError as exc:
        raise _fail(_messages(exc)) from None
    console.print(
        f"Created {escape(new.account.username)} for {escape(found.name)}. "
        "Scan this with an authenticator app:"
    )
    segno.make(_otpauth_url(new.account, new.totp_secret), error="m").terminal(compact=True)
    console.print("or type this secret into it (base32, time-based, 6 digits, 30 seconds):")
    console.print(
        f"  {new.totp_secret.rstrip('=')}", highlight=False, overflow="ignore", crop=False
    )


@account_app.command("disable")
def account_disable(
    username: Annotated[str, typer.Argument(help="The worker's sign-in name.")],
    reason: Annotated[str, typer.Option(help="Why it may no longer sign in (kept on the trail).")],
) -> None:
    """Stop an account signing in (its organisation's reports stay with the organisation)."""
    django_setup()
    from django.core.exceptions import ValidationError

    from custodes.web.portal.handling import disable_organisation_account
    from custodes.web.portal.models import OrganisationAccount

    account = (
        OrganisationAccount.objects.filter(username=username.strip().lower())
        .select_related("organisation")
        .first()
    )
    if account is None:
        raise _fail(f"no organisation account called {username!r}")
    if not account.active:
        console.print(f"{escape(account.username)} was already disabled.")
        return
    try:
        disable_organisation_account(account, actor_id=None, reason=reason)
    except ValidationError as exc:
        raise _fail(_messages(exc)) from None
    console.print(
        f"Disabled {escape(account.username)} ({escape(account.organisation.name)}): it can no "
        "longer sign in. Any session it has ends at its next request."
    )


def _rules(rules_file: Path | None) -> RetentionRules:
    from custodes.web.portal.retention import configured_rules, load_retention

    try:
        return load_retention(rules_file) if rules_file else configured_rules()
    except CustodesError as exc:
        raise _fail(str(exc)) from None


_ON = typer.Option(
    "--on", help="The day to judge by (YYYY-MM-DD); today by default.", formats=["%Y-%m-%d"]
)
_RULES = typer.Option(
    "--rules",
    help="The force's own copy of the retention parameters (PORTAL_RETENTION_FILE by default).",
)


@portal_app.command("due")
def due(
    days: Annotated[int, typer.Option(min=0, help="Within how many days.")] = 30,
    on: Annotated[dt.datetime | None, _ON] = None,
    rules_file: Annotated[Path | None, _RULES] = None,
) -> None:
    """List the reports whose retention ends within DAYS days (or has ended)."""
    django_setup()
    from django.utils import timezone

    from custodes.web.portal.retention import warnings

    day = on.date() if on else timezone.localdate()
    found = warnings(day, days, _rules(rules_file))
    table = Table(title=f"Reports whose retention ends by {day + dt.timedelta(days=days)}")
    for heading in ("reference", "channel", "status", "content deleted on", "by"):
        table.add_column(heading)
    for item in found:
        table.add_row(
            item.report.reference,
            item.report.channel,
            item.report.get_status_display(),
            item.due.isoformat(),
            item.rule,
        )
    console.print(
        table if found else f"No report's retention ends by {day + dt.timedelta(days=days)}."
    )


@portal_app.command("expire")
def expire(
    on: Annotated[dt.datetime | None, _ON] = None,
    rules_file: Annotated[Path | None, _RULES] = None,
) -> None:
    """Delete the content of every report whose retention has ended, all or none.

    Each report keeps only its reference, channel, category, dates and that it expired; the
    trail records each expiry. Run it as the tables' owner (it refuses where row-level security
    hides rows), on the owner's timer with `custodes reports take-in` (docs/deploy.md).
    """
    django_setup()
    from django.utils import timezone

    from custodes.web.portal.retention import expire_due

    day = on.date() if on else timezone.localdate()
    rules = _rules(rules_file)
    try:
        expired = expire_due(day, None, rules)
    except CustodesError as exc:
        raise _fail(f"nothing was expired: {exc}") from None
    for report in expired:
        console.print(f"Expired {report.reference}: its content, messages and files are deleted.")
    console.print(f"{len(expired)} report(s) expired on {day.isoformat()}.")
