"""The matter and its parts: taking a matter in, its subjects (shown by name, role and unit),
allegations in the profile's categories, its source linked to the record it came from, and what
custodes opens that the law requires; each refusal, for the owner, a colleague and an outsider."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from custodes.web.accounts.models import Role
from custodes.web.alerts.actions import open_case_from_audit_alert
from custodes.web.alerts.models import AuditAlert, AuditRun
from custodes.web.cases.access import decide, show_subject
from custodes.web.cases.actions import add_member
from custodes.web.cases.matter import (
    NewAllegation,
    NewSubject,
    add_allegation,
    name_subject,
    revise_indications,
    take_in,
)
from custodes.web.cases.models import Case, Decision, Requirement
from custodes.web.cases.path import decide_referral
from custodes.web.needtoknow.models import ForceStaff
from custodes.web.trail.kinds import Action
from custodes.web.trail.models import TrailEvent
from tests.web.audit_helpers import add_user, import_run, make_audit_folders, staff_around
from tests.web.case_helpers import (
    APSP,
    REASON,
    Dept,
    days_ago,
    dept_fixture,  # noqa: F401 - a fixture
    subject_of,
    take_in_apsp,
)


@pytest.fixture
def d(dept: Dept) -> Dept:
    """Return the department, by a short name."""
    return dept


def conduct(d: Dept, reference: str = "PSD-2026-0300", **more: object) -> Case:
    """Take in a conduct matter of discourteous emails, which need not be referred."""
    case = take_in(
        d.intake,
        reference,
        "Discourteous emails to a colleague",
        kind=Case.Kind.CONDUCT,
        source=Case.Source.COLLEAGUE,
        came_to_attention=days_ago(5),
        subjects=[NewSubject(user=d.pc)],
        allegations=[NewAllegation(0, "unprofessional-attitude")],
        indications=["disciplinary"],
        **more,  # type: ignore[arg-type]
    )
    add_member(d.intake, case, d.authority)
    return case


def test_an_intake_handler_takes_a_matter_in_with_its_parts(d: Dept) -> None:
    case = take_in_apsp(d, came=0)
    assert (case.kind, case.source, case.profile) == (
        "complaint",
        "support-organisation",
        "england-wales",
    )
    assert case.came_to_attention == days_ago(0) and case.arose_on == days_ago(30)
    subject = subject_of(case)
    assert (subject.user, subject.force, subject.rank) == (d.pc, "XF", "PC")
    assert [a.category for a in case.allegations.all()] == [APSP]
    intake = case.decisions.get()
    assert intake.step == Decision.Step.INTAKE and intake.decided_by == d.intake
    assert intake.rules["criteria"][0]["id"] == "referral-serious-corruption"
    kinds = set(case.requirements.values_list("kind", flat=True))
    assert kinds == {Requirement.Kind.RECORDING, Requirement.Kind.REFERRAL}
    assert case.referral_mandatory and case.referral_due is not None
    event = TrailEvent.objects.get(action=Action.TAKE_IN)
    assert event.subject_id == str(case.pk) and event.changes["allegations"] == 1
    assert decide(d.intake, case).allowed


def test_a_subject_is_shown_by_name_role_and_unit(d: Dept) -> None:
    case = take_in_apsp(
        d,
        subjects=[
            NewSubject(user=d.pc),
            NewSubject(
                force="XF", force_user_id="XF-7001", first_name="Jo", last_name="Marsh", rank="DC"
            ),
        ],
    )
    shown = {s.name: s for s in map(show_subject, case.subjects.all())}
    assert set(shown) == {"Daniel Reeve", "Jo Marsh"}
    assert (shown["Daniel Reeve"].role, shown["Daniel Reeve"].unit) == (
        "Intake handler",
        "response-south-1",
    )
    assert shown["Jo Marsh"].role == "DC"
    assert shown["Jo Marsh"].known_as == "XF XF-7001"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"kind": "gossip"}, "not a kind of matter"),
        ({"source": "rumour"}, "not a source of matters"),
        ({"indications": ["bad-vibes"]}, "not an indication"),
        ({"came_to_attention": days_ago(-2)}, "after today"),
        ({"arose_on": days_ago(1), "came_to_attention": days_ago(5)}, "arise after it came"),
        ({"subjects": []}, "at least one member of staff"),
        ({"subjects": [NewSubject()]}, "account or their force user id"),
        ({"allegations": [NewAllegation(0, "jaywalking")]}, "not an allegation category"),
    ],
)
def test_take_in_refuses_what_is_not_a_matter(d: Dept, change: dict[str, object], why: str) -> None:
    given: dict[str, object] = {
        "kind": Case.Kind.COMPLAINT,
        "source": Case.Source.PUBLIC,
        "came_to_attention": days_ago(1),
        "subjects": [NewSubject(user=d.pc)],
        **change,
    }
    with pytest.raises(ValidationError, match=why):
        take_in(d.intake, "PSD-2026-0400", "t", **given)  # type: ignore[arg-type]
    assert not Case.objects.filter(reference="PSD-2026-0400").exists()


def test_nobody_takes_in_a_matter_about_themselves_their_chain_or_unit(d: Dept) -> None:
    for actor, about in ((d.pc, d.pc), (d.sergeant, d.pc), (d.pc_peer, d.pc), (d.pc, d.inspector)):
        with pytest.raises(PermissionDenied, match="yourself, your chain or your unit"):
            take_in(
                actor,
                f"PSD-2026-05{actor.pk:02d}",
                "t",
                kind=Case.Kind.COMPLAINT,
                source=Case.Source.PUBLIC,
                came_to_attention=days_ago(1),
                subjects=[NewSubject(user=about)],
            )
    # Nor names as a second subject someone too close to them.
    with pytest.raises(PermissionDenied, match="chain or unit"):
        take_in(
            d.pc_peer,
            "PSD-2026-0501",
            "t",
            kind=Case.Kind.COMPLAINT,
            source=Case.Source.PUBLIC,
            came_to_attention=days_ago(1),
            subjects=[NewSubject(user=d.investigator), NewSubject(user=d.pc)],
        )


def test_a_vetting_officer_takes_no_matter_in(d: Dept) -> None:
    vetter = d.make("vetter", Role.VETTING_OFFICER, "vetting")
    with pytest.raises(PermissionDenied, match="may not open cases"):
        take_in(
            vetter,
            "PSD-2026-0600",
            "t",
            kind=Case.Kind.COMPLAINT,
            source=Case.Source.PUBLIC,
            came_to_attention=days_ago(1),
            subjects=[NewSubject(user=d.pc)],
        )


def test_naming_another_subject_owner_colleague_and_outsider(d: Dept) -> None:
    case = take_in_apsp(d)
    jo = NewSubject(force="XF", force_user_id="XF-7001", first_name="Jo", last_name="Marsh")
    with pytest.raises(PermissionDenied, match="may not see this case"):
        name_subject(d.outsider, case, jo)
    subject = name_subject(d.intake, case, jo, reason="She was in the car")
    assert subject.force_user_id == "XF-7001" and case.subjects.count() == 2
    row = case.decisions.get(step=Decision.Step.SUBJECT)
    assert row.subject == subject and row.reason == "She was in the car"
    with pytest.raises(ValidationError, match="already a subject"):
        name_subject(d.authority, case, jo)
    assert TrailEvent.objects.filter(action=Action.NAME_SUBJECT).count() == 1


def test_an_allegation_can_make_a_matter_one_to_refer(d: Dept) -> None:
    case = conduct(d)
    assert not case.requirements.filter(kind=Requirement.Kind.REFERRAL).exists()
    subject = subject_of(case)
    with pytest.raises(PermissionDenied, match="may not see this case"):
        add_allegation(d.outsider, subject, APSP)
    with pytest.raises(ValidationError, match="not an allegation category"):
        add_allegation(d.authority, subject, "jaywalking")
    allegation = add_allegation(d.authority, subject, APSP, "Asked her out after the job")
    case.refresh_from_db()
    referral = case.requirements.get(kind=Requirement.Kind.REFERRAL)
    # It became clear today: due by the end of the next working day.
    assert referral.due_on is not None and referral.due_on > days_ago(0)
    assert referral.rules["became_clear"] == days_ago(0).isoformat()
    row = case.decisions.get(step=Decision.Step.ALLEGATION)
    assert row.details["allegation"] == str(allegation.pk) and row.rules["required"]


def test_revised_indications_need_a_reason_and_open_a_called_in_referral(d: Dept) -> None:
    case = conduct(d)
    with pytest.raises(ValidationError, match="needs a reason"):
        revise_indications(d.authority, case, ["call-in"], "")
    with pytest.raises(ValidationError, match="not an indication"):
        revise_indications(d.authority, case, ["sunspots"], REASON)
    with pytest.raises(PermissionDenied):
        revise_indications(d.outsider, case, ["call-in"], REASON)
    revise_indications(d.authority, case, ["disciplinary", "call-in"], "The IOPC called it in")
    case.refresh_from_db()
    assert case.indications == ["call-in", "disciplinary"] and case.referral_mandatory
    assert decide_referral(d.authority, case, refer=True, reason=REASON).details["referred"]


@pytest.fixture
def run(db: None, tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    """Import the session's real audit run."""
    return import_run(make_audit_folders(tmp_path_factory))


def test_a_case_from_an_audit_alert_is_linked_to_it(d: Dept, run: AuditRun) -> None:
    alert = AuditAlert.objects.get(run=run, rank=1)
    analyst = add_user(d.org, "analyst", Role.CC_ANALYST, "acu-north", staff_around(alert).stranger)
    case = open_case_from_audit_alert(analyst, alert, REASON)
    assert (case.kind, case.source) == (Case.Kind.INTELLIGENCE, Case.Source.AUDIT_ALERT)
    assert (case.source_record_type, case.source_record_id) == ("audit-alert", str(alert.pk))
    assert case.came_to_attention == days_ago(0)
    assert case.arose_on is not None and case.arose_on <= case.came_to_attention
    subject = subject_of(case)
    assert (subject.force, subject.force_user_id) == (alert.force, alert.force_user_id)
    # custodes knows their unit from the imported chart, to those who may read it.
    staff = ForceStaff.objects.get(run=run, user_id=alert.force_user_id)
    assert show_subject(subject).unit == staff.unit
