"""One case (`/cases/<reference>/`): 404 for anyone who may not see it, every read on the trail."""

from __future__ import annotations

from django.test import Client

from custodes.web.cases.actions import add_member, grant_access, name_on_sealed_case, open_case
from custodes.web.cases.models import Case
from custodes.web.trail.chain import verify
from custodes.web.trail.models import TrailEvent
from tests.web.conftest import Org, unmasked


def url(case: Case) -> str:
    """Return the case's page address."""
    return f"/cases/{case.reference}/"


def reads(case: Case) -> list[TrailEvent]:
    """Return the trail's read events for `case`, oldest first."""
    return list(
        TrailEvent.objects.filter(
            action="read", subject_type="case", subject_id=str(case.pk)
        ).order_by("seq")
    )


def test_the_owner_sees_the_case_and_its_team(org: Org) -> None:
    """The owner gets the case's title, subject and who has access."""
    response = org.client(org.owner).get(url(org.case))
    assert response.status_code == 200
    text = response.content.decode()
    assert org.case.title in text
    assert f"{org.subject.username} ({org.subject.unit})" in text
    # The team by name, role and unit, not only a username.
    assert (
        '<td data-label="Person">colleague (PSD investigator, psd-1)</td>'
        '<td data-label="Access">Case team member</td>'
    ) in text


def test_a_colleague_on_the_team_sees_the_case(org: Org) -> None:
    """A team member sees the case."""
    response = org.client(org.colleague).get(url(org.case))
    assert response.status_code == 200
    assert org.case.title in response.content.decode()


def test_the_outsider_gets_the_same_404_as_for_no_case_at_all(org: Org) -> None:
    """A refused case and a missing case look the same, so references cannot be probed."""
    client = org.client(org.outsider)
    refused = client.get(url(org.case))
    missing = client.get("/cases/PSD-1999-0000/")
    assert refused.status_code == missing.status_code == 404
    # The same page but for the sign-out form's CSRF token, which is masked afresh each time.
    assert unmasked(refused.content) == unmasked(missing.content)
    assert org.case.title not in refused.content.decode()


def test_the_lead_not_on_the_case_gets_404(org: Org) -> None:
    """Seniority alone gives no access."""
    assert org.client(org.lead).get(url(org.case)).status_code == 404


def test_the_subject_and_their_manager_get_404_even_on_the_team(org: Org) -> None:
    """The officer the case is about and their line manager never see it."""
    add_member(org.owner, org.case, org.subject)
    add_member(org.owner, org.case, org.subject_manager)
    for user in (org.subject, org.subject_manager):
        assert org.client(user).get(url(org.case)).status_code == 404
    assert reads(org.case) == []


def test_a_grant_by_the_lead_lets_a_conflicted_person_in(org: Org) -> None:
    """A recorded grant overrides a line-management conflict (never the subject's own)."""
    grant_access(org.lead, org.case, org.subject_manager, reason="independent review ordered")
    assert org.client(org.subject_manager).get(url(org.case)).status_code == 200


def test_a_sealed_case_is_shown_only_to_those_named(org: Org) -> None:
    """On a sealed case team membership is not enough; being named is."""
    sealed = open_case(org.owner, "PSD-2025-0099", "Sealed matter", org.outsider, sealed=True)
    add_member(org.owner, sealed, org.colleague)
    assert org.client(org.owner).get(url(sealed)).status_code == 200
    colleague = org.client(org.colleague)
    assert colleague.get(url(sealed)).status_code == 404
    name_on_sealed_case(org.lead, sealed, org.colleague, reason="second investigator")
    assert colleague.get(url(sealed)).status_code == 200


def test_every_read_is_on_the_trail_without_personal_data(org: Org) -> None:
    """Each page view writes one `read` event naming ids only, and the chain still holds."""
    client = org.client(org.owner)
    client.get(url(org.case))
    client.get(url(org.case))
    events = reads(org.case)
    assert len(events) == 2
    personal = {
        org.case.title,
        org.subject.username,
        org.subject.unit,
        org.owner.username,
        org.case.reference,
    }
    for event in events:
        assert event.actor_id == org.owner.pk
        assert event.reason == ""
        assert event.changes == {}
        stored = " ".join(str(getattr(event, f.attname)) for f in TrailEvent._meta.concrete_fields)
        assert not [value for value in personal if value in stored], stored
    assert verify() == []


def test_not_signed_in_is_sent_to_sign_in(org: Org) -> None:
    """An anonymous visitor is redirected to sign in, and nothing is read."""
    response = Client(enforce_csrf_checks=True).get(url(org.case))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/sign-in/?next=/cases/{org.case.reference}/"
    assert reads(org.case) == []


def test_a_post_without_the_csrf_token_is_refused(org: Org) -> None:
    """A POST without the CSRF token is refused."""
    assert org.client(org.owner).post(url(org.case)).status_code == 403


def test_only_get_is_allowed(org: Org) -> None:
    """With the token, a POST is still not a method the case page takes."""
    client = org.client(org.owner)
    token = client.cookies["csrftoken"].value
    assert client.post(url(org.case), {"csrfmiddlewaretoken": token}).status_code == 405
