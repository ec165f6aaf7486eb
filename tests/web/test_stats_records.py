"""Statistics from custodes' own cases: each frame counted against the database by plain
queries and against the synthetic caseload's truth, and the planted failures showing in the
published tables (a mandatory referral not made or made late, a list report late)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.db import connection, transaction
from django.utils import timezone

from custodes.stats.disclosure import ALL, COUNT, round_to_base
from custodes.stats.records import ALLEGATION_DIMENSIONS, NOT_RECORDED, STAGES
from custodes.synth import Caseload, generate_caseload
from custodes.web.accounts.models import User
from custodes.web.cases.models import Allegation, Case, Decision, ListReport
from custodes.web.cases.synthetic import load_caseload
from custodes.web.demo import make_demo
from custodes.web.stats.actions import publish_cases
from custodes.web.stats.records import StatsError, case_records
from custodes.web.trail.models import TrailEvent
from tests.web.conftest import Org
from tests.web.test_postgres_security import as_app

# Big enough that the 10-5 rule publishes the referral and list-report totals.
MATTERS = 120


@pytest.fixture(name="caseload", scope="class")
def caseload_fixture(django_db_setup: None, django_db_blocker: Any) -> Iterator[Caseload]:
    """The caseload, loaded once for the class's tests (it takes seconds) and rolled back
    after them; each test's own writes are rolled back after it, as ever."""
    with django_db_blocker.unblock(), transaction.atomic():
        make_demo()
        people = {u.username: u for u in User.objects.all()}
        caseload = generate_caseload(today=timezone.localdate(), matters=MATTERS, seed=1)
        load_caseload(caseload, people)
        yield caseload
        transaction.set_rollback(True)


def planted(caseload: Caseload, kind: str) -> int:
    """Count the failures of one kind the caseload planted."""
    return sum(1 for f in caseload.failures() if f.kind == kind)


def published(folder: Path, table: str) -> pd.DataFrame:
    """Return a published table's CSV, as an outsider downloads it."""
    return pd.read_csv(folder / "data" / f"{table}.csv", dtype=str, keep_default_na=False)


def cell(frame: pd.DataFrame, measure: str, **where: str) -> str:
    """Return one published value ("" when withheld)."""
    rows = frame[frame["measure"] == measure]
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, (measure, where)
    return str(rows["value"].iloc[0])


@pytest.mark.usefixtures("db")
class TestTheCaseload:
    """The tests on one caseload of MATTERS synthetic matters and the demo's own case."""

    def test_the_allegation_records_count_what_the_database_holds(self, caseload: Caseload) -> None:
        """One row per allegation; each stage counted as a plain query counts it."""
        frame = case_records().allegations
        stages = [s.column for s in STAGES]
        assert list(frame.columns) == ["record_id", *ALLEGATION_DIMENSIONS, *stages]
        assert len(frame) == Allegation.objects.count() > MATTERS
        assert set(frame["record_id"]) == {
            str(pk) for pk in Allegation.objects.values_list("pk", flat=True)
        }
        every = Allegation.objects.all()
        expected = {
            "received": every.count(),
            "recorded": every.filter(case__recorded=True).count(),
            "referred": every.filter(case__referred_at__isnull=False).count(),
            "investigated": every.filter(case__investigator__isnull=False).count(),
            "case_to_answer": every.filter(subject__case_to_answer=True).count(),
            "proceedings": every.exclude(subject__forum__in=["", "none"]).count(),
            "list_entry": every.filter(
                subject__list_reports__action=ListReport.Action.ADD,
                subject__list_reports__status__in=[ListReport.Status.DUE, ListReport.Status.SENT],
            )
            .distinct()
            .count(),
        }
        counted = {stage: int(frame[stage].sum()) for stage in expected}
        assert counted == expected
        # Every stage a case can reach is reached by some allegation, and none by all.
        for stage in ("recorded", "referred", "investigated", "case_to_answer", "proceedings"):
            assert 0 < counted[stage] < len(frame), stage
        assert int(frame["list_entry"].sum()) > 0
        assert frame[stages].dtypes.eq(bool).all()
        # custodes holds no subject's sex or ethnicity.
        assert set(frame["sex"]) == set(frame["ethnicity"]) == {NOT_RECORDED}
        sexual = every.filter(
            category__in=["abuse-of-position-sexual", "sexual-harassment"]
        ).count()
        assert (frame["category_group"] == "sexual").sum() >= sexual > 0
        assert ((frame["sexual"] == "sexual") == (frame["category_group"] == "sexual")).all()
        # A substantiated allegation has a finding on the merits and is closed for its subject.
        substantiated = frame[frame["substantiated"]]
        assert len(substantiated) and substantiated["finding_made"].all()
        assert substantiated["closed"].all()
        assert (frame.loc[~frame["closed"], "days_band"] == NOT_RECORDED).all()
        assert (frame.loc[frame["closed"], "days_band"] != NOT_RECORDED).all()
        assert frame["dismissed"].sum() <= frame["action_taken"].sum()

    def test_the_matter_records_show_the_planted_referral_failures(
        self, caseload: Caseload
    ) -> None:
        """Required is what the truth says is mandatory; the departures and late referrals
        planted are the ones counted."""
        frame = case_records().matters
        assert frame is not None
        # The synthetic matters, and the demo's own case.
        assert len(frame) == Case.objects.count() == MATTERS + 1
        required = int(frame["referral_required"].sum())
        assert required == Case.objects.filter(referral_mandatory=True).count()
        assert required == sum(m.mandatory for m in caseload.matters)
        referred = int(frame["referred_when_required"].sum())
        on_time = int(frame["referred_on_time"].sum())
        assert (
            referred
            == Case.objects.filter(referral_mandatory=True, referred_at__isnull=False).count()
        )
        assert referred - on_time == planted(caseload, "referral-late") > 0
        assert required - referred >= (
            planted(caseload, "referral-departure") + planted(caseload, "referral-overdue")
        )
        departed = int(frame["referral_departed"].sum())
        assert departed == planted(caseload, "referral-departure") > 0
        assert departed == (
            Decision.objects.filter(step=Decision.Step.REFERRAL, departs=True)
            .values("case")
            .distinct()
            .count()
        )

    def test_the_list_report_records_show_the_planted_lateness(self, caseload: Caseload) -> None:
        """Every addition not withdrawn is required; the overdue and late ones planted show."""
        frame = case_records().list_reports
        assert frame is not None
        additions = ListReport.objects.filter(action=ListReport.Action.ADD).exclude(
            status=ListReport.Status.WITHDRAWN
        )
        assert len(frame) == additions.count() > 0
        sent = int(frame["list_reports_sent"].sum())
        assert sent == additions.filter(sent_at__isnull=False).count()
        assert len(frame) - sent >= planted(caseload, "list-report-overdue") > 0
        late = sent - int(frame["list_reports_on_time"].sum())
        assert late == planted(caseload, "list-report-late") > 0

    def test_as_of_a_date_only_what_was_known_then_counts(self, caseload: Caseload) -> None:
        """As of today, the records are everything held; as of a day before a late referral was
        made, its matter is required and not yet referred, and later matters are not there."""
        now = case_records()
        today = case_records(as_of=timezone.localdate())
        for a, b in ((now.allegations, today.allegations), (now.matters, today.matters)):
            pd.testing.assert_frame_equal(a, b)
        late = next(f for f in caseload.failures() if f.kind == "referral-late")
        case = Case.objects.get(reference=late.reference)
        assert case.referred_at is not None
        before = timezone.localdate(case.referred_at) - dt.timedelta(days=1)
        then = case_records(as_of=before)
        assert then.matters is not None
        row = then.matters.set_index("record_id").loc[str(case.pk)]
        assert bool(row["referral_required"]) and not bool(row["referred_when_required"])
        assert len(then.matters) == Case.objects.filter(came_to_attention__lte=before).count()
        assert len(then.matters) < MATTERS
        # A substantiated allegation was not substantiated the day before its outcome was given.
        found = Allegation.objects.filter(
            subject__outcome_on__isnull=False, subject__finding="misconduct"
        )
        allegation = found.select_related("subject").first()
        assert allegation is not None and allegation.subject.outcome_on is not None
        eve = allegation.subject.outcome_on - dt.timedelta(days=1)
        rows = {
            day: case_records(as_of=day).allegations.set_index("record_id").loc[str(allegation.pk)]
            for day in (eve, allegation.subject.outcome_on)
        }
        assert not rows[eve]["substantiated"] and rows[eve]["finding"] == "open"
        assert rows[allegation.subject.outcome_on]["substantiated"]

    def test_the_published_tables_show_the_failures_and_the_trail_keeps_no_count(
        self, caseload: Caseload, tmp_path: Path
    ) -> None:
        """Published: referrals required above those made, made above made on time, list reports
        due above those sent on time, each the true count rounded where the 10-5 rule shows it.
        The trail records the publication with what was withheld, never a count."""
        result = publish_cases(tmp_path / "pub")
        records = case_records()
        assert records.matters is not None and records.list_reports is not None
        referral = published(result.out, "referral_compliance")
        values = {
            m: cell(referral, m, year=ALL)
            for m in (COUNT, "referral_required", "referred_when_required", "referred_on_time")
        }
        truth = {
            COUNT: len(records.matters),
            "referral_required": int(records.matters["referral_required"].sum()),
            "referred_when_required": int(records.matters["referred_when_required"].sum()),
            "referred_on_time": int(records.matters["referred_on_time"].sum()),
        }
        shown = {m: int(v) for m, v in values.items() if v != ""}
        assert shown, values
        for measure, value in shown.items():
            assert value == round_to_base(truth[measure], 5), measure
        assert shown[COUNT] == round_to_base(Case.objects.count(), 5)
        assert (
            truth["referral_required"] > truth["referred_when_required"] > truth["referred_on_time"]
        )
        if "referral_required" in shown and "referred_when_required" in shown:
            assert shown["referral_required"] >= shown["referred_when_required"]
        lists = published(result.out, "list_reports")
        due = cell(lists, COUNT, year=ALL, list_type=ALL)
        assert due == "" or int(due) == round_to_base(len(records.list_reports), 5)
        event = TrailEvent.objects.get(action="publish-statistics")
        assert event.subject_type == "statistics"
        assert event.changes["out"] == str(result.out)
        assert event.changes["tables"] == result.tables
        assert event.changes["suppressed"] == result.suppressed
        assert "units" not in event.changes
        assert str(len(records.allegations)) not in str(event.changes["tables"])


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_as_the_application_s_role_publishing_refuses(org: Org, tmp_path: Path) -> None:
    """Row-level security would show the web app's role only the cases it may see: statistics
    of part of the caseload passed off as the whole are refused, and nothing is written."""
    out = tmp_path / "pub"
    with as_app(org.owner), pytest.raises(StatsError, match="owner"):
        publish_cases(out)
    assert not out.exists()
    assert not TrailEvent.objects.filter(action="publish-statistics").exists()
