"""Demo accounts and cases, made with the real action functions."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodes.web.accounts.actions import create_user, set_force_user_id
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.actions import ImportResult, import_audit_run
from custodes.web.cases.actions import add_member, open_case
from custodes.web.registry.actions import import_list, load_roster
from custodes.web.registry.models import Candidate, Entry, Roster

__all__ = [
    "DEMO_PASSWORD",
    "FORCE_USER_IDS",
    "DemoAccount",
    "DemoCaseload",
    "DemoRegistry",
    "DemoReports",
    "import_demo_run",
    "load_demo_caseload",
    "load_demo_registry",
    "load_demo_reports",
    "make_demo",
]

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


# The demo force's roster, and a barred list some of its staff are on (synthetic, seeded).
ROSTER_NAME = "demo staff"
_ROSTER_COLUMNS = (
    "person_ref",
    "first_name",
    "middle_name",
    "last_name",
    "other_names",
    "birth_date",
    "birth_year",
    "sex",
    "agency",
    "badge",
)
# Reasons as a barred list publishes them, taken in turn.
_REASONS = (
    "Gross misconduct: abuse of position for a sexual purpose",
    "Gross misconduct: discreditable conduct, sexual relationship with a vulnerable victim",
    "Gross misconduct: dishonesty",
    "Gross misconduct: assault",
)


@dataclass(frozen=True)
class DemoRegistry:
    """What the demo put in the registry, and the matches it left for vetting."""

    entries: int
    roster_people: int
    to_review: int
    lists: list[str]


def _row(person: dict[str, Any], ref: str) -> dict[str, str]:
    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            return ";".join(str(v) for v in value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    fields = {k: text(person.get(k)) for k in _ROSTER_COLUMNS if k not in ("person_ref", "badge")}
    return {"person_ref": ref, **fields, "badge": text(person.get("badges"))}


def _write(path: Path, table: pa.Table, extra: list[dict[str, str]] | None = None) -> None:
    rows = [_row(p, p["record_id"]) for p in table.to_pylist()]
    if extra is not None:
        rows = [{**row, **more} for row, more in zip(rows, extra, strict=True)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def load_demo_registry(folder: Path, workbook: Path | None = None) -> DemoRegistry:
    """Hold the demo force's roster and import lists against it, once; return what is there.

    The roster and a barred list come from `custodes.linkage.generate_people` (seed 1: ten of
    the 200 staff are on the list, under a nickname, a new surname or a typo, beside look-alikes
    who are not); the real Virginia decertification list is imported too when it is at hand.
    """
    from custodes.linkage import PeopleConfig, generate_people

    folder.mkdir(parents=True, exist_ok=True)
    made = generate_people(PeopleConfig(registry=300, roster=200, on_registry=0.05, seed=1))
    roster_csv, list_csv = folder / "roster.csv", folder / "barred-list.csv"
    _write(roster_csv, made.roster)
    listed = [
        {
            "list_type": "barred",
            "jurisdiction": "GB-EAW",
            "reason": _REASONS[n % len(_REASONS)],
            "action_date": (dt.date(2019, 1, 1) + dt.timedelta(days=37 * n)).isoformat(),
            "status": "active",
            "source": "custodes demo: a synthetic barred list",
        }
        for n in range(made.registry.num_rows)
    ]
    _write(list_csv, made.registry, listed)
    if not Roster.objects.filter(name=ROSTER_NAME, force="XF").exists():
        load_roster(None, ROSTER_NAME, "XF", roster_csv)
    lists = [import_list(None, "generic", [list_csv]).list_import.file_name]
    if workbook is not None and workbook.is_file():
        lists.append(import_list(None, "virginia", [workbook]).list_import.file_name)
    return DemoRegistry(
        entries=Entry.objects.count(),
        roster_people=made.roster.num_rows,
        to_review=Candidate.objects.filter(status=Candidate.Status.PENDING).count(),
        lists=lists,
    )


@dataclass(frozen=True)
class DemoCaseload:
    """What the demo's caseload made, and what custodes reported of it against its truth."""

    made: int
    already: int
    counts: dict[str, Any]
    check: list[str]
    ok: bool
    truth: tuple[Path, Path]


def load_demo_caseload(folder: Path, matters: int = 120) -> DemoCaseload:
    """Load the synthetic force's caseload (`custodes.synth.caseload`, seed 1, as on today)
    through the real actions with the demo's people as actors, write its truth into
    `folder`, and check what custodes reports of it against that truth."""
    from django.utils import timezone

    from custodes.synth import SynthConfig, generate_caseload
    from custodes.web.cases.synthetic import ACTORS, check_caseload, entered_on, load_caseload

    # Made for the day it was first loaded, so a demo database checked again later agrees.
    day = entered_on() or timezone.localdate()
    caseload = generate_caseload(
        SynthConfig(staff=2000, days=90, seed=1), today=day, matters=matters, seed=1
    )
    truth = caseload.write_truth(folder)
    people = {u.username: u for u in User.objects.filter(username__in=ACTORS)}
    loaded = load_caseload(caseload, people)
    result = check_caseload(caseload)
    return DemoCaseload(
        made=loaded.made,
        already=loaded.already,
        counts=caseload.counts(),
        check=result.lines(),
        ok=result.ok,
        truth=truth,
    )


@dataclass(frozen=True)
class DemoReports:
    """What the demo sent through the reporting portal and took into the intake queue."""

    submitted: int
    taken_in: int
    officer: str  # whom three reporters named, each on their own


def load_demo_reports() -> DemoReports:
    """Submit a handful of reports through the portal's own action and take them in.

    Three come from different reporters about the same member of the demo force's staff (one
    of abuse of position for a sexual purpose, one a colleague speaking up); one names the
    counter-corruption analyst, so the analyst and their unit never see it; one names nobody
    custodes knows. Made once: a demo database that has reports keeps them.
    """
    from custodes.web.cases.models import CaseSubject
    from custodes.web.portal.actions import submit_report
    from custodes.web.portal.models import Category, Channel, Mode, Report
    from custodes.web.reports.actions import take_in_new_reports

    # A member of the force's staff the caseload knows by name and warrant number, with no
    # custodes account: the kind of officer a member of the public names.
    from custodes.web.reports.matching import StaffList

    # A member of the force's staff the caseload knows by name and warrant number, with no
    # custodes account (the kind of officer a member of the public names), whose name no one
    # else's resembles: the demo shows three people naming one officer, not a near-namesake.
    staff = StaffList()
    name, number = "Alex Morgan", "40123"
    candidates = (
        CaseSubject.objects.filter(user__isnull=True, force_user_id__isnull=False)
        .exclude(first_name="")
        .exclude(warrant_number="")
        .order_by("warrant_number")
    )
    for officer in candidates[:300]:
        full = f"{officer.first_name} {officer.last_name}"
        initial = f"{officer.first_name[0]}. {officer.last_name}"
        if all(
            len(staff.match(name=n, number=w)) == 1
            for n, w in ((full, officer.warrant_number), (initial, ""), (full, ""))
        ):
            name, number = full, officer.warrant_number
            break
    submitted = 0
    if not Report.objects.exists():
        about = {"officer_name": f"PC {name}", "how_met": "call"}
        reports: list[tuple[str, str, str, dict[str, Any]]] = [
            (
                Channel.PUBLIC,
                Mode.ANONYMOUS,
                Category.ABUSE_OF_POSITION_SEXUAL,
                {
                    **about,
                    "officer_number": number,
                    "what_happened": "He came when I called about my ex. Afterwards he kept "
                    "texting me from his own phone, asking to meet, and came to my flat off duty.",
                    "when": "Last spring",
                },
            ),
            (
                Channel.PUBLIC,
                Mode.CONFIDENTIAL,
                Category.ABUSE_OF_POSITION_SEXUAL,
                {
                    **about,
                    "officer_name": f"{name[0]}. {name.split()[-1]}",
                    "what_happened": "After I reported a burglary the officer added me on social "
                    "media and sent messages I did not want. I blocked him.",
                    "how_met": "victim",
                    "reporter_name": "Demo Reporter",
                    "reporter_contact": "a phone number the reporter chose",
                },
            ),
            (
                Channel.COLLEAGUE,
                Mode.ANONYMOUS,
                Category.DISCRIMINATORY_CONDUCT,
                {
                    **about,
                    "officer_name": name,
                    "how_met": "work",
                    "what_happened": "On nights he talks about women who call us in a way I "
                    "am not comfortable with, and looks up their details afterwards.",
                },
            ),
            (
                Channel.PUBLIC,
                Mode.ANONYMOUS,
                Category.CORRUPTION,
                {
                    "officer_number": FORCE_USER_IDS["analyst"],
                    "what_happened": "A member of your anti-corruption staff sold details from "
                    "police systems to a private investigator.",
                },
            ),
            (
                Channel.PUBLIC,
                Mode.ANONYMOUS,
                Category.PERSONAL_ADVANTAGE,
                {
                    "officer_name": "an officer whose name I never learned",
                    "what_happened": "An officer at the station front desk told me he could make "
                    "my son's case go away for money.",
                },
            ),
        ]
        for channel, mode, category, content in reports:
            submit_report(channel=channel, mode=mode, category=category, content=content)
            submitted += 1
    taken = take_in_new_reports()
    return DemoReports(submitted, len(taken), f"{name} ({number})")
