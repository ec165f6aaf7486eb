"""`custodes cases export`: cases carried along their path by the real actions, exported to the
officer-history format and read back; pseudonymised exports hold no name, force user id or case
reference, and are stable under one key; bad arguments write nothing; the trail records it."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from django.db import connection
from typer.testing import CliRunner, Result

from custodes.caserules import check_history
from custodes.cli import app
from custodes.history import import_history, load_history
from custodes.web.cases import path
from custodes.web.cases.export import SOURCES, ExportError, export_cases, officer_key
from custodes.web.cases.matter import NewAllegation, NewSubject, take_in
from custodes.web.cases.models import Case
from custodes.web.trail.chain import verify
from custodes.web.trail.kinds import Action
from custodes.web.trail.models import TrailEvent
from tests.web.case_helpers import (
    REASON,
    Dept,
    days_ago,
    dept_fixture,  # noqa: F401 - a fixture
    subject_of,
    take_in_apsp,
)
from tests.web.test_postgres_security import as_app

KEY = "k3y-for-the-statistics-unit-0123456789abcdef"
OTHER_KEY = "another-key-for-early-intervention-9876543210"
ALERT_ID = "5f0c7d5e-alert-record-7731"
NAMES = ("Daniel", "Reeve", "Mark", "Tolley", "Priya", "Shah")
FORCE_IDS = ("XF-7731", "XF-5520")
REFERENCES = ("PSD-2026-0100", "PSD-2026-0101", "PSD-2026-0102")


@pytest.fixture
def d(dept: Dept) -> Dept:
    """Return the department, by a short name."""
    return dept


@pytest.fixture
def caseload(d: Dept) -> dict[str, Case]:
    """Three cases through the real actions: PC Reeve dismissed for abuse of position for a
    sexual purpose; PC Tolley resigned while under investigation; an open conduct matter from an
    access-audit alert about PC Shah."""
    dismissed = take_in_apsp(d, "PSD-2026-0100")
    reeve = subject_of(dismissed)
    path.decide_recording(d.authority, dismissed, record_it=True, reason=REASON)
    path.decide_referral(d.authority, dismissed, refer=True, reason=REASON)
    path.assess_severity(d.authority, reeve, level="gross-misconduct", reason=REASON)
    path.appoint_investigator(d.authority, dismissed, d.investigator, REASON)
    path.serve_notice(d.investigator, reeve, days_ago(1))
    path.submit_report(d.investigator, dismissed, REASON, days_ago(0))
    path.decide_case_to_answer(
        d.authority, reeve, answer=True, level="gross-misconduct", reason=REASON
    )
    path.arrange_proceedings(
        d.authority, reeve, forum="hearing", held_on=days_ago(0), reason=REASON
    )
    path.record_outcome(
        d.authority,
        reeve,
        finding="gross-misconduct",
        outcome="dismissal-without-notice",
        reason=REASON,
    )

    resigned = take_in_apsp(
        d,
        "PSD-2026-0101",
        came=40,
        subjects=[
            NewSubject(
                force="XF",
                force_user_id="XF-7731",
                first_name="Mark",
                last_name="Tolley",
                birth_date=dt.date(1985, 7, 9),
                rank="PC",
                unit="response-north",
            )
        ],
    )
    tolley = subject_of(resigned)
    path.decide_recording(d.authority, resigned, record_it=True, reason=REASON)
    path.record_leaving(d.authority, tolley, left_on=days_ago(2), how="resigned", reason=REASON)

    open_case = take_in(
        d.intake,
        "PSD-2026-0102",
        "Looked up a neighbour's address on the intelligence system",
        kind=Case.Kind.CONDUCT,
        source=Case.Source.AUDIT_ALERT,
        source_record=("audit-alert", ALERT_ID),
        came_to_attention=days_ago(5),
        arose_on=days_ago(9),
        subjects=[
            NewSubject(
                force="XF",
                force_user_id="XF-5520",
                first_name="Priya",
                last_name="Shah",
                rank="DC",
            )
        ],
        allegations=[NewAllegation(0, "abuse-of-position-other", "Looked up a neighbour")],
    )
    return {"dismissed": dismissed, "resigned": resigned, "open": open_case}


def cli(*args: str) -> Result:
    """Run `custodes cases …` in this process, on the test database."""
    return CliRunner().invoke(app, ["cases", *args])


def read(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def key_file(tmp_path: Path, text: str, name: str = "export.key") -> Path:
    path = tmp_path / name
    path.write_text(text + "\n", encoding="utf-8")
    return path


def exports() -> list[TrailEvent]:
    return list(TrailEvent.objects.filter(action=Action.EXPORT_CASES).order_by("seq"))


def test_every_case_exports_with_its_finding_and_outcome_in_the_format_s_groups(
    caseload: dict[str, Case], tmp_path: Path
) -> None:
    out = tmp_path / "history"
    done = cli("export", "--out", str(out))
    assert done.exit_code == 0, done.output
    cases = Case.objects.count()  # the org's own case too: a subject with no allegation yet
    assert f"{cases} cases" in done.output and "3 allegations" in done.output
    assert check_history(out) == []

    by_complaint = {row["complaint_ref"]: row for row in read(out, "allegations")}
    assert set(by_complaint) == set(REFERENCES)
    apsp = by_complaint["PSD-2026-0100"]
    assert (apsp["category"], apsp["category_group"]) == ("abuse-of-position-sexual", "sexual")
    assert (apsp["finding"], apsp["outcome_group"]) == ("substantiated", "dismissed")
    assert apsp["outcome"] == "dismissal-without-notice"
    assert apsp["closed_date"] == days_ago(0).isoformat()
    assert apsp["received_date"] == days_ago(20).isoformat()
    assert apsp["incident_date"] == days_ago(50).isoformat()
    assert apsp["source"] == SOURCES[Case.Source.SUPPORT_ORGANISATION] == "public"

    left = by_complaint["PSD-2026-0101"]
    assert left["outcome_group"] == "resigned-under-investigation"
    assert left["outcome"] == "resigned-under-investigation"
    assert (left["finding"], left["closed_date"]) == ("open", "")
    assert left["officer_ref"] == "XF:XF-7731"

    still = by_complaint["PSD-2026-0102"]
    assert (still["finding"], still["closed_date"], still["outcome_group"]) == ("open", "", "")
    assert (still["source"], still["category_group"]) == ("audit", "abuse-of-authority")

    officers = {row["officer_ref"]: row for row in read(out, "officers")}
    reeve = subject_of(caseload["dismissed"])
    assert officers[officer_key(reeve)]["last_name"] == "Reeve"
    assert officers[officer_key(reeve)]["birth_year"] == "1990"
    assert officers[officer_key(reeve)]["left_reason"] == "dismissed"
    assert officers["XF:XF-7731"]["left_reason"] == "resigned"
    assert officers["XF:XF-7731"]["left_date"] == days_ago(2).isoformat()
    assert officers["XF:XF-5520"]["left_date"] == ""

    events = {(e["officer_ref"], e["kind"]): e for e in read(out, "events")}
    barred = events[(officer_key(reeve), "list-report")]
    assert barred["detail"].startswith("barred list, Add to the list: dismissed on ")
    assert "advisory list" in events[("XF:XF-7731", "list-report")]["detail"]
    alert = events[("XF:XF-5520", "access-audit-alert")]
    assert alert["date"] == days_ago(5).isoformat()
    assert ALERT_ID in alert["detail"] and "PSD-2026-0102" in alert["detail"]

    [event] = exports()
    assert event.actor_id is None
    assert "every case" in event.changes["scope"]
    assert event.changes["by"]  # who ran it on the server
    assert event.changes["rows"] == {"officers": cases, "allegations": 3, "events": 3}
    assert event.changes["cases"] == cases
    assert event.changes["pseudonymised"] is False
    assert event.changes["format"] == "csv"
    assert verify() == []


def test_parquet_holds_the_same_rows_in_the_spec_s_types(
    caseload: dict[str, Case], tmp_path: Path
) -> None:
    done = cli("export", "--out", str(tmp_path / "p"), "--format", "parquet")
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == [
        "allegations.parquet",
        "events.parquet",
        "officers.parquet",
    ]
    assert check_history(tmp_path / "p") == []
    rows = pq.read_table(tmp_path / "p" / "allegations.parquet").to_pylist()
    dismissed = next(r for r in rows if r["complaint_ref"] == "PSD-2026-0100")
    assert dismissed["received_date"] == days_ago(20)
    assert (dismissed["finding"], dismissed["outcome_group"]) == ("substantiated", "dismissed")


def _every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_pseudonymised_export_names_nobody_and_no_case(
    caseload: dict[str, Case], tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "pseudo"
    key = key_file(tmp_path, KEY)
    done = cli("export", "--out", str(out), "--format", fmt, "--pseudonymise-key", str(key))
    assert done.exit_code == 0, done.output
    assert check_history(out) == []
    held = _every_byte(out)
    reeve = subject_of(caseload["dismissed"])
    for secret in (*NAMES, *FORCE_IDS, *REFERENCES, ALERT_ID, officer_key(reeve), "PSD-"):
        assert secret.encode() not in held, secret
    assert KEY.encode() not in held
    if fmt == "csv":
        officers = read(out, "officers")
        assert {o["birth_year"] for o in officers} == {""}
        assert {o["first_name"] for o in officers} == {""}
        groups = {(a["finding"], a["outcome_group"]) for a in read(out, "allegations")}
        assert ("substantiated", "dismissed") in groups
    [event] = exports()
    assert event.changes["pseudonymised"] is True
    assert len(event.changes["key_fingerprint"]) == 16
    assert KEY not in str(event.changes)


def test_pseudonyms_are_stable_under_one_key_and_differ_under_another(
    caseload: dict[str, Case], tmp_path: Path
) -> None:
    key, other = key_file(tmp_path, KEY), key_file(tmp_path, OTHER_KEY, "other.key")
    for name, used in (("one", key), ("two", key), ("three", other)):
        done = cli("export", "--out", str(tmp_path / name), "--pseudonymise-key", str(used))
        assert done.exit_code == 0, done.output
    for table in ("officers", "allegations", "events"):
        assert read(tmp_path / "one", table) == read(tmp_path / "two", table), table
    one = {o["officer_ref"] for o in read(tmp_path / "one", "officers")}
    three = {o["officer_ref"] for o in read(tmp_path / "three", "officers")}
    assert len(one) == len(three) == Case.objects.count()
    assert one.isdisjoint(three)
    complaints = {a["complaint_ref"] for a in read(tmp_path / "one", "allegations")}
    assert complaints.isdisjoint(
        a["complaint_ref"] for a in read(tmp_path / "three", "allegations")
    )
    # Each allegation still points at its officer, and each officer keeps their own groups.
    refs = {a["officer_ref"] for a in read(tmp_path / "one", "allegations")}
    assert len(refs) == 3 and refs <= one
    fingerprints = [e.changes["key_fingerprint"] for e in exports()]
    assert fingerprints[0] == fingerprints[1] != fingerprints[2]


def test_an_officer_in_two_cases_is_one_officer(d: Dept, tmp_path: Path) -> None:
    first = take_in_apsp(d, "PSD-2026-0200", team=False)
    second = take_in_apsp(d, "PSD-2026-0201", came=3, team=False)
    assert subject_of(first).user_id == subject_of(second).user_id
    assert cli("export", "--out", str(tmp_path / "h")).exit_code == 0
    reeve = officer_key(subject_of(first))
    assert [o["officer_ref"] for o in read(tmp_path / "h", "officers")].count(reeve) == 1
    allegations = read(tmp_path / "h", "allegations")
    assert len(allegations) == 2
    assert {a["officer_ref"] for a in allegations} == {reeve}


def test_a_folder_that_holds_something_is_refused_and_kept(
    caseload: dict[str, Case], tmp_path: Path
) -> None:
    out = tmp_path / "history"
    out.mkdir()
    (out / "last-year.csv").write_text("keep", encoding="utf-8")
    done = cli("export", "--out", str(out))
    assert done.exit_code == 1
    assert str(out) in done.output and "not an empty folder" in done.output
    assert "Nothing was written." in done.output
    assert [p.name for p in out.iterdir()] == ["last-year.csv"]
    assert exports() == []


def test_an_unreadable_key_file_is_refused_naming_it(
    caseload: dict[str, Case], tmp_path: Path
) -> None:
    missing = tmp_path / "no-such.key"
    done = cli("export", "--out", str(tmp_path / "h"), "--pseudonymise-key", str(missing))
    assert done.exit_code == 1
    assert "no-such.key" in done.output and "cannot be read" in done.output
    assert not (tmp_path / "h").exists()
    assert exports() == []


def test_a_short_key_is_refused_naming_its_file(caseload: dict[str, Case], tmp_path: Path) -> None:
    short = key_file(tmp_path, "password1", "weak.key")
    done = cli("export", "--out", str(tmp_path / "h"), "--pseudonymise-key", str(short))
    assert done.exit_code == 1
    assert "weak.key" in done.output and "at least 32" in done.output
    assert not (tmp_path / "h").exists()
    assert list(tmp_path.iterdir()) == [short]  # no half-written folder beside it either
    assert exports() == []


def test_an_unknown_format_is_refused(caseload: dict[str, Case], tmp_path: Path) -> None:
    done = cli("export", "--out", str(tmp_path / "h"), "--format", "xlsx")
    assert done.exit_code == 1
    assert "csv or parquet" in done.output
    assert not (tmp_path / "h").exists()


def test_every_source_of_a_case_has_a_source_in_the_format() -> None:
    assert set(SOURCES) == set(Case.Source.values)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_as_the_application_s_role_the_export_refuses_rather_than_export_what_it_sees(
    caseload: dict[str, Case], tmp_path: Path
) -> None:
    """Row-level security would show the web app's role only some cases (none, for nobody):
    an export of part of the caseload passed off as the whole is refused, and nothing written."""
    out = tmp_path / "h"
    with as_app(caseload["dismissed"].opened_by), pytest.raises(ExportError, match="owner"):
        export_cases(out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
    assert exports() == []


def test_the_export_imports_as_a_history_early_intervention_reads_as_of_a_date(
    caseload: dict[str, Case], tmp_path: Path
) -> None:
    """custodes' own cases reach early intervention: `history import custodes` takes a real
    export whole, and the as-of loader then counts the access-audit alert and the sexual
    allegation only from the days custodes learned of them."""
    exported = tmp_path / "export"
    assert cli("export", "--out", str(exported)).exit_code == 0
    history = tmp_path / "history"
    result = import_history("custodes", [exported], history)
    assert not result.refused and not result.unmapped
    assert result.counts["allegations"] == 3 and result.counts["events"] == 3
    reeve = officer_key(subject_of(caseload["dismissed"]))

    con = duckdb.connect()
    load_history(history, con)

    def known(day: dt.date) -> tuple[int, int]:
        sexual = con.execute(
            "SELECT count(*) FROM allegations WHERE officer_ref = ? AND category_group = "
            "'sexual' AND received_date <= ? AND finding_known_on <= ?",
            [reeve, day, day],
        ).fetchall()[0][0]
        alerts = con.execute(
            "SELECT count(*) FROM events WHERE kind = 'access-audit-alert' AND date <= ?",
            [day],
        ).fetchall()[0][0]
        return int(sexual), int(alerts)

    assert known(days_ago(30)) == (0, 0)  # before either was known
    assert known(days_ago(4)) == (0, 1)  # the alert is known; the finding is not yet
    assert known(days_ago(0)) == (1, 1)  # the dismissal closed the allegation today
