"""Demo accounts and cases, made with the real action functions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.cases.actions import add_member, open_case

__all__ = ["DEMO_PASSWORD", "DemoAccount", "make_demo"]

DEMO_PASSWORD = "demo-password-not-for-production"  # noqa: S105 - printed for the demo on purpose

# (username, role, unit, line manager)
_PEOPLE = (
    ("lead", Role.CC_LEAD, "acu", None),
    ("analyst", Role.CC_ANALYST, "acu", "lead"),
    ("investigator", Role.PSD_INVESTIGATOR, "psd-1", "lead"),
    ("colleague", Role.PSD_INVESTIGATOR, "psd-1", "lead"),
    ("outsider", Role.PSD_INVESTIGATOR, "psd-2", "lead"),
    ("authority", Role.APPROPRIATE_AUTHORITY, "professional-standards", "lead"),
    ("vetting", Role.VETTING_OFFICER, "vetting", "lead"),
    ("intake", Role.INTAKE_HANDLER, "psd-intake", "lead"),
    ("reviewer", Role.OVERSIGHT_REVIEWER, "oversight", None),
    ("admin", Role.ADMINISTRATOR, "it-services", None),
    ("sergeant", Role.INTAKE_HANDLER, "response-north-1", None),
    ("pc-smith", Role.INTAKE_HANDLER, "response-north-1", "sergeant"),
)


@dataclass(frozen=True)
class DemoAccount:
    """A demo account and its authenticator."""

    user: User
    device: TOTPDevice


@transaction.atomic
def make_demo() -> list[DemoAccount]:
    """Create the demo accounts and a case once; return the accounts with their devices."""
    if not User.objects.filter(username="lead").exists():
        made: dict[str, User] = {}
        for username, role, unit, manager in _PEOPLE:
            made[username], _ = create_user(
                None,
                username,
                DEMO_PASSWORD,
                role=role,
                force="XF",
                unit=unit,
                line_manager=made.get(manager) if manager else None,
            )
        case = open_case(
            made["investigator"],
            "PSD-2025-0001",
            "Repeated look-ups of a domestic-abuse victim after attendance",
            made["pc-smith"],
        )
        add_member(made["investigator"], case, made["colleague"])
    users = User.objects.filter(username__in=[p[0] for p in _PEOPLE]).order_by("pk")
    return [DemoAccount(u, TOTPDevice.objects.get(user=u)) for u in users]
