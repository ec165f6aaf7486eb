"""Victims' and reporters' identities: encrypted in the database, revealed only on the trail."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from pytest_django import Settings
from typer.testing import CliRunner

from custodes.cli import app
from custodes.crypto import DecryptionError, Keyring, new_key_line, token_version
from custodes.web import encryption
from custodes.web.accounts.models import User
from custodes.web.cases import parties as case_parties
from custodes.web.cases.actions import open_case
from custodes.web.cases.models import Case, CaseParty
from custodes.web.cases.parties import SUBJECT_TYPE, add_party, reveal_parties, reveal_party
from custodes.web.encryption import (
    ENCRYPTED_COLUMNS,
    RotationError,
    encrypted_columns,
    field_keyring,
    rotate_field_keys,
)
from custodes.web.trail.chain import verify
from custodes.web.trail.models import TrailEvent
from tests.web.conftest import Org, csrf_post

NAME = "Hermione Quillfeather-Odunsi"
CONTACT = "07700 900123, 12 Larkspur Row"
OTHER_NAME = "Bartholomew Fenwick-Achebe"
KEY_1 = new_key_line(1)
KEY_2 = new_key_line(2)


@pytest.fixture
def keys(settings: Settings) -> Settings:
    """Start every test on a known keyring of one key, version 1."""
    settings.FIELD_KEYS = KEY_1
    return settings


def db_id(party: CaseParty) -> str | uuid.UUID:
    """Return the party's primary key as the database stores it (SQLite: hex; PostgreSQL: uuid)."""
    value = CaseParty._meta.get_field("id").get_db_prep_value(party.pk, connection)
    assert isinstance(value, str | uuid.UUID)
    return value


def raw_columns(party: CaseParty) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name_encrypted, contact_encrypted FROM cases_caseparty WHERE id = %s",
            [db_id(party)],
        )
        row = cursor.fetchone()
    assert row is not None
    return row[0], row[1]


def set_raw(party: CaseParty, column: str, value: str) -> None:
    assert column in ("name_encrypted", "contact_encrypted")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE cases_caseparty SET {column} = %s WHERE id = %s", [value, db_id(party)]
        )


def every_stored_text() -> Iterator[str]:
    """Yield every value in every table of the database, as text."""
    for table in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        yield bytes(value).decode("utf-8", "replace")
                    elif value is not None:
                        yield str(value)


def trail_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT action, subject_type, subject_id, reason, changes FROM trail_trailevent"
        )
        return "\n".join(json.dumps(row, default=str) for row in cursor.fetchall())


def reads_of(party: CaseParty, user: User) -> int:
    return TrailEvent.objects.filter(
        action="read", subject_type=SUBJECT_TYPE, subject_id=str(party.pk), actor_id=user.pk
    ).count()


def other_case(org: Org) -> Case:
    """Return a case the owner may not see, opened by the outsider, with its own victim."""
    case = open_case(org.outsider, "PSD-2025-0002", "Another matter", None)
    add_party(org.outsider, case, "victim", OTHER_NAME, "01632 960001")
    return case


def test_public_names_are_pinned() -> None:
    assert case_parties.__all__ == [
        "CONTACT_MAX",
        "NAME_MAX",
        "SUBJECT_TYPE",
        "RevealedParty",
        "add_party",
        "reveal_parties",
        "reveal_party",
    ]
    assert encryption.__all__ == [
        "ENCRYPTED_COLUMNS",
        "ColumnRotation",
        "EncryptedColumn",
        "RotationError",
        "encrypted_columns",
        "field_keyring",
        "open_value",
        "rotate_field_keys",
        "seal",
    ]


# --- the actions ------------------------------------------------------------------------


def test_a_party_round_trips_through_the_actions(org: Org, keys: Settings) -> None:
    party = add_party(org.owner, org.case, "victim", f"  {NAME} ", CONTACT)
    assert reveal_party(org.colleague, party) == (NAME, CONTACT)
    assert reads_of(party, org.colleague) == 1
    bare = add_party(org.owner, org.case, CaseParty.Role.REPORTER, "Anonymous reporter")
    assert reveal_party(org.owner, bare) == ("Anonymous reporter", "")
    assert verify() == []


def test_the_database_never_holds_the_plaintext(org: Org, keys: Settings) -> None:
    party = add_party(org.owner, org.case, "victim", NAME, CONTACT)
    name_token, contact_token = raw_columns(party)
    assert name_token.startswith("v1:")
    assert contact_token.startswith("v1:")
    for text in every_stored_text():
        assert "Quillfeather" not in text
        assert "Larkspur" not in text


def test_the_trail_never_holds_the_plaintext(org: Org, keys: Settings) -> None:
    party = add_party(org.owner, org.case, "victim", NAME, CONTACT)
    reveal_party(org.owner, party)
    org.client(org.colleague).get(f"/cases/{org.case.reference}/")
    set_raw(party, "contact_encrypted", raw_columns(party)[0])
    org.client(org.owner).get(f"/cases/{org.case.reference}/")
    text = trail_text()
    for piece in ("Quillfeather", "Hermione", "Larkspur", "07700"):
        assert piece not in text
    created = TrailEvent.objects.get(action="create", subject_type=SUBJECT_TYPE)
    assert created.changes == {"case_id": str(org.case.pk), "fields": ["role", "name", "contact"]}
    assert TrailEvent.objects.filter(action="decrypt-failed", subject_id=str(party.pk)).exists()


def test_someone_who_may_not_see_the_case_can_neither_add_nor_reveal(
    org: Org, keys: Settings
) -> None:
    party = add_party(org.owner, org.case, "victim", NAME)
    for user in (org.outsider, org.subject, org.subject_manager):
        with pytest.raises(PermissionDenied):
            add_party(user, org.case, "witness", "Someone")
        with pytest.raises(PermissionDenied):
            reveal_party(user, party)
        with pytest.raises(PermissionDenied):
            reveal_parties(user, org.case)
        assert reads_of(party, user) == 0
    assert org.case.parties.count() == 1


# --- the pages --------------------------------------------------------------------------


def test_the_team_sees_the_names_each_read_on_the_trail_and_never_cached(
    org: Org, keys: Settings
) -> None:
    victim = add_party(org.owner, org.case, "victim", NAME, CONTACT)
    reporter = add_party(org.owner, org.case, "reporter", "Priya Ramaswamy-Hale")
    page = org.client(org.colleague).get(f"/cases/{org.case.reference}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert NAME in body
    assert CONTACT in body
    assert "Priya Ramaswamy-Hale" in body
    assert page["X-Personal-Data"] == "1"
    assert page["Cache-Control"] == "no-store"
    assert reads_of(victim, org.colleague) == 1
    assert reads_of(reporter, org.colleague) == 1


def test_a_name_is_escaped_on_the_page(org: Org, keys: Settings) -> None:
    add_party(org.owner, org.case, "witness", "<script>alert(1)</script>")
    body = org.client(org.owner).get(f"/cases/{org.case.reference}/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_the_team_adds_a_party_through_the_form(org: Org, keys: Settings) -> None:
    client = org.client(org.owner)
    response = csrf_post(
        client,
        f"/cases/{org.case.reference}/parties/",
        {"role": "victim", "name": NAME, "contact": CONTACT},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{org.case.reference}/"
    party = org.case.parties.get()
    assert party.role == "victim"
    assert reveal_party(org.owner, party) == (NAME, CONTACT)
    assert NAME in client.get(response["Location"]).content.decode()


def test_the_form_refuses_a_party_without_a_name(org: Org, keys: Settings) -> None:
    client = org.client(org.owner)
    url = f"/cases/{org.case.reference}/parties/"
    response = csrf_post(client, url, {"role": "victim", "name": "   ", "contact": CONTACT})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    response = csrf_post(client, url, {"role": "suspect", "name": NAME})
    assert response.status_code == 400
    assert not org.case.parties.exists()


def test_the_form_is_post_only(org: Org, keys: Settings) -> None:
    response = org.client(org.owner).get(f"/cases/{org.case.reference}/parties/")
    assert response.status_code == 405


def test_the_outsider_can_neither_add_nor_see_a_party(org: Org, keys: Settings) -> None:
    party = add_party(org.owner, org.case, "victim", NAME, CONTACT)
    outsider = org.client(org.outsider)
    refused = csrf_post(
        outsider, f"/cases/{org.case.reference}/parties/", {"role": "witness", "name": "Intruder"}
    )
    assert refused.status_code == 404
    assert org.case.parties.count() == 1
    page = outsider.get(f"/cases/{org.case.reference}/")
    assert page.status_code == 404
    assert "Quillfeather" not in page.content.decode()
    assert reads_of(party, org.outsider) == 0


def test_the_subject_of_the_case_never_sees_who_reported_them(org: Org, keys: Settings) -> None:
    add_party(org.owner, org.case, "reporter", NAME)
    page = org.client(org.subject).get(f"/cases/{org.case.reference}/")
    assert page.status_code == 404
    assert "Quillfeather" not in page.content.decode()


def test_a_ciphertext_swapped_in_from_another_case_does_not_decrypt(
    org: Org, keys: Settings
) -> None:
    # Someone with database access copies a victim's name from a case they cannot see into
    # one they can, hoping the page will decrypt it for them.
    mine = add_party(org.owner, org.case, "victim", NAME)
    theirs = other_case(org).parties.get()
    set_raw(mine, "name_encrypted", raw_columns(theirs)[0])
    mine.refresh_from_db()
    with pytest.raises(DecryptionError, match="does not authenticate"):
        reveal_party(org.owner, mine)
    page = org.client(org.owner).get(f"/cases/{org.case.reference}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert OTHER_NAME not in body
    assert "Cannot be decrypted here" in body
    assert TrailEvent.objects.filter(action="decrypt-failed", subject_id=str(mine.pk)).exists()


def test_ciphertexts_swapped_between_two_rows_do_not_decrypt(org: Org, keys: Settings) -> None:
    first = add_party(org.owner, org.case, "victim", NAME)
    second = add_party(org.owner, org.case, "witness", OTHER_NAME)
    first_token, second_token = raw_columns(first)[0], raw_columns(second)[0]
    set_raw(first, "name_encrypted", second_token)
    set_raw(second, "name_encrypted", first_token)
    for party in (first, second):
        party.refresh_from_db()
        with pytest.raises(DecryptionError):
            reveal_party(org.owner, party)
    body = org.client(org.owner).get(f"/cases/{org.case.reference}/").content.decode()
    assert NAME not in body
    assert OTHER_NAME not in body


def test_a_ciphertext_moved_to_another_column_does_not_decrypt(org: Org, keys: Settings) -> None:
    party = add_party(org.owner, org.case, "victim", NAME, CONTACT)
    set_raw(party, "contact_encrypted", raw_columns(party)[0])
    party.refresh_from_db()
    with pytest.raises(DecryptionError, match="contact_encrypted"):
        reveal_party(org.owner, party)


def test_a_tampered_ciphertext_does_not_decrypt(org: Org, keys: Settings) -> None:
    party = add_party(org.owner, org.case, "victim", NAME)
    token = raw_columns(party)[0]
    middle = len(token) // 2
    changed = "A" if token[middle] != "A" else "B"
    set_raw(party, "name_encrypted", token[:middle] + changed + token[middle + 1 :])
    party.refresh_from_db()
    with pytest.raises(DecryptionError):
        reveal_party(org.owner, party)


# --- keys and rotation ------------------------------------------------------------------


def test_every_encrypted_field_is_registered_for_rotation() -> None:
    from django.apps import apps

    declared = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.name.endswith("_encrypted")
    }
    registered = {f"{label}.{name}" for label, names in ENCRYPTED_COLUMNS for name in names}
    assert declared == registered
    assert {c.label for c in encrypted_columns()} >= {
        "cases_caseparty.name_encrypted",
        "cases_caseparty.contact_encrypted",
    }


def test_the_keyring_follows_the_setting(keys: Settings) -> None:
    assert field_keyring().versions == (1,)
    keys.FIELD_KEYS = f"{KEY_1},{KEY_2}"
    assert field_keyring().versions == (1, 2)
    assert field_keyring() is field_keyring()


def test_rotation_moves_everything_to_the_new_key(org: Org, keys: Settings) -> None:
    victim = add_party(org.owner, org.case, "victim", NAME, CONTACT)
    reporter = add_party(org.owner, org.case, "reporter", OTHER_NAME)
    keys.FIELD_KEYS = f"{KEY_1},{KEY_2}"
    newer = add_party(org.owner, org.case, "witness", "Priya Ramaswamy-Hale", "by email")

    report = {r.column: r for r in rotate_field_keys()}
    name = report["cases_caseparty.name_encrypted"]
    contact = report["cases_caseparty.contact_encrypted"]
    assert (name.reencrypted, name.current, name.empty) == (2, 1, 0)
    assert (contact.reencrypted, contact.current, contact.empty) == (1, 1, 1)
    for party in (victim, reporter, newer):
        assert all(v == "" or token_version(v) == 2 for v in raw_columns(party))

    again = {r.column: r for r in rotate_field_keys()}
    assert again["cases_caseparty.name_encrypted"].reencrypted == 0
    assert again["cases_caseparty.name_encrypted"].current == 3

    event = TrailEvent.objects.filter(action="rotate-keys").order_by("seq").first()
    assert event is not None
    assert event.changes["key_version"] == 2
    assert event.changes["columns"]["cases_caseparty.name_encrypted"]["reencrypted"] == 2
    assert verify() == []

    # The old key can go: everything opens with the new key alone, and nothing with the old.
    for party in (victim, reporter, newer):
        party.refresh_from_db()
    keys.FIELD_KEYS = KEY_2
    assert reveal_party(org.owner, victim) == (NAME, CONTACT)
    assert reveal_party(org.owner, reporter) == (OTHER_NAME, "")
    keys.FIELD_KEYS = KEY_1
    with pytest.raises(DecryptionError, match="not in the keyring"):
        reveal_party(org.owner, victim)


def test_rotation_is_all_or_nothing(org: Org, keys: Settings) -> None:
    parties = [add_party(org.owner, org.case, "witness", f"Witness {i}") for i in range(3)]
    tampered = parties[1]
    set_raw(tampered, "contact_encrypted", raw_columns(tampered)[0])
    before = [raw_columns(p) for p in parties]
    keys.FIELD_KEYS = f"{KEY_1},{KEY_2}"
    with pytest.raises(RotationError, match="no value was re-encrypted") as caught:
        rotate_field_keys()
    assert str(tampered.pk) in str(caught.value)
    assert [raw_columns(p) for p in parties] == before
    assert not TrailEvent.objects.filter(action="rotate-keys").exists()


@pytest.mark.postgres
def test_rotation_refuses_a_role_that_row_level_security_binds(org: Org, keys: Settings) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    party = add_party(org.owner, org.case, "victim", NAME)
    keys.FIELD_KEYS = f"{KEY_1},{KEY_2}"
    with connection.cursor() as cursor:
        # As the application's own role, with no user set, the policies hide every party.
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(keys.DB_APP_ROLE)}")
    try:
        with pytest.raises(RotationError, match="row-level security hides rows"):
            rotate_field_keys()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert raw_columns(party)[0].startswith("v1:")


def test_rotation_pages_through_many_rows(
    org: Org, keys: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("custodes.web.encryption._PAGE", 2)
    parties = [add_party(org.owner, org.case, "witness", f"Witness {i}") for i in range(5)]
    keys.FIELD_KEYS = f"{KEY_1},{KEY_2}"
    report = {r.column: r for r in rotate_field_keys()}
    assert report["cases_caseparty.name_encrypted"].reencrypted == 5
    keys.FIELD_KEYS = KEY_2
    for i, party in enumerate(parties):
        party.refresh_from_db()
        assert reveal_party(org.owner, party)[0] == f"Witness {i}"


def test_the_rotate_command_reports_per_column(org: Org, keys: Settings) -> None:
    add_party(org.owner, org.case, "victim", NAME, CONTACT)
    keys.FIELD_KEYS = f"{KEY_1},{KEY_2}"
    done = CliRunner().invoke(app, ["keys", "rotate"])
    assert done.exit_code == 0, done.output
    assert "cases_caseparty.name_encrypted" in done.stdout
    assert "key version(s) 1 can be removed" in done.stdout
    assert NAME not in done.output


def test_the_rotate_command_fails_cleanly_and_changes_nothing(org: Org, keys: Settings) -> None:
    party = add_party(org.owner, org.case, "victim", NAME, CONTACT)
    set_raw(party, "name_encrypted", "v1:garbage")
    keys.FIELD_KEYS = f"{KEY_1},{KEY_2}"
    done = CliRunner().invoke(app, ["keys", "rotate"])
    assert done.exit_code == 1
    assert "no value was re-encrypted" in done.stderr
    assert raw_columns(party)[1].startswith("v1:")


def test_the_new_command_prints_the_next_key_line(keys: Settings) -> None:
    keys.FIELD_KEYS = f"{KEY_1},{KEY_2}"
    done = CliRunner().invoke(app, ["keys", "new"])
    assert done.exit_code == 0, done.output
    line = done.stdout.strip()
    assert Keyring.parse(line).versions == (3,)
    assert Keyring.parse(f"{KEY_1},{KEY_2},{line}").current == 3
    chosen = CliRunner().invoke(app, ["keys", "new", "--version", "7"])
    assert Keyring.parse(chosen.stdout.strip()).versions == (7,)


def test_a_bad_keyring_setting_is_reported_without_the_keys(keys: Settings) -> None:
    keys.FIELD_KEYS = f"{KEY_1},{KEY_1.replace('1:', '2:', 1)}"
    done = CliRunner().invoke(app, ["keys", "rotate"])
    assert done.exit_code == 1
    assert "hold the same key" in done.stderr
    assert KEY_1.split(":")[1] not in done.output
