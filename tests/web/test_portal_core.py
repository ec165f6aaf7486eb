"""The reporting portal's core: sealed reports, receipts, the actions, expiry (SQLite and PG)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import uuid
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pytest_django import Settings

from custodes.crypto import DecryptionError, new_key_line, token_version
from custodes.web.encryption import encrypted_columns, rotate_field_keys
from custodes.web.portal import actions
from custodes.web.portal.actions import (
    Upload,
    add_followup,
    check_organisation_sign_in,
    file_bytes,
    open_with_receipt,
    reporter_view,
    submit_report,
)
from custodes.web.portal.handling import (
    add_organisation,
    add_organisation_account,
    expire,
    handler_message,
    record_received,
    set_status,
)
from custodes.web.portal.models import (
    Organisation,
    OrganisationAccount,
    Report,
    ReportFile,
    ReportMessage,
    Status,
)
from custodes.web.portal.receipts import (
    format_receipt,
    new_receipt,
    normalise_receipt,
    receipt_lookup,
)
from custodes.web.portal.sealing import (
    new_data_key,
    open_bytes,
    seal_bytes,
    unwrap_data_key,
    wrap_data_key,
)
from custodes.web.trail.chain import verify
from custodes.web.trail.models import TrailEvent

KEY_1 = new_key_line(1)
KEY_2 = new_key_line(2)
WHAT = "Sergeant Quimby-Halloran took cash from the Larkspur Row takings, twice"
PLACE = "Larkspur Row custody suite"
REPORTER = "Philippa Ndiaye-Strand"
CONTACT = "07700 900777"
FOLLOWUP = "He did it again on Tuesday, with Constable Verrinder watching"
REPLY = "Thank you: could you say which Tuesday?"
FILE_TEXT = b"Notebook page: Quimby-Halloran, 40 pounds, Verrinder present\n"
FILE_NAME = "notes-about-Quimby-Halloran.txt"


@pytest.fixture
def keys(settings: Settings) -> Settings:
    settings.FIELD_KEYS = KEY_1
    return settings


def content(**extra: Any) -> dict[str, Any]:
    return {
        "what_happened": WHAT,
        "where": PLACE,
        "when": "March 2026",
        "how_met": "custody",
        "officer_name": "Quimby-Halloran",
        **extra,
    }


def submit_confidential(files: tuple[Upload, ...] = ()) -> actions.Submitted:
    return submit_report(
        channel="colleague",
        mode="confidential",
        category="corruption",
        content=content(reporter_name=REPORTER, reporter_contact=CONTACT),
        files=files,
    )


# --- the envelope -----------------------------------------------------------------------


@pytest.mark.django_db
def test_envelope_round_trip_and_binding(keys: Settings) -> None:
    report_id, other_id = uuid.uuid4(), uuid.uuid4()
    key = new_data_key()
    wrapped = wrap_data_key(Report, report_id, key)
    assert token_version(wrapped) == 1
    assert unwrap_data_key(Report, report_id, wrapped) == key
    with pytest.raises(DecryptionError):
        unwrap_data_key(Report, other_id, wrapped)  # moved to another report's row
    sealed = seal_bytes(key, ReportFile, "original_sealed", report_id, FILE_TEXT)
    assert FILE_TEXT not in sealed
    assert open_bytes(key, ReportFile, "original_sealed", report_id, sealed) == FILE_TEXT
    with pytest.raises(DecryptionError):
        open_bytes(key, ReportFile, "cleaned_sealed", report_id, sealed)  # another column
    with pytest.raises(DecryptionError):
        open_bytes(new_data_key(), ReportFile, "original_sealed", report_id, sealed)
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    with pytest.raises(DecryptionError):
        open_bytes(key, ReportFile, "original_sealed", report_id, bytes(tampered))


def test_the_data_key_column_is_registered_for_rotation(db: None) -> None:
    labels = {column.label for column in encrypted_columns()}
    assert "portal_report.data_key_encrypted" in labels
    assert "portal_organisationaccount.totp_secret_encrypted" in labels


# --- submitting and returning -----------------------------------------------------------


@pytest.mark.django_db
def test_a_report_round_trips_and_the_reporter_returns(keys: Settings) -> None:
    made = submit_confidential((Upload(FILE_NAME, FILE_TEXT),))
    report = made.report
    assert report.reference.startswith("R-") and len(report.reference) == 10
    assert report.status == Status.NEW
    assert report.received_on == timezone.localdate()
    assert report.acknowledge_by == report.received_on + dt.timedelta(days=7)
    assert len(made.receipt) == 16 and made.receipt.isdigit()

    typed = "-".join(made.receipt[i : i + 4] for i in range(0, 16, 4))
    assert open_with_receipt(f"  {typed} ") == report
    assert open_with_receipt(format_receipt(made.receipt)) == report
    add_followup(report, FOLLOWUP)
    handler_message(report, handler_id=42, text=REPLY, question=True)

    view = reporter_view(Report.objects.get(pk=report.pk))
    assert view["content"] == content(reporter_name=REPORTER, reporter_contact=CONTACT)
    assert [(m["sender"], m["text"], m["question"]) for m in view["messages"]] == [
        ("reporter", FOLLOWUP, False),
        ("handler", REPLY, True),
    ]
    assert [f["name"] for f in view["files"]] == [FILE_NAME]
    stored = ReportFile.objects.get(report=report)
    assert stored.content_type == "text/plain" and stored.size == len(FILE_TEXT)
    assert file_bytes(stored, cleaned=False) == FILE_TEXT

    # The trail: nothing of the reporter's (the portal writes none); the handler's reply with
    # their id; the staff side's taking it in with only the date.
    events = list(TrailEvent.objects.filter(subject_id=str(report.id)).order_by("seq"))
    assert [(e.action, e.actor_id) for e in events] == [("report-message", 42)]
    record_received(report)
    received = TrailEvent.objects.order_by("-seq").first()
    assert received is not None and received.action == "report-received"
    assert received.actor_id is None
    assert received.changes == {"received_on": report.received_on.isoformat()}
    assert verify() == []


@pytest.mark.django_db
def test_the_acknowledgement_deadline_is_a_setting(keys: Settings) -> None:
    keys.PORTAL_ACKNOWLEDGE_DAYS = 3
    report = submit_confidential().report
    assert report.acknowledge_by == report.received_on + dt.timedelta(days=3)


@pytest.mark.django_db
def test_a_wrong_or_malformed_receipt_finds_nothing(keys: Settings) -> None:
    made = submit_confidential()
    wrong = str((int(made.receipt) + 1) % 10**16).zfill(16)
    assert open_with_receipt(wrong) is None
    assert open_with_receipt(made.receipt[:15]) is None
    assert open_with_receipt(made.receipt + "1") is None
    assert open_with_receipt("") is None
    assert open_with_receipt("١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦") is None  # other scripts' digits are not ours
    assert open_with_receipt(made.receipt) == made.report


def test_receipts_are_random_sixteen_digits_and_normalised() -> None:
    receipts = {new_receipt() for _ in range(200)}
    assert len(receipts) == 200
    assert all(len(r) == 16 and r.isascii() and r.isdigit() for r in receipts)
    assert normalise_receipt("1234 5678-9012–3456") == "1234567890123456"
    assert normalise_receipt("1234 5678 9012 345x") is None


def test_the_receipt_lookup_needs_the_server_secret(settings: Settings) -> None:
    receipt = "1234567890123456"
    first = receipt_lookup(receipt)
    assert first == receipt_lookup("1234-5678-9012-3456") and len(first) == 64
    settings.PORTAL_RECEIPT_SECRET = "another server's secret"  # noqa: S105 - a test's
    assert receipt_lookup(receipt) != first
    settings.PORTAL_RECEIPT_SECRET = ""
    with pytest.raises(Exception, match="PORTAL_RECEIPT_SECRET"):
        receipt_lookup(receipt)


# --- what is stored ---------------------------------------------------------------------


def _database_dump() -> bytes:
    """Return every byte of the test database as a dump tool sees it."""
    if connection.vendor == "sqlite":
        raw = connection.connection
        return "\n".join(raw.iterdump()).encode("utf-8")
    params = connection.settings_dict
    if shutil.which("pg_dump"):
        command = ["pg_dump", "--data-only", "--no-owner", "-h", str(params["HOST"] or "127.0.0.1")]
        command += ["-p", str(params["PORT"] or 5432), "-U", str(params["USER"]), params["NAME"]]
        env = {"PGPASSWORD": str(params.get("PASSWORD") or ""), "PATH": "/usr/bin:/bin"}
        return subprocess.run(command, check=True, capture_output=True, env=env).stdout
    # No pg_dump: every column of every table, read through SQL.
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks.append(repr(cursor.fetchall()).encode("utf-8"))
    return b"\n".join(chunks)


def _forms(text: str | bytes) -> list[bytes]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return [data, data.hex().encode(), data.hex().upper().encode()]


@pytest.mark.django_db(transaction=True)
def test_a_database_dump_holds_no_plaintext_of_a_report(keys: Settings) -> None:
    made = submit_confidential((Upload(FILE_NAME, FILE_TEXT),))
    add_followup(made.report, FOLLOWUP, (Upload("second.txt", b"Second file: Verrinder\n"),))
    handler_message(made.report, handler_id=7, text=REPLY, question=False)
    dump = _database_dump()
    assert made.report.reference.encode() in dump  # the dump is real and holds the report
    secrets_written = [WHAT, PLACE, REPORTER, CONTACT, FOLLOWUP, REPLY, FILE_NAME]
    secrets_written += ["Quimby-Halloran", "Verrinder", made.receipt]
    for secret in secrets_written:
        for form in _forms(secret):
            assert form not in dump, secret
    for form in _forms(FILE_TEXT[:30]):
        assert form not in dump


# --- key rotation -----------------------------------------------------------------------


@pytest.mark.django_db
def test_rotation_rewraps_data_keys_and_reports_still_open(keys: Settings) -> None:
    made = submit_confidential((Upload(FILE_NAME, FILE_TEXT),))
    handler_message(made.report, handler_id=7, text=REPLY, question=False)
    before = Report.objects.get(pk=made.report.pk)
    sealed_before = bytes(before.content_sealed)
    assert token_version(before.data_key_encrypted) == 1

    keys.FIELD_KEYS = f"{KEY_1},{KEY_2}"
    done = {r.column: r for r in rotate_field_keys()}
    assert done["portal_report.data_key_encrypted"].reencrypted == 1
    after = Report.objects.get(pk=made.report.pk)
    assert token_version(after.data_key_encrypted) == 2
    assert bytes(after.content_sealed) == sealed_before  # what the key seals is untouched

    keys.FIELD_KEYS = KEY_2  # the old key is gone
    report = open_with_receipt(made.receipt)
    assert report is not None
    view = reporter_view(report)
    assert view["content"]["what_happened"] == WHAT
    assert view["messages"][0]["text"] == REPLY
    assert file_bytes(ReportFile.objects.get(report=report), cleaned=False) == FILE_TEXT


# --- expiry -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_expiry_leaves_only_the_record(keys: Settings) -> None:
    made = submit_confidential((Upload(FILE_NAME, FILE_TEXT),))
    add_followup(made.report, FOLLOWUP)
    on = timezone.localdate() + dt.timedelta(days=90)
    expire(made.report, on=on)

    report = Report.objects.get(pk=made.report.pk)
    assert report.status == Status.EXPIRED and report.expired_on == on
    assert report.reference == made.report.reference  # it existed
    assert bytes(report.content_sealed) == b"" and report.data_key_encrypted == ""
    assert report.receipt_lookup is None
    assert not ReportMessage.objects.filter(report=report).exists()
    assert not ReportFile.objects.filter(report=report).exists()
    assert open_with_receipt(made.receipt) is None
    with pytest.raises(ValidationError):
        reporter_view(report)
    with pytest.raises(ValidationError):
        add_followup(report, "still there?")
    last = TrailEvent.objects.order_by("-seq").first()
    assert last is not None and last.action == "report-expired" and last.actor_id is None
    assert verify() == []


# --- the actions' checks ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "email"}, "channel"),
        ({"category": "murder"}, "category"),
        ({"mode": "secret"}, "mode"),
        ({"content": {"what_happened": "  "}}, "what_happened"),
        ({"content": {"what_happened": 12}}, "what_happened"),
        ({"content": content(how_met="by accident")}, "how_met"),
        ({"content": content(colour="blue")}, "colour"),
        ({"content": content(reporter_name=REPORTER)}, "reporter_name"),  # anonymous
        ({"content": content(where="x" * 501)}, "where"),
        ({"content": content(victim_consent=True)}, "victim_consent"),
        ({"mode": "confidential"}, "reporter_name"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    keys: Settings, kwargs: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {
        "channel": "public",
        "mode": "anonymous",
        "category": "abuse-of-position-sexual",
        "content": content(),
        **kwargs,
    }
    with pytest.raises(ValidationError) as refused:
        submit_report(**args)
    assert field in refused.value.message_dict
    assert not Report.objects.exists()


def _docx(macro: bool = False) -> bytes:
    """Return a real Word document (python-docx), with a VBA project inside if asked."""
    import docx

    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Statement about Quimby-Halloran")
    document.save(buffer)
    if not macro:
        return buffer.getvalue()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(out, "w") as archive,
    ):
        for item in source.infolist():
            archive.writestr(item, source.read(item))
        archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    return out.getvalue()


def _png() -> bytes:
    """Return a real PNG (Pillow)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("holiday.jpg", b"MZ\x90\x00\x03" + b"\x00" * 100),  # a Windows program called a photo
        ("notes.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 100),
        ("notes.txt", b"#!/bin/sh\nrm -rf ~\n"),
        ("letter.docx", _docx(macro=True)),
        ("run.exe", b"plain words"),
        ("blob.bin", bytes(range(256))),
        ("empty.txt", b""),
    ],
)
def test_programs_and_unknown_files_are_refused_by_their_bytes(
    keys: Settings, name: str, data: bytes
) -> None:
    with pytest.raises(ValidationError) as refused:
        submit_confidential((Upload(name, data),))
    assert "files" in refused.value.message_dict
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_accepted_files_are_typed_by_their_bytes_and_capped(keys: Settings) -> None:
    png = _png()
    made = submit_confidential(
        (Upload("C:\\Users\\me\\photo.dat", png), Upload("../../letter", _docx()))
    )
    files = list(ReportFile.objects.filter(report=made.report))
    assert [f.content_type for f in files] == [
        "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]
    assert [f["name"] for f in reporter_view(made.report)["files"]] == ["photo.dat", "letter"]
    # The cleaned copy comes from custodes.files (mat2); where that cannot run, the record
    # says so and there is no cleaned copy to hand out by mistake.
    for stored in files:
        assert stored.cleaning in ("cleaned", "unavailable", "failed")
        if stored.cleaning == "cleaned":
            assert file_bytes(stored)[:4] == file_bytes(stored, cleaned=False)[:4]
        else:
            with pytest.raises(ValidationError):
                file_bytes(stored)
    keys.PORTAL_FILE_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="too large"):
        add_followup(made.report, "one more", (Upload("big.txt", b"x" * 11),))


@pytest.mark.django_db
def test_an_organisation_reports_from_its_account_with_consent(keys: Settings) -> None:
    today = timezone.localdate()
    organisation = Organisation.objects.create(
        name="Larkspur Women's Aid", kind="domestic-abuse", added_on=today
    )
    account = OrganisationAccount.objects.create(
        organisation=organisation,
        username="worker@larkspur.example",
        display_name="A worker",
        password_hash="argon2$...",  # noqa: S106 - no sign-in here
        added_on=today,
    )
    args: dict[str, Any] = {
        "channel": "organisation",
        "mode": "confidential",
        "category": "abuse-of-partner",
        "content": content(reporter_name="A worker", victim_consent=True),
    }
    with pytest.raises(ValidationError) as refused:
        submit_report(**args)
    assert "organisation_account" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        submit_report(
            **{**args, "content": content(reporter_name="A worker")}, organisation_account=account
        )
    assert "victim_consent" in refused.value.message_dict
    made = submit_report(**args, organisation_account=account)
    assert list(account.reports.all()) == [made.report]
    assert reporter_view(made.report)["content"]["victim_consent"] is True


@pytest.mark.django_db
def test_handlers_statuses_are_checked_and_on_the_trail(keys: Settings) -> None:
    report = submit_confidential().report
    with pytest.raises(ValidationError):
        set_status(report, "expired", handler_id=5, reason="tidy")
    with pytest.raises(ValidationError):
        set_status(report, "routed", handler_id=5, reason="")
    set_status(report, "acknowledged", handler_id=5, reason="Read and acknowledged")
    assert Report.objects.get(pk=report.pk).status == "acknowledged"
    event = TrailEvent.objects.order_by("-seq").first()
    assert event is not None and event.actor_id == 5 and event.action == "report-status"
    assert event.changes == {"status": ["new", "acknowledged"]}


# --- hostile input ----------------------------------------------------------------------

seen: set[uuid.UUID] = set()  # reports the property test made and checked
hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from("<>&\"'\x00/\\script\u202e\u200b\ufeffé漢😀"), max_size=300),
    # Very long: some past every cap, some just under the longest.
    st.tuples(st.text(min_size=1, max_size=12), st.integers(1_500, 4_000)).map(
        lambda part: part[0] * part[1]
    ),
    st.just("\x00" * 50),
    st.just("<script>alert(1)</script>\x00"),
)


@pytest.mark.django_db
@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    what=hostile_text,
    where=hostile_text,
    officer=st.one_of(hostile_text, st.integers(), st.none(), st.binary(max_size=10)),
)
def test_hostile_input_is_refused_cleanly_or_reads_back_exactly(
    keys: Settings, what: str, where: str, officer: object
) -> None:
    answers: dict[str, Any] = {"what_happened": what, "where": where, "officer_name": officer}
    refused: ValidationError | None = None
    try:
        made = submit_report(channel="public", mode="anonymous", category="other", content=answers)
    except ValidationError as error:
        refused = error
    if refused is not None:
        # Refused cleanly: naming a field that was given, and nothing stored.
        assert set(refused.message_dict) <= {"what_happened", "where", "officer_name"}
        assert not Report.objects.filter(receipt_lookup__isnull=False).exclude(pk__in=seen).exists()
        return
    seen.add(made.report.pk)
    back = reporter_view(open_with_receipt(made.receipt))  # type: ignore[arg-type]
    expected = {
        key: value.replace("\x00", "")
        for key, value in answers.items()
        if isinstance(value, str) and value.replace("\x00", "")
    }
    assert back["content"] == expected


# --- support organisations' accounts ----------------------------------------------------


@pytest.mark.django_db
def test_an_organisation_account_signs_in_with_password_and_a_code_once(
    keys: Settings,
) -> None:
    import base64
    import time

    from django_otp.oath import TOTP

    organisation = add_organisation(name="Larkspur Rape Crisis", kind="sexual-violence", actor_id=3)
    new = add_organisation_account(
        organisation,
        username="Worker@Larkspur.example",
        display_name="Ade Worker",
        password="a long passphrase, really",  # noqa: S106 - a test account's
        actor_id=3,
    )
    stored = OrganisationAccount.objects.get(pk=new.account.pk)
    assert new.totp_secret not in stored.totp_secret_encrypted
    assert "passphrase" not in stored.password_hash
    now = time.time()
    code = f"{TOTP(base64.b32decode(new.totp_secret)).token():06d}"
    assert check_organisation_sign_in("worker@larkspur.example", "wrong", code, at=now) is None
    assert check_organisation_sign_in("nobody", "a long passphrase, really", code) is None
    signed = check_organisation_sign_in(
        " WORKER@larkspur.example", "a long passphrase, really", code, at=now
    )
    assert signed == stored
    # The same code again is refused: it was used.
    again = check_organisation_sign_in(
        "worker@larkspur.example", "a long passphrase, really", code, at=now
    )
    assert again is None
    actions_seen = list(
        TrailEvent.objects.filter(subject_type="organisation-account").values_list(
            "action", flat=True
        )
    )
    # Made by staff, on the trail; the portal's sign-ins are not (it holds no trail key).
    assert actions_seen == ["create"]
    # Rotation re-encrypts the TOTP secret too.
    keys.FIELD_KEYS = f"{KEY_1},{KEY_2}"
    done = {r.column: r for r in rotate_field_keys()}
    assert done["portal_organisationaccount.totp_secret_encrypted"].reencrypted == 1


# --- the portal process holds no trail ----------------------------------------------------

PORTAL_PROCESS = """
import sys
import django
django.setup()
from django.conf import settings
from custodes.web.portal.actions import add_followup, open_with_receipt
from custodes.web.portal.actions import reporter_view, submit_report
made = submit_report(channel="public", mode="anonymous", category="other",
                     content={"what_happened": "Seen at the desk"})
report = open_with_receipt(made.receipt)
add_followup(report, "And again on Friday")
view = reporter_view(open_with_receipt(made.receipt))
print([m["text"] for m in view["messages"]], view["content"]["what_happened"])
print("trail-app", any("trail" in app for app in settings.INSTALLED_APPS))
print("trail-key", hasattr(settings, "TRAIL_KEY"))
print("trail-loaded", sorted(m for m in sys.modules if m.startswith("custodes.web.trail")))
"""


def test_the_portal_process_reports_without_the_trail(tmp_path: Any) -> None:
    """Under the portal's settings a report is made, returned to and followed up, and no
    module of the trail is loaded, no trail app installed, no trail key held."""
    import os
    import sys

    from tests.web.portal_server import portal_env, run

    env = portal_env(tmp_path, database_url="")
    env["DATABASE_URL"] = ""
    migrated = run(env, "web", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    env["DJANGO_SETTINGS_MODULE"] = "custodes.web.portal_settings"
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    done = subprocess.run(
        [sys.executable, "-c", PORTAL_PROCESS],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "['And again on Friday'] Seen at the desk"
    assert lines[1:] == ["trail-app False", "trail-key False", "trail-loaded []"]
