"""Retention of portal reports: dates by channel and outcome, a force's copy, warnings, expiry.

Run on SQLite and PostgreSQL (DATABASE_URL). Reports are made and moved through their
statuses by the real actions; the day a status was reached is the trail's.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django import Settings

from custodes.crypto import DecryptionError, new_key_line
from custodes.web.portal import handling
from custodes.web.portal.actions import Upload, add_followup, report_view, submit_report
from custodes.web.portal.models import (
    OrganisationAccount,
    Report,
    ReportFile,
    ReportMessage,
    Status,
)
from custodes.web.portal.retention import (
    RulesFileError,
    add_months,
    expire_due,
    load_retention,
    retention_due,
    warnings,
)
from custodes.web.portal.sealing import unwrap_data_key
from custodes.web.trail.chain import verify
from custodes.web.trail.models import TrailEvent

WHAT = "Inspector Vollender-Asquith kept the seized phones, said Marisol Tregarthen"
HANDLER = 31
RETENTION_OFFICER = 77

# What the packaged rules say, written out here independently of retention.toml: months kept
# after the day the report reached the status, by channel (public, colleague, organisation).
EXPECTED_MONTHS = {
    "closed": (3, 3, 6),
    "routed": (12, 12, 12),
    "case-opened": (72, 72, 72),
    "safeguarding": (72, 72, 72),
}
CHANNELS = ("public", "colleague", "organisation")


@pytest.fixture
def keys(settings: Settings) -> Settings:
    settings.FIELD_KEYS = new_key_line(1)
    settings.PORTAL_RETENTION_FILE = None
    return settings


@pytest.fixture
def account(keys: Settings) -> OrganisationAccount:
    organisation = handling.add_organisation(
        name="Harbourside Women's Aid", kind="domestic-abuse", actor_id=None
    )
    return handling.add_organisation_account(
        organisation,
        username="h.okonjo",
        display_name="Hadiza Okonjo",
        password="a long enough password",  # noqa: S106 - a test account's
        actor_id=None,
    ).account


def make(
    channel: str,
    account: OrganisationAccount,
    category: str = "corruption",
    status: str | None = None,
) -> Report:
    content: dict[str, object] = {"what_happened": WHAT}
    if channel == "organisation":
        content["victim_consent"] = True
    report = submit_report(
        channel=channel,
        mode="anonymous",
        category=category,
        content=content,
        files=[Upload("note.txt", b"Seized phones: 3, never logged\n")],
        organisation_account=account if channel == "organisation" else None,
    ).report
    if status is not None:
        handling.set_status(report, status, handler_id=HANDLER, reason="Decided at triage")
    return Report.objects.get(pk=report.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("status", sorted(EXPECTED_MONTHS))
@pytest.mark.parametrize("channel", CHANNELS)
def test_each_channel_and_outcome_gets_its_date(
    account: OrganisationAccount, channel: str, status: str
) -> None:
    today = timezone.localdate()
    report = make(channel, account, status=status)
    months = EXPECTED_MONTHS[status][CHANNELS.index(channel)]
    assert retention_due(report) == add_months(today, months)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("category", "years"),
    [("abuse-of-position-sexual", 10), ("abuse-of-partner", 10), ("corruption", 6)],
)
def test_an_intelligence_record_is_kept_by_its_mopi_group(
    account: OrganisationAccount, category: str, years: int
) -> None:
    report = make("public", account, category=category, status=Status.INTELLIGENCE)
    assert retention_due(report) == add_months(timezone.localdate(), 12 * years)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [None, Status.ACKNOWLEDGED])
def test_a_report_still_being_handled_has_no_date(
    account: OrganisationAccount, status: str | None
) -> None:
    assert retention_due(make("public", account, status=status)) is None


@pytest.mark.django_db
def test_a_handlers_own_date_comes_first(account: OrganisationAccount) -> None:
    report = make("colleague", account, status=Status.CASE_OPENED)
    # The staff side records the case's own retention when the case closes.
    decided = timezone.localdate() + dt.timedelta(days=4000)
    Report.objects.filter(pk=report.pk).update(retain_until=decided)
    assert retention_due(Report.objects.get(pk=report.pk)) == decided


def test_months_are_counted_on_the_calendar() -> None:
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2026, 1, 15), 72) == dt.date(2032, 1, 15)


@pytest.mark.django_db
def test_a_forces_copy_changes_the_date(
    account: OrganisationAccount, keys: Settings, tmp_path: Path
) -> None:
    report = make("public", account, status=Status.CLOSED)
    today = timezone.localdate()
    own = tmp_path / "retention.toml"
    own.write_text(
        'force = "Wessex Police"\n[rules.nothing-followed]\npublic_months = 9\n'
        "[rules.intelligence]\ngroup_3_years = 7\n",
        encoding="utf-8",
    )
    rules = load_retention(own)
    assert rules.force == "Wessex Police"
    assert [(c.rule, c.param, c.packaged, c.value) for c in rules.changes] == [
        ("nothing-followed", "public_months", 3, 9),
        ("intelligence", "group_3_years", 6, 7),
    ]
    assert retention_due(report, rules) == add_months(today, 9)
    # The same copy, named in the settings, is the one every caller gets.
    keys.PORTAL_RETENTION_FILE = str(own)
    assert retention_due(report) == add_months(today, 9)
    # The colleague channel of the same rule was not changed.
    colleague = make("colleague", account, status=Status.CLOSED)
    assert retention_due(colleague) == add_months(today, 3)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[rules.nothing-followed]\npublic_months = 60\n", "rules.nothing-followed.public_months"),
        ("[rules.nothing-followed]\npublic_months = 0\n", "rules.nothing-followed.public_months"),
        ('[rules.nothing-followed]\npublic_months = "3"\n', "rules.nothing-followed.public_months"),
        (
            "[rules.nothing-followed]\npublic_months = true\n",
            "rules.nothing-followed.public_months",
        ),
        ("[rules.nothing-followed]\npublic_days = 30\n", "rules.nothing-followed.public_days"),
        ("[rules.kept-forever]\nyears = 1\n", "rules.kept-forever"),
        ("[rules.case-opened]\nyears = 101\n", "rules.case-opened.years"),
        ("retain_everything = true\n", "retain_everything"),
        ("[rules]\ncase-opened = 5\n", "rules.case-opened"),
    ],
)
def test_a_bad_copy_is_refused_naming_the_key(text: str, key: str) -> None:
    with pytest.raises(RulesFileError) as refused:
        load_retention(text)
    assert refused.value.key == key
    assert f"force copy: {key}: " in str(refused.value)


def test_a_copy_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    own = tmp_path / "own.toml"
    own.write_text("[rules.nothing-followed\n", encoding="utf-8")
    with pytest.raises(RulesFileError, match="not valid TOML"):
        load_retention(own)
    with pytest.raises(RulesFileError, match="cannot be read"):
        load_retention(tmp_path / "missing.toml")


def test_every_packaged_rule_cites_its_source() -> None:
    rules = load_retention()
    assert {s for rule in rules.rules for s in rule.statuses} == {
        "closed",
        "routed",
        "case-opened",
        "intelligence",
        "safeguarding",
    }
    for rule in rules.rules:
        assert rule.source and rule.url.startswith("https://"), rule.id


@pytest.mark.django_db
def test_warnings_list_only_those_due_within_the_window(account: OrganisationAccount) -> None:
    today = timezone.localdate()
    public_closed = make("public", account, status=Status.CLOSED)  # 3 months
    org_closed = make("organisation", account, status=Status.CLOSED)  # 6 months
    routed = make("colleague", account, status=Status.ROUTED)  # 12 months
    make("public", account)  # still new: never warned about
    three, six = add_months(today, 3), add_months(today, 6)

    def listed(on: dt.date, days: int) -> list[tuple[str, dt.date]]:
        return [(d.report.reference, d.due) for d in warnings(on, days)]

    assert listed(today, 30) == []
    assert listed(three - dt.timedelta(days=10), 9) == []
    assert listed(three - dt.timedelta(days=10), 10) == [(public_closed.reference, three)]
    # Past its day and not yet expired: still listed, first.
    assert listed(six, 0) == [(public_closed.reference, three), (org_closed.reference, six)]
    assert routed.reference not in [r for r, _ in listed(six, 30)]
    assert [d.rule for d in warnings(six, 0)] == ["nothing-followed", "nothing-followed"]


@pytest.mark.django_db
def test_expiry_leaves_no_content_and_a_record(account: OrganisationAccount) -> None:
    today = timezone.localdate()
    due = make("public", account, status=Status.CLOSED)
    add_followup(due, "He still has them", [Upload("more.txt", b"Phones 4 and 5\n")])
    handling.handler_message(due, handler_id=HANDLER, text="Which phones?", question=True)
    not_yet = make("organisation", account, status=Status.CLOSED)
    wrapped_before = due.data_key_encrypted
    sealed_before = bytes(due.content_sealed)

    on = add_months(today, 3)
    expired = expire_due(on, RETENTION_OFFICER)

    assert [r.reference for r in expired] == [due.reference]
    gone = Report.objects.get(pk=due.pk)
    assert gone.status == Status.EXPIRED and gone.expired_on == on
    assert bytes(gone.content_sealed) == b""
    assert gone.data_key_encrypted == "" and gone.receipt_lookup is None
    assert not ReportMessage.objects.filter(report=gone).exists()
    assert not ReportFile.objects.filter(report=gone).exists()
    # The record stays: that it existed, what kind, when it came and when it expired.
    assert (gone.reference, gone.channel, gone.category, gone.received_on) == (
        due.reference,
        "public",
        "corruption",
        due.received_on,
    )
    # Nothing in the database opens it now: the report's data key is gone.
    with pytest.raises(DecryptionError):
        unwrap_data_key(Report, gone.pk, gone.data_key_encrypted)
    assert sealed_before and wrapped_before  # there was content to delete
    events = TrailEvent.objects.filter(action="report-expired", subject_id=str(due.pk))
    assert [(e.actor_id, e.changes["expired_on"]) for e in events] == [
        (RETENTION_OFFICER, on.isoformat())
    ]
    assert verify() == []
    # The one not yet due is whole.
    assert report_view(Report.objects.get(pk=not_yet.pk))["content"]["what_happened"] == WHAT
    assert retention_due(gone) is None


@pytest.mark.django_db
def test_running_again_expires_nothing_twice(account: OrganisationAccount) -> None:
    today = timezone.localdate()
    make("public", account, status=Status.CLOSED)
    make("colleague", account, status=Status.SAFEGUARDING)
    on = add_months(today, 80)
    first = expire_due(on, None)
    assert len(first) == 2
    count = TrailEvent.objects.filter(action="report-expired").count()
    assert expire_due(on, None) == []
    assert expire_due(on + dt.timedelta(days=400), None) == []
    assert TrailEvent.objects.filter(action="report-expired").count() == count == 2
    assert warnings(on, 365) == []
