"""Declaring a change of circumstances: about oneself only, its re-vetting task raised at once
and once, its details sealed and never on the trail; the declarer sees their own declarations
and nobody else's, and the declarer's colleague, manager and an outsider get a 404 on any page
that shows one, while a vetting officer far from them reads it."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from custodes.audit.schema import ASSOCIATION_KINDS
from custodes.caserules import load_vetting
from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from custodes.web.vetting.access import declarations_of, get_task_for_user
from custodes.web.vetting.actions import declaration_details, declare, sweep
from custodes.web.vetting.models import Declaration, VettingTask
from tests.web.conftest import PASSWORD, csrf_post, sign_in
from tests.web.vetting_helpers import Staff, staff_fixture  # noqa: F401 - a fixture

DETAILS = "My new partner, Robyn Achterberg, has a caution for possession (2019)"
PAGE = "/vetting/declare/"


def today() -> dt.date:
    """Return today."""
    return timezone.localdate()


def signed_in(staff: Staff, user: User) -> Client:
    """Return a CSRF-enforcing client signed in as `user` through the real form."""
    client = Client(enforce_csrf_checks=True)
    sign_in(client, user, staff.devices[user.username])
    return client


def test_the_association_kinds_are_the_audits() -> None:
    assert set(Declaration.Association.values) - {""} == set(ASSOCIATION_KINDS)


def test_a_declaration_raises_its_task_once_and_keeps_its_details_sealed(staff: Staff) -> None:
    declared = declare(
        staff.subject,
        "partner",
        f"  {DETAILS}  ",
        associate_person_id="P-77",
        association="partner",
        changed_on=today() - dt.timedelta(days=3),
    )
    assert (declared.person, declared.user_id, declared.declared_on) == (
        "force:XF:V100",
        staff.subject.pk,
        today(),
    )
    (task,) = VettingTask.objects.filter(trigger="declaration")
    assert (task.source_type, task.source_id, task.person) == (
        "declaration",
        str(declared.pk),
        "force:XF:V100",
    )
    assert task.due_on == today() + dt.timedelta(
        days=load_vetting().trigger("declaration").due_days
    )
    assert task.summary == "Declared: A new partner" and task.unit == "response-1"
    assert [t for t in sweep(today()).created if t.trigger == "declaration"] == []
    # Sealed where it is kept; opened for its readers; never on the trail.
    stored = Declaration.objects.values_list("details_encrypted", flat=True).get()
    assert "Achterberg" not in stored and stored.startswith("v1:")
    assert declaration_details(staff.subject, declared) == DETAILS
    event = TrailEvent.objects.get(action=Action.VETTING_DECLARE)
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        staff.subject.pk,
        Subject.DECLARATION,
        str(declared.pk),
    )
    assert event.changes == {
        "kind": "partner",
        "fields": ["kind", "details", "associate_person_id", "association", "changed_on"],
    }
    everything = json.dumps([(e.reason, e.changes) for e in TrailEvent.objects.all()])
    assert "Achterberg" not in everything and "P-77" not in everything
    # A second declaration is a second trigger.
    declare(staff.subject, "address", "Moved to 3 Elm Row")
    assert VettingTask.objects.filter(trigger="declaration").count() == 2
    # The vetting officer far from them reads the task; the declarer's manager does not.
    assert get_task_for_user(staff.vetter, task.pk) == task


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "rumour"}, "kind", "not a kind of declaration"),
        ({"details": "   "}, "details", "say what changed"),
        ({"kind": "name", "associate_person_id": "P-1"}, "associate_person_id", "names no one"),
        ({"associate_person_id": "P-1", "association": ""}, "association", "how you know"),
        (
            {"associate_person_id": "", "association": ""},
            "association",
            "what kind of association",
        ),
        ({"associate_person_id": "=HYPERLINK(1)"}, "associate_person_id", "letters, digits"),
        ({"association": "cousin"}, "association", "not a kind of association"),
        ({"changed_on": dt.date(2999, 1, 1)}, "changed_on", "before it happens"),
    ],
)
def test_a_declaration_is_refused_naming_the_field(
    staff: Staff, fields: dict[str, object], field: str, message: str
) -> None:
    given: dict[str, object] = {
        "kind": "association",
        "details": DETAILS,
        "associate_person_id": "P-77",
        "association": "friend",
    } | fields
    with pytest.raises(ValidationError) as refused:
        declare(staff.subject, **given)  # type: ignore[arg-type]
    assert message in " ".join(refused.value.message_dict[field])
    assert not Declaration.objects.exists() and not VettingTask.objects.exists()


def test_staff_without_a_force_id_cannot_declare(staff: Staff) -> None:
    nobody, device = create_user(
        None, "no-force-id", PASSWORD, role=Role.INTAKE_HANDLER, force="XF", unit="front-desk"
    )
    with pytest.raises(PermissionDenied):
        declare(nobody, "address", "Moved")
    client = Client(enforce_csrf_checks=True)
    sign_in(client, nobody, device)
    assert client.get(PAGE).status_code == 403
    assert declarations_of(nobody).count() == 0


def test_the_declarer_declares_through_the_page_and_sees_only_their_own(staff: Staff) -> None:
    """A PSD investigator (no vetting role): anyone with a force id declares about themselves."""
    theirs = declare(staff.colleague, "address", "Moved to 3 Elm Row")
    client = signed_in(staff, staff.outsider)
    empty = client.get(PAGE)
    assert empty.status_code == 200 and b"You have declared nothing yet." in empty.content
    assert empty["Cache-Control"] == "no-store"
    refused = csrf_post(
        client,
        PAGE,
        {"kind": "association", "details": DETAILS, "associate_person_id": "P-77"},
    )
    assert refused.status_code == 400 and b"say how you know the person" in refused.content
    done = csrf_post(
        client,
        PAGE,
        {
            "kind": "association",
            "details": DETAILS,
            "associate_person_id": "P-77",
            "association": "notifiable-association",
            "changed_on": (today() - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert done.status_code == 302 and done["Location"] == PAGE
    mine = Declaration.objects.get(user=staff.outsider)
    assert mine.person == "force:XF:V103" and mine.association == "notifiable-association"
    page = client.get(PAGE).content.decode()
    assert f"/vetting/declare/{mine.pk}/" in page and "Notifiable association (P-77)" in page
    assert str(theirs.pk) not in page and "Elm Row" not in page and "Achterberg" not in page
    listed = TrailEvent.objects.filter(action=Action.LIST, subject_type=Subject.DECLARATION)
    assert listed.latest("seq").changes == {"declarations": [str(mine.pk)]}
    detail = client.get(f"{PAGE}{mine.pk}/")
    assert detail.status_code == 200 and "Achterberg" in detail.content.decode()
    assert client.get(f"{PAGE}{theirs.pk}/").status_code == 404
    assert client.get(f"{PAGE}{uuid.uuid4()}/").status_code == 404


def test_only_the_declarer_and_a_vetting_officer_far_from_them_read_a_declaration(
    staff: Staff,
) -> None:
    declared = declare(
        staff.subject,
        "partner",
        DETAILS,
        associate_person_id="P-77",
        association="partner",
    )
    url = f"{PAGE}{declared.pk}/"
    for user in (staff.manager, staff.colleague, staff.outsider):
        client = signed_in(staff, user)
        response = client.get(url)
        assert response.status_code == 404, user
        assert "Achterberg" not in response.content.decode()
        assert "Achterberg" not in client.get(PAGE).content.decode()
        refusal = TrailEvent.objects.filter(action=Action.REFUSED, actor_id=user.pk).latest("seq")
        assert (refusal.subject_type, refusal.subject_id) == (Subject.DECLARATION, str(declared.pk))
    reasons = {
        e.actor_id: e.reason
        for e in TrailEvent.objects.filter(action=Action.REFUSED, subject_type=Subject.DECLARATION)
    }
    assert reasons == {
        staff.manager.pk: "the subject is in your line-management chain",
        staff.colleague.pk: "the subject is in your unit",
        staff.outsider.pk: "does not use vetting",
    }
    own = signed_in(staff, staff.subject).get(url)
    assert own.status_code == 200 and "Achterberg" in own.content.decode()
    vetter = signed_in(staff, staff.vetter)
    read = vetter.get(url)
    assert read.status_code == 200
    text = read.content.decode()
    assert "Achterberg" in text and "XF V100" in text and "reviews it by" in text
    assert TrailEvent.objects.filter(
        actor_id=staff.vetter.pk, action=Action.READ, subject_id=str(declared.pk)
    ).exists()
    # The vetting officer's own declaration page lists none of it: only their own.
    assert "Achterberg" not in vetter.get(PAGE).content.decode()
