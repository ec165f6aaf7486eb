"""A risk run folder as `custodes risk score` writes it, and a small force around its officers."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.risk.actions import import_risk_run
from custodes.web.risk.models import RiskEntry, RiskRun
from tests.web.conftest import PASSWORD, sign_in

RISK_HEADER = ("rank", "officer_ref", "score", "reasons")
OFFICERS_HEADER = ("officer_ref", "agency", "first_name", "last_name", "rank", "unit", "rules")


@dataclass(frozen=True)
class Officer:
    """One ranked officer as the run folder holds them."""

    ref: str
    first_name: str
    last_name: str
    unit: str
    score: float
    reasons: str = "2 allegations of force in the last 12 months; 1 sexual-misconduct allegation"
    rules: str = ""
    agency: str = "XF"
    grade: str = "PC"


def write_run(
    folder: Path,
    officers: list[Officer],
    *,
    as_of: str = "2024-01-01",
    label: str = "substantiated",
    report: str | None = "",
    run_extra: dict[str, object] | None = None,
) -> Path:
    """Write a run folder: risk.csv, officers.csv, run.json and (unless None) summary.html,
    by default one that names no officer."""
    folder.mkdir(parents=True, exist_ok=True)
    ranked = sorted(officers, key=lambda o: -o.score)
    with (folder / "risk.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(RISK_HEADER)
        for rank, o in enumerate(ranked, 1):
            out.writerow([rank, o.ref, f"{o.score:.6f}", o.reasons])
    with (folder / "officers.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(OFFICERS_HEADER)
        for o in officers:
            out.writerow([o.ref, o.agency, o.first_name, o.last_name, o.grade, o.unit, o.rules])
    run = {
        "as_of": as_of,
        "label": label,
        "horizon_days": 730,
        "officers_scored": len(officers),
        "model": {"kind": "lightgbm", "calibrated": True},
        "evaluation": {"top_1pct_precision": 0.2},
        **(run_extra or {}),
    }
    (folder / "run.json").write_text(json.dumps(run), encoding="utf-8")
    if report is not None:
        text = report or (
            "<!doctype html><html><head><title>Risk report</title></head><body>"
            f"<h1>Risk as of {as_of}</h1><p>{len(officers)} officers ranked.</p>"
            "<script>document.body.dataset.drawn = 'yes';</script></body></html>"
        )
        (folder / "summary.html").write_text(text, encoding="utf-8")
    return folder


@dataclass
class Force:
    """The staff around a risk run: the lead who works it and those too close to its officers."""

    lead: User  # CC lead, no tie to any ranked officer
    authority: User  # appropriate authority, no tie either
    subject: User  # a CC lead who is ranked themselves
    manager: User  # the subject's line manager (an appropriate authority)
    colleague: User  # a CC lead in the subject's unit
    outsider: User  # a PSD investigator: no access to early intervention
    analyst: User  # a CC analyst: no access either
    constable: User  # an intake handler ranked in the run, tied by account
    devices: dict[str, TOTPDevice] = field(default_factory=dict)

    def client(self, user: User) -> Client:
        """Return a CSRF-enforcing client signed in as `user`."""
        client = Client(enforce_csrf_checks=True)
        sign_in(client, user, self.devices[user.username])
        return client

    @property
    def too_close(self) -> list[User]:
        """Return the subject, their manager and a colleague in their unit."""
        return [self.subject, self.manager, self.colleague]


def make_force() -> Force:
    """Create the staff through the real action."""
    devices: dict[str, TOTPDevice] = {}

    def make(
        username: str,
        role: Role,
        unit: str,
        force_user_id: str | None,
        manager: User | None = None,
        name: tuple[str, str] = ("", ""),
    ) -> User:
        user, device = create_user(
            None,
            username,
            PASSWORD,
            role=role,
            force="XF",
            unit=unit,
            line_manager=manager,
            force_user_id=force_user_id,
        )
        if name != ("", ""):
            user.first_name, user.last_name = name
            user.save(update_fields=["first_name", "last_name"])
        devices[username] = device
        return user

    lead = make("ei-lead", Role.CC_LEAD, "acu", "U9001")
    authority = make("ei-authority", Role.APPROPRIATE_AUTHORITY, "standards", "U9002")
    manager = make("ei-manager", Role.APPROPRIATE_AUTHORITY, "response-command", "U101")
    subject = make("ei-subject", Role.CC_LEAD, "response-1", "U100", manager, ("Sam", "Stone"))
    colleague = make("ei-colleague", Role.CC_LEAD, "response-1", "U102")
    outsider = make("ei-outsider", Role.PSD_INVESTIGATOR, "psd-2", "U103")
    analyst = make("ei-analyst", Role.CC_ANALYST, "acu-intelligence", "U104")
    constable = make("ei-constable", Role.INTAKE_HANDLER, "response-2", "U200")
    return Force(
        lead, authority, subject, manager, colleague, outsider, analyst, constable, devices
    )


def make_lead(force: Force, username: str, force_user_id: str, unit: str = "acu-2") -> User:
    """Add a counter-corruption lead known in the force by `force_user_id`."""
    user, device = create_user(
        None,
        username,
        PASSWORD,
        role=Role.CC_LEAD,
        force="XF",
        unit=unit,
        force_user_id=force_user_id,
    )
    force.devices[username] = device
    return user


def officers_of(force: Force) -> list[Officer]:
    """Return the run's officers: the subject, their colleague, a constable, two strangers."""
    return [
        Officer(
            "XF:U100",
            "Sam",
            "Stone",
            "response-1",
            0.81,
            rules="sexual-any;complaints-3-in-180-days",
        ),
        Officer(
            "XF:U102",
            "Cara",
            "Coll",
            "response-1",
            0.40,
            "1 allegation of discourtesy in the last 6 months",
        ),
        Officer(
            "XF:U200",
            "Joe",
            "Jones",
            "response-2",
            0.62,
            rules="complaints-3-in-180-days",
            grade="Sergeant",
        ),
        Officer("XF:U777", "Una", "Unplaced", "traffic", 0.55, rules="sustained-dishonesty"),
        Officer("4411", "Nobody", "Here", "078 PCT", 0.33, agency="NYPD"),
        Officer(f"account:{force.constable.pk + 1000}", "Ghost", "Account", "roads", 0.05),
    ]


def import_folder(folder: Path) -> RiskRun:
    """Import a run folder from the command line's side (no actor)."""
    return import_risk_run(None, folder).run


def entry(run: RiskRun, ref: str) -> RiskEntry:
    """Return the run's entry for an officer ref."""
    return RiskEntry.objects.get(run=run, officer_ref=ref)


@pytest.fixture(name="force")
def force_fixture(db: None) -> Force:
    """Return the staff around the run."""
    return make_force()


@pytest.fixture(name="run")
def run_fixture(force: Force, tmp_path: Path) -> RiskRun:
    """Import a run of the force's officers, with a summary that names no officer."""
    return import_folder(write_run(tmp_path / "risk-2024", officers_of(force)))
