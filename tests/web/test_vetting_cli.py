"""`custodes vetting …` on the test database: the sweep says what it raised and what it could
tie to nobody; an external check's bad file names file, row and field and saves nothing; the
associations staff declared become the audit's table, and the audit explains with it."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
from django.utils import timezone
from typer.testing import CliRunner, Result

from custodes.cli import app
from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role
from custodes.web.cases import path
from custodes.web.cases.models import CaseSubject
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from custodes.web.vetting.actions import Who, declare, record_clearance
from custodes.web.vetting.models import Clearance, RandomSample, VettingTask
from tests.extract_factory import tiny_rows, write_extract
from tests.web.case_helpers import REASON, Dept, days_ago, dept_fixture  # noqa: F401 - a fixture
from tests.web.conftest import PASSWORD
from tests.web.test_case_path import At, along
from tests.web.vetting_helpers import Staff, staff_fixture  # noqa: F401 - a fixture

HEADER = "check,hit_ref,force,force_user_id,hit_on,summary\n"


def cli(*args: str) -> Result:
    """Run `custodes …` in this process, on the test database."""
    return CliRunner().invoke(app, list(args))


def test_sweep_prints_what_it_raised_by_trigger_and_the_untied(dept: Dept) -> None:
    _case, subject = along(dept, At.REPORTED)
    path.decide_case_to_answer(
        dept.authority, subject, answer=False, level="practice-requiring-improvement", reason=REASON
    )
    path.record_outcome(
        dept.authority,
        subject,
        forum="none",
        finding="practice-requiring-improvement",
        outcome="rprp",
        reason=REASON,
    )
    path.start_rprp(
        dept.authority,
        subject,
        actions=[path.RprpAction("Read the guidance", days_ago(-14))],
        review_on=days_ago(-30),
        reason=REASON,
    )
    # Intake names every subject by account or force id; a record from before that rule may
    # name neither: its trigger is tied to nobody.
    CaseSubject.objects.filter(pk=subject.pk).update(user=None, force_user_id=None)
    granted = timezone.localdate() - dt.timedelta(days=400)
    record_clearance(
        None,
        Who(None, "XF", "X-1"),
        "RV",
        Clearance.Status.GRANTED,
        reason=REASON,
        granted_on=granted,
    )
    done = cli("vetting", "sweep")
    assert done.exit_code == 0, done.output
    out = " ".join(done.output.split())
    (sample,) = RandomSample.objects.all()  # custodes has held clearances for this month only
    assert "2 tasks raised" in out
    assert "1 integrity-review: An annual integrity review fell due" in out
    assert "1 random: Chosen for randomised re-vetting" in out
    assert (
        f"Random sample {sample.month}: 1 of 1 holding a clearance on the month's first day" in out
    )
    assert "1 trigger(s) tied to nobody" in out
    assert "the subject has no account or force id" in out
    again = cli("vetting", "sweep")
    assert again.exit_code == 0 and "0 tasks raised" in again.output
    assert VettingTask.objects.count() == 2
    bad = cli("vetting", "sweep", "--on", "2026-02-30")
    assert bad.exit_code == 1 and "is not a date" in bad.output


def test_check_imports_a_file_once_and_refuses_a_bad_one_whole(
    staff: Staff, tmp_path: Path
) -> None:
    bad = tmp_path / "pnd-bad.csv"
    bad.write_text(
        HEADER + "PND,H-1,XF,V100,2025-01-01,x\nPND,H-2,XF,V101,2025-02-31,y\n", encoding="utf-8"
    )
    refused = cli("vetting", "check", str(bad))
    assert refused.exit_code == 1
    assert "pnd-bad.csv: row 3, field 'hit_on'" in refused.output
    assert "Nothing was imported." in refused.output and not VettingTask.objects.exists()
    assert cli("vetting", "check", str(tmp_path / "none.csv")).exit_code == 1
    good = tmp_path / "pnd.csv"
    good.write_text(HEADER + "PND,H-1,XF,V100,2025-01-01,x\nPND,H-2,XF,V101,2025-02-03,y\n")
    first = cli("vetting", "check", str(good))
    assert first.exit_code == 0, first.output
    assert "2 hits; 2 tasks raised, 0 imported before" in first.output
    again = cli("vetting", "check", str(good))
    assert "0 tasks raised, 2 imported before" in again.output
    assert VettingTask.objects.filter(trigger="external-check").count() == 2


def test_declared_associations_reach_the_audit_and_explain_the_look_up(
    staff: Staff, tmp_path: Path
) -> None:
    """A member of staff declares their partner through custodes; the vetting unit writes the
    force's associations; the audit, given them beside the extract, explains the look-up."""
    constable, _device = create_user(
        None,
        "pc-u2",
        PASSWORD,
        role=Role.INTAKE_HANDLER,
        force="XX",
        unit="response-north",
        force_user_id="u2",
    )
    declare(
        constable, "partner", "Moved in with P6", associate_person_id="p6", association="partner"
    )
    declare(
        staff.subject,
        "partner",
        "Not this force's",
        associate_person_id="Q1",
        association="partner",
    )
    declare(constable, "finances", "A county court judgment")  # names no one: not written
    out = tmp_path / "declared.csv"
    done = cli("vetting", "associations", "--force", "XX", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert "1 declared association of force XX written" in " ".join(done.output.split())
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    today = timezone.localdate()
    assert rows == [
        ["user_id", "person_id", "kind", "declared_at"],
        ["u2", "p6", "partner", today.isoformat()],
    ]
    event = TrailEvent.objects.get(action=Action.VETTING_ASSOCIATIONS)
    assert (event.subject_type, event.subject_id) == (Subject.DECLARED_ASSOCIATIONS, "XX")
    assert event.changes == {"file": "declared.csv", "rows": 1}
    # The tiny extract, its look-ups made today: u2 looks p6 up (e12) with no work reason.
    extract_rows = tiny_rows()
    for event_row in extract_rows["access_events"]:
        stamp = event_row["ts"]
        assert isinstance(stamp, dt.datetime)
        event_row["ts"] = dt.datetime.combine(today, stamp.time(), dt.UTC)
    extract = write_extract(tmp_path / "extract", extract_rows, "csv")
    assert cli("audit", str(extract), "--out", str(tmp_path / "plain")).exit_code == 0
    explained = cli("audit", str(extract), "--out", str(tmp_path / "run"), "--declared", str(out))
    assert explained.exit_code == 0, explained.output

    def u2_p6(run: str) -> set[tuple[str, str]]:
        evidence = pq.read_table(tmp_path / run / "evidence.parquet").to_pylist()
        return {
            (r["signal"], r["explanation_found"])
            for r in evidence
            if (r["user_id"], r["person_id"]) == ("u2", "p6")
        }

    assert ("unexplained", "none") in u2_p6("plain")
    assert u2_p6("run") == {("declared-association", "declared")}


def test_load_loads_a_force_s_records_once_and_a_bad_row_loses_nothing(
    db: None, tmp_path: Path
) -> None:
    """`custodes vetting load DIR`: the records through the actions, on the trail; a second
    load finds them; a bad row is named with its file, row and field, and nothing is written."""
    bad = tmp_path / "bad"
    _records(bad, "CL-1,XF,U000001,RV,granted,2019-03-01,2019-03-01,cid-1,,Checks clear\n")
    (bad / "postings.csv").write_text(
        "ref,force,force_user_id,post,starts_on\nPO-1,XF,U000001,cid-9,2024-05-01\n", "utf-8"
    )
    done = cli("vetting", "load", str(bad))
    assert done.exit_code == 1
    out = " ".join(done.output.split())
    assert "postings.csv: row 2, field 'post'" in out and "Nothing was loaded." in out
    assert not Clearance.objects.exists() and not TrailEvent.objects.exists()

    good = tmp_path / "good"
    # Granted in 2013 and never renewed: the move in 2024 needs re-vetting at once.
    _records(good, "CL-1,XF,U000001,RV,granted,2013,2013-01-01,cid-1,,Checks clear\n")
    done = cli("vetting", "load", str(good))
    assert done.exit_code == 0, done.output
    out = " ".join(done.output.split())
    assert "1 post, 1 clearance decision, 1 move and 0 integrity reviews held" in out
    assert "1 move raised a re-vetting task at once" in out
    (clearance,) = Clearance.objects.all()
    assert (clearance.force, clearance.force_user_id) == ("XF", "U000001")
    assert clearance.granted_on == dt.date(2013, 1, 1)
    (task,) = VettingTask.objects.all()
    assert task.trigger == "post-move"
    assert TrailEvent.objects.filter(subject_type=Subject.CLEARANCE).exists()

    again = cli("vetting", "load", str(good))
    assert again.exit_code == 0, again.output
    assert "was loaded before" in again.output and "nothing was written" in again.output
    assert Clearance.objects.count() == 1 and VettingTask.objects.count() == 1


def _records(folder: Path, clearances: str) -> None:
    """Write a one-post, one-decision, one-move records folder."""
    folder.mkdir()
    (folder / "posts.csv").write_text(
        "name,required_level,vulnerable,reason,set_on\ncid-1,RV,,Standard,2020-01-01\n", "utf-8"
    )
    (folder / "clearances.csv").write_text(
        "ref,force,force_user_id,level,status,granted_on,decided_on,unit,conditions,reason\n"
        + clearances,
        "utf-8",
    )
    (folder / "postings.csv").write_text(
        "ref,force,force_user_id,post,starts_on\nPO-1,XF,U000001,cid-1,2024-05-01\n", "utf-8"
    )
