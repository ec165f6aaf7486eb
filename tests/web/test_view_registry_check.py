"""The applicant check (`/registry/check/`): the form, the check, and who may run it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from custodes.web.accounts.models import Role, User
from custodes.web.registry.actions import import_list
from custodes.web.registry.models import Candidate, Entry, Screening
from custodes.web.trail.models import TrailEvent
from tests.lists_data import shared_file
from tests.web.audit_helpers import add_user
from tests.web.conftest import Org, csrf_post

CHECK = "/registry/check/"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "registry"
WORKBOOK = ("virginia-decertification", "DCJS_Decertification_List_Apr25.xlsx")
APPLICANT = {
    "reference": "APP-2025-0147",
    "first_name": "Deangelo",
    "middle_name": "M",
    "last_name": "Freeman",
    "agency": "Hampton Police Division",
}


@pytest.fixture
def virginia(db: None) -> None:
    """Import the real Virginia decertification workbook."""
    import_list(None, "virginia", [shared_file(*WORKBOOK)])


@pytest.fixture
def vetter(org: Org) -> User:
    """Return a vetting officer."""
    return add_user(org, "vetter", Role.VETTING_OFFICER, "vetting", "XF-vet")


def screening_url(location: str) -> int:
    """Return the screening a redirect goes to."""
    found = re.fullmatch(r"/registry/screenings/(\d+)/", location)
    assert found, location
    return int(found.group(1))


def test_the_form_asks_for_the_applicants_details(org: Org, vetter: User) -> None:
    """Names, birth, sex, agency and badges; nothing for a browser to remember."""
    response = org.client(vetter).get(CHECK)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    for name in (
        "first_name",
        "middle_name",
        "last_name",
        "other_names",
        "birth_date",
        "birth_year",
        "sex",
        "agency",
        "badges",
    ):
        assert f'name="{name}"' in text, name
    assert 'type="date"' in text
    assert 'autocomplete="off"' in text


def test_a_check_finds_the_listed_officer_and_shows_why(
    org: Org, virginia: None, vetter: User
) -> None:
    """The check is stored with its candidate, on the trail, and shown with its explanation."""
    client = org.client(vetter)
    response = csrf_post(client, CHECK, APPLICANT)
    assert response.status_code == 302
    screening = Screening.objects.get(pk=screening_url(response["Location"]))
    assert (screening.kind, screening.run_by, screening.entries) == ("check", vetter, 432)
    (candidate,) = screening.candidates.all()
    freeman = Entry.objects.get(first_name="Deangelo", last_name="Freeman")
    assert (candidate.entry, candidate.person_ref) == (freeman, "APP-2025-0147")
    assert TrailEvent.objects.filter(
        actor_id=vetter.pk, action="registry-check", subject_id=str(screening.pk)
    ).exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page["X-Personal-Data"] == "1"
    text = page.content.decode()
    assert "Checked against 432 entries: 1 likely candidate to review." in text
    assert "APP-2025-0147 may be" in text and "Deangelo M Freeman" in text
    assert f"Match probability <strong>{candidate.match_probability:.3f}</strong>" in text
    assert f"Why: {candidate.explanation}." in text
    assert "last_name: exact" in text and "agency: exact" in text
    assert (
        "<tr><th>Agency</th><td>Hampton Police Division</td><td>Hampton Police Division</td>"
        in text
    )


def test_a_check_with_no_likely_match_says_so(org: Org, virginia: None, vetter: User) -> None:
    """An applicant on no list gives an empty screening and a plain message."""
    client = org.client(vetter)
    response = csrf_post(client, CHECK, {"first_name": "Priya", "last_name": "Raman"})
    assert response.status_code == 302
    text = client.get(response["Location"]).content.decode()
    assert (
        "Checked against 432 entries: no candidate above p=0.50, and no entry whose names agree."
        in text
    )
    assert "No candidate for you to review in this screening." in text


@pytest.mark.parametrize(
    ("applicant", "level"),
    [
        # As the list gives him, without the middle initial the list has, nor a birth date.
        ({"first_name": "Deangelo", "last_name": "Freeman"}, "first_name: exact"),
        ({"first_name": "Anthony", "last_name": "Shifflett", "sex": "M"}, "first_name: exact"),
        # Tony is a known nickname of Anthony, the name the list gives.
        ({"first_name": "Tony", "last_name": "Shifflett"}, "first_name: nickname of"),
    ],
)
def test_a_check_of_a_name_exactly_as_listed_is_never_clean(
    org: Org, virginia: None, vetter: User, applicant: dict[str, str], level: str
) -> None:
    """The attack: check a listed officer by name alone, hoping for a clean result to hire on.

    Without a middle initial or birth date the model's probability is far below 0.50; the
    entry is still shown, as a weaker candidate, with why it is weak.
    """
    client = org.client(vetter)
    response = csrf_post(client, CHECK, {**applicant, "reference": "APP-9"})
    assert response.status_code == 302
    screening = Screening.objects.get(pk=screening_url(response["Location"]))
    (candidate,) = screening.candidates.all()
    listed = Entry.objects.get(
        last_name=applicant["last_name"], first_name__in=("Deangelo", "Anthony")
    )
    assert candidate.entry == listed
    assert candidate.strength == Candidate.Strength.WEAKER
    assert candidate.match_probability < 0.5
    assert candidate.explanation.startswith("name only: ")
    assert level in candidate.explanation and "last_name: exact" in candidate.explanation
    assert "no birth date given or listed" in candidate.explanation
    assert "no middle name given" in candidate.explanation
    text = client.get(response["Location"]).content.decode()
    assert "no candidate above p=0.50, but 1 weaker candidate to review" in text
    assert "No candidate for you to review" not in text
    assert "No likely candidate for you to review in this screening." in text
    assert "Weaker candidates: the names agree" in text
    assert f'APP-9 may be <a href="/registry/entries/{listed.pk}/">{listed.full_name}</a>' in text
    assert "Weaker: names agree</span>" in text
    assert f"Why: {candidate.explanation}." in text


def test_a_weaker_candidate_is_kept_apart_from_a_likely_one(
    org: Org, virginia: None, vetter: User
) -> None:
    """With the middle initial the same check is a likely match, and no weaker one besides."""
    client = org.client(vetter)
    response = csrf_post(
        client, CHECK, {"first_name": "Deangelo", "middle_name": "M", "last_name": "Freeman"}
    )
    (candidate,) = Candidate.objects.filter(screening_id=screening_url(response["Location"]))
    assert candidate.strength == Candidate.Strength.LIKELY
    # A middle initial alone is common (rosters give little else), so it lifts p to 0.57.
    assert candidate.match_probability > 0.5
    assert "middle_name: same initial" in candidate.explanation
    assert not candidate.explanation.startswith("name only")
    text = client.get(response["Location"]).content.decode()
    assert "1 likely candidate to review." in text
    assert "Weaker candidates: the names agree" not in text


def test_several_names_and_badges_are_taken_apart(org: Org, vetter: User) -> None:
    """Other names and badge numbers are ;-separated: a maiden name finds a married officer."""
    import_list(None, "generic", [FIXTURES / "new-list.csv"])
    response = csrf_post(
        org.client(vetter),
        CHECK,
        {
            "first_name": "Peggy",
            "last_name": "Quinlan",
            "other_names": "Holloway; Peg Holloway ;",
            "birth_date": "1984-03-12",
            "sex": "F",
            "badges": "9001; 4471",
        },
    )
    assert response.status_code == 302
    (candidate,) = Candidate.objects.filter(screening_id=screening_url(response["Location"]))
    assert candidate.entry.key == "generic:GB-1"
    assert candidate.person["other_names"] == ["Holloway", "Peg Holloway"]
    assert candidate.person["badges"] == ["9001", "4471"]
    assert candidate.person["birth_date"] == "1984-03-12"
    assert candidate.person_ref == "applicant"  # no reference given


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"last_name": ""}, "This field is required."),
        ({"birth_date": "1984-13-01"}, "Enter a valid date."),
        ({"birth_year": "1850"}, "greater than or equal to 1900"),
        ({"birth_date": "1984-03-12", "birth_year": "1985"}, "not the birth date&#x27;s year"),
        ({"sex": "Q"}, "Select a valid choice."),
        ({"first_name": "D" * 101}, "at most 100 characters"),
        ({"reference": "R" * 65}, "at most 64 characters"),
    ],
)
def test_a_bad_form_is_refused_with_400(
    org: Org, vetter: User, change: dict[str, str], error: str
) -> None:
    """Nothing is checked; the form comes back with the problem next to the field."""
    response = csrf_post(org.client(vetter), CHECK, {**APPLICANT, **change})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Screening.objects.exists()


def test_others_are_refused_with_403(org: Org, virginia: None) -> None:
    """Investigators and counter-corruption staff may not run hiring checks."""
    for user in (org.outsider, org.lead):
        client = org.client(user)
        assert client.get(CHECK).status_code == 403, user.username
        assert csrf_post(client, CHECK, APPLICANT).status_code == 403, user.username
        assert 'href="/registry/check/"' not in client.get("/").content.decode()
    assert not Screening.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(org: Org, vetter: User) -> None:
    """A forged check is not run."""
    assert org.client(vetter).post(CHECK, APPLICANT).status_code == 403
    assert not Screening.objects.exists()


def test_not_signed_in_is_sent_to_sign_in(db: None) -> None:
    """An anonymous visitor is redirected to the sign-in page, and nothing is checked."""
    client = Client(enforce_csrf_checks=True)
    response = client.get(CHECK)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/registry/check/"
