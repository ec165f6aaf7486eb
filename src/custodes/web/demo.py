"""Demo accounts and cases, made with the real action functions."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodes.web.accounts.actions import create_user, set_force_user_id
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.actions import ImportResult, import_audit_run
from custodes.web.cases.actions import add_member, open_case
from custodes.web.registry.actions import import_list, load_roster
from custodes.web.registry.models import Candidate, Entry, Roster
from custodes.web.risk.access import entries_for_user
from custodes.web.risk.actions import ImportResult as RiskImport
from custodes.web.risk.actions import import_risk_run
from custodes.web.risk.models import RiskRun

if TYPE_CHECKING:
    from custodes.stats import PublishResult
    from custodes.web.vetting.actions import Swept
    from custodes.web.vetting.records import Loaded
    from custodes.web.vetting.synthetic import VettingCheck

__all__ = [
    "DEMO_PASSWORD",
    "FORCE_USER_IDS",
    "DemoAccount",
    "DemoCaseload",
    "DemoRegistry",
    "DemoReports",
    "DemoVetting",
    "demo_statistics_summary",
    "demo_vetting_summary",
    "import_demo_run",
    "load_demo_caseload",
    "load_demo_registry",
    "load_demo_reports",
    "load_demo_risk",
    "load_demo_vetting",
    "make_demo",
    "make_demo_risk_run",
    "publish_demo_statistics",
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


# The demo's risk run: a synthetic department's histories, scored at the end of its records.
RISK_AS_OF = dt.date(2021, 12, 31)
# Officers placed in the lead's own unit, so the demo shows need-to-know hiding them: by their
# place among the officers with the most allegations, high on the list but below the report's
# top, which would otherwise be kept from the lead for naming them.
_RISK_IN_LEADS_UNIT = (400, 401)


def _csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write_rows(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, columns)
        out.writeheader()
        out.writerows(rows)


def _as_demo_force(history: Path, units: dict[str, str]) -> None:
    """Make the synthetic department the demo force: its officers become the force's staff.

    Officer OF00n becomes XF:U00n, the force's own id for them (the demo audit's synthetic force
    numbers its staff the same way), so need-to-know finds them in the force's chart and the
    demo accounts among them (the lead, the ACU head and the analyst) in custodes' own. Units
    come from the force's chart where it is imported (`units`); two of the officers with the
    most allegations by the as-of date (`_RISK_IN_LEADS_UNIT`) are put in the lead's unit.
    """
    columns, officers = _csv_rows(history / "officers.csv")
    refs = {o["officer_ref"]: "XF:U" + o["officer_ref"][2:] for o in officers}
    _, allegations = _csv_rows(history / "allegations.csv")
    counts: dict[str, int] = {}
    for a in allegations:
        if a["received_date"] <= RISK_AS_OF.isoformat():
            counts[a["officer_ref"]] = counts.get(a["officer_ref"], 0) + 1
    accounts = {f"XF:{fid}" for fid in FORCE_USER_IDS.values()}
    serving = [
        o["officer_ref"]
        for o in officers
        if (o["left_date"] or "9999") > RISK_AS_OF.isoformat()
        and refs[o["officer_ref"]] not in accounts
    ]
    by_count = sorted(serving, key=lambda r: (-counts.get(r, 0), r))
    in_leads_unit = {by_count[n] for n in _RISK_IN_LEADS_UNIT if n < len(by_count)}
    for o in officers:
        old = o["officer_ref"]
        o["officer_ref"], o["agency"] = refs[old], "XF"
        o["unit"] = "acu" if old in in_leads_unit else units.get(refs[old][3:], o["unit"])
        if o["officer_ref"] in accounts:
            # The demo's accounts serve: whatever the synthetic department made of them.
            o["left_date"] = o["left_reason"] = ""
            o["appointed_date"] = min(o["appointed_date"] or "2010-01-01", "2010-01-01")
    _write_rows(history / "officers.csv", columns, officers)
    for name in ("allegations.csv", "events.csv"):
        if (history / name).is_file():
            columns, rows = _csv_rows(history / name)
            for row in rows:
                row["officer_ref"] = refs[row["officer_ref"]]
            # The demo's counter-corruption staff have clean records: on the list, not near
            # its top, so the run's report (which names the top) is not kept from them.
            kept = [row for row in rows if row["officer_ref"] not in accounts]
            _write_rows(history / name, columns, kept)


def make_demo_risk_run(
    folder: Path, units: dict[str, str] | None = None, officers: int = 2000
) -> Path:
    """Write a synthetic department's histories as the demo force's and score them; return the
    run folder (`custodes risk score`'s outputs)."""
    from custodes.risk import score_history
    from custodes.synth import generate_history

    history, run = folder / "history", folder / "run"
    if not (run / "risk.csv").is_file():
        generate_history(history, officers=officers, years=12, seed=18, end=RISK_AS_OF)
        _as_demo_force(history, units or {})
        score_history(history, RISK_AS_OF, run)
    return run


def load_demo_risk(folder: Path) -> RiskImport:
    """Score the demo force and import the run into the early-intervention list, once.

    Returns the import's result (`risk.actions.ImportResult`): made again, the same files add
    nothing. The lead's own entry and those of their unit are on the list, and kept from them.
    """
    from custodes.web.needtoknow.models import ForceStaff

    units = dict(ForceStaff.objects.order_by("run_id").values_list("user_id", "unit"))
    return import_risk_run(None, make_demo_risk_run(folder, units))


def demo_risk_summary(run: RiskRun, *, created: bool) -> list[str]:
    """Say what the demo's risk run holds and what the lead sees of it, for the terminal."""
    lead = User.objects.get(username="lead")
    seen = entries_for_user(lead, run)
    top = seen.first()
    how = "loaded" if created else "already loaded"
    lines = [
        f"Early intervention: run {run.pk} ({how}), {run.officers_scored:,} officers serving at "
        f"{run.as_of} ranked by the chance of {run.get_label_display()} within "
        f"{run.horizon_days} days; the lead sees {seen.count():,} of them (the rest are "
        "themselves, their chain or their unit). Sign in as lead (Early intervention).",
    ]
    if top is not None:
        lines.append(f"  first on the lead's list: {top.reasons}")
    return lines


def publish_demo_statistics(folder: Path) -> PublishResult:
    """Publish statistics of the demo's cases (the caseload `load_demo_caseload` loaded) into
    `folder` under the 10-5 rule, as `custodes stats publish --cases` does."""
    from custodes.web.stats.actions import publish_cases

    return publish_cases(folder)


def demo_statistics_summary(result: PublishResult) -> list[str]:
    """Say what the demo's publication holds and where the public page shows it."""
    withheld = result.suppressed.get("primary", 0) + result.suppressed.get("secondary", 0)
    lines = [
        f"Statistics: {len(result.tables)} tables, {result.cells:,} cells from every case, "
        f"{withheld:,} withheld under the 10-5 rule ({result.suppressed.get('primary', 0):,} "
        f"small counts, {result.suppressed.get('secondary', 0):,} more to protect them); "
        f"written to {result.out}.",
        "  The public page (no sign-in): /statistics/ on the staff app.",
    ]
    lines += [f"  not published: {reason}" for reason in result.left_out]
    return lines


# Who escalates the demo force's audit alerts for the vetting data, in turn: the first whom
# need-to-know lets act on each alert.
_ESCALATORS = ("analyst", "acu-head", "lead")


@dataclass(frozen=True)
class DemoVetting:
    """What the demo loaded of the synthetic force's vetting records, what the sweep raised,
    and how that compares with the data's truth."""

    day: dt.date
    officer: User
    loaded: Loaded
    swept: Swept
    check: VettingCheck
    counts: dict[str, Any]
    files: dict[str, Path]


def load_demo_vetting(folder: Path, matters: int = 120) -> DemoVetting:
    """Load the synthetic force's vetting records (`custodes.synth.vetting`, for the caseload
    `load_demo_caseload` loaded, as on the day it was made for) through the real actions, once;
    escalate the audit alerts they name; sweep for re-vetting triggers as on that day; and
    check what custodes raised against the data's truth, written into `folder`.

    The demo's vetting officer (`vetting`) is given the force user id the data chose for them:
    a member of a professional standards team with no planted subject near them.
    """
    from django.utils import timezone

    from custodes.synth import SynthConfig, generate_caseload, generate_vetting
    from custodes.web.cases.synthetic import entered_on
    from custodes.web.vetting.actions import sweep
    from custodes.web.vetting.records import load_records
    from custodes.web.vetting.synthetic import check_vetting, escalate_alerts, read_truth

    day = entered_on() or timezone.localdate()
    config = SynthConfig(staff=2000, days=90, seed=1)
    caseload = generate_caseload(config, today=day, matters=matters, seed=1)
    data = generate_vetting(config, today=day, caseload=caseload)
    files = data.write(folder)
    officer = User.objects.get(username="vetting")
    if officer.force_user_id != data.officer:
        officer = set_force_user_id(None, officer, data.officer)
    people = {u.username: u for u in User.objects.filter(username__in=_ESCALATORS)}
    with transaction.atomic():
        escalated = escalate_alerts(files["escalations"], [people[n] for n in _ESCALATORS])
        loaded = load_records(None, folder)
        swept = sweep(day)
    fresh = not loaded.already
    check = check_vetting(
        read_truth(files["truth"]),
        loaded,
        escalated,
        at_move=loaded.raised if fresh else None,
        swept=swept.created if fresh else None,
    )
    return DemoVetting(day, officer, loaded, swept, check, data.counts(), files)


def _lapsing(day: dt.date) -> dict[str, int]:
    """Count granted clearances with no later decision at their level by when they lapse:
    lapsed by `day`, or due renewal within 30, 60 or 90 days of it."""
    from custodes.web.vetting.models import Clearance

    last: dict[tuple[str, str], Clearance] = {}
    for clearance in Clearance.objects.order_by("decided_at", "pk"):
        last[(clearance.person, clearance.level)] = clearance
    counts = dict.fromkeys(("lapsed", "30", "60", "90"), 0)
    for c in last.values():
        if c.status != Clearance.Status.GRANTED or c.renewal_due is None:
            continue
        days = (c.renewal_due - day).days
        if days <= 0:
            counts["lapsed"] += 1
        for within in (30, 60, 90):
            if 0 < days <= within:
                counts[str(within)] += 1
    return counts


def demo_vetting_summary(result: DemoVetting) -> list[str]:
    """Say what the demo's vetting holds, what the sweep raised and what the officer sees."""
    from collections import Counter

    from custodes.web.vetting.access import tasks_for_user
    from custodes.web.vetting.models import VettingTask
    from custodes.web.vetting.synthetic import UNMODELLED

    c = result.counts
    how = "already loaded" if result.loaded.already else "loaded"
    levels = ", ".join(f"{n} {level}" for level, n in sorted(c["levels"].items()))
    open_tasks = VettingTask.objects.filter(status=VettingTask.Status.OPEN)
    overdue = open_tasks.filter(due_on__lt=result.day).count()
    lapsing = _lapsing(result.day)
    swept = Counter(str(t.trigger) for t in result.swept.created)
    raised = ", ".join(f"{n} {trigger}" for trigger, n in sorted(swept.items())) or "none new"
    # The data's triggers are planted away from the officer; custodes' own (the month's random
    # sample, drawn under this installation's key) may fall on anyone, near them too.
    own = open_tasks.filter(trigger__in=UNMODELLED)
    visible = tasks_for_user(result.officer)
    seen = visible.exclude(trigger__in=UNMODELLED).count()
    total = open_tasks.count()
    planted = total - own.count()
    sees = (
        f"all {planted} open tasks of the data's triggers (none is about themselves, their "
        "chain or their unit)"
        if seen == planted
        else f"{seen} of the {planted} open tasks of the data's triggers (the rest are about "
        "themselves, their chain or their unit)"
    )
    drawn = Counter(str(t) for t in own.values_list("trigger", flat=True))
    if drawn:
        shown = visible.filter(trigger__in=UNMODELLED).count()
        sees += (
            "; and "
            + ", ".join(f"{n} {t}" for t, n in sorted(drawn.items()))
            + f" of custodes' own, {shown} of them (need-to-know keeps back any near them)"
        )
    declared = sum(c["declarations"].values())
    lines = [
        f"Vetting: {c['clearances']:,} clearances ({levels}; {c['year_only']} known only by "
        f"year), {c['posts']} posts ({c['vulnerable_posts']} with access to vulnerable people, "
        f"{c['reclassified']} changed after staff moved in), {c['postings']} moves, "
        f"{c['reviews']:,} integrity reviews held, "
        f"{c['escalations']} audit alerts escalated ({how}).",
        f"  Re-vetting tasks: {len(result.loaded.raised)} raised as moves were recorded; the "
        f"sweep as of {result.day} raised {raised}.",
        f"  Backlog: {total} open tasks, {overdue} overdue; {lapsing['lapsed']} "
        f"clearances lapsed, {lapsing['30']}/{lapsing['60']}/{lapsing['90']} due renewal "
        "within 30/60/90 days.",
        f"  The vetting officer sees {sees}; sign in as [bold]vetting[/bold].",
        f"  {declared} declared changes of circumstance written to "
        f"{result.files['declarations']} (for the declarations page to load).",
    ]
    lines += [f"  {line}" for line in result.check.lines()]
    lines.append(f"  Truth: {result.files['truth']}")
    return lines
