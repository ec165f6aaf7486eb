"""Demo accounts and cases, made with the real action functions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodes.web.accounts.actions import create_user, set_force_user_id
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.actions import ImportResult, import_audit_run
from custodes.web.cases.actions import add_member, open_case

__all__ = ["DEMO_PASSWORD", "FORCE_USER_IDS", "DemoAccount", "import_demo_run", "make_demo"]

DEMO_PASSWORD = "demo-password-not-for-production"  # noqa: S105 - printed for the demo on purpose

# (username, role, unit, line manager). The lead manages nobody and reports to nobody: alerts
# are kept from everyone in their subject's chain, so a lead who managed the investigators
# would never see their break-glass alerts.
_PEOPLE = (
    ("lead", Role.CC_LEAD, "acu", None),
    ("acu-head", Role.CC_ANALYST, "acu-intelligence", None),
    ("analyst", Role.CC_ANALYST, "acu-intelligence", "acu-head"),
    ("psd-head", Role.PSD_INVESTIGATOR, "psd-command", None),
    ("investigator", Role.PSD_INVESTIGATOR, "psd-1", "psd-head"),
    ("colleague", Role.PSD_INVESTIGATOR, "psd-1", "psd-head"),
    ("outsider", Role.PSD_INVESTIGATOR, "psd-2", "psd-head"),
    ("authority", Role.APPROPRIATE_AUTHORITY, "professional-standards", "psd-head"),
    ("vetting", Role.VETTING_OFFICER, "vetting", "psd-head"),
    ("intake", Role.INTAKE_HANDLER, "psd-intake", "psd-head"),
    ("reviewer", Role.OVERSIGHT_REVIEWER, "oversight", None),
    ("admin", Role.ADMINISTRATOR, "it-services", None),
    ("sergeant", Role.INTAKE_HANDLER, "response-north-1", None),
    ("pc-smith", Role.INTAKE_HANDLER, "response-north-1", "sergeant"),
)
# Who the counter-corruption staff are in the demo force's own systems (`custodes demo`'s
# synthetic force: 2000 staff, seed 1), so need-to-know applies to its audit alerts: the lead
# heads PSD team 10, the ACU head PSD team 3 and the analyst works in that team.
FORCE_USER_IDS = {"lead": "U001838", "acu-head": "U001796", "analyst": "U001797"}


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
                force_user_id=FORCE_USER_IDS.get(username),
            )
        case = open_case(
            made["investigator"],
            "PSD-2025-0001",
            "Repeated look-ups of a domestic-abuse victim after attendance",
            made["pc-smith"],
        )
        add_member(made["investigator"], case, made["colleague"])
    # Demo databases made before force user ids existed get them now.
    for user in User.objects.filter(username__in=FORCE_USER_IDS, force_user_id__isnull=True):
        set_force_user_id(None, user, FORCE_USER_IDS[user.username])
    users = User.objects.filter(username__in=[p[0] for p in _PEOPLE]).order_by("pk")
    return [DemoAccount(u, TOTPDevice.objects.get(user=u)) for u in users]


def import_demo_run(run_dir: Path, extract_dir: Path) -> ImportResult | None:
    """Import the demo's audit run into the alert queue, if there is one; None if not."""
    if not run_dir.is_dir():
        return None
    return import_audit_run(None, run_dir, extract_dir)
