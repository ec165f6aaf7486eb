"""The synthetic force's vetting data, loaded through the real actions beside its caseload and
its audit run: custodes raises a re-vetting task for every due item and every planted missed
trigger, each when the truth says (as the move is recorded, or by the sweep), and nothing else;
a second sweep and a second load add nothing; a bad file is refused, naming file, row and field,
with nothing written."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone

from custodes.synth import SynthConfig, generate_caseload, generate_vetting
from custodes.web.accounts.actions import set_force_user_id
from custodes.web.accounts.models import User
from custodes.web.alerts.models import AuditAlert
from custodes.web.cases.synthetic import load_caseload
from custodes.web.demo import make_demo
from custodes.web.trail.kinds import Action
from custodes.web.trail.models import TrailEvent
from custodes.web.vetting.access import tasks_for_user
from custodes.web.vetting.actions import sweep
from custodes.web.vetting.models import Clearance, Posting, PostRequirement, VettingTask
from custodes.web.vetting.records import RecordsError, load_records
from custodes.web.vetting.synthetic import (
    UNMODELLED,
    check_vetting,
    escalate_alerts,
    read_truth,
)
from tests.web.audit_helpers import import_run, make_audit_folders

# The force the session's audit run is of (`make_audit_folders`), so its alerts are there to
# escalate; small enough for the suite, and it still holds every kind of trigger.
FORCE = SynthConfig(staff=150, days=21, seed=5)
MATTERS = 40
ESCALATORS = ("analyst", "acu-head", "lead")


@pytest.mark.django_db
def test_custodes_raises_exactly_the_tasks_the_truth_expects(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    today = timezone.localdate()
    caseload = generate_caseload(FORCE, today=today, matters=MATTERS, seed=1)
    data = generate_vetting(FORCE, today=today, caseload=caseload)
    folder = tmp_path / "vetting"
    files = data.write(folder)
    make_demo()
    people = {u.username: u for u in User.objects.all()}
    load_caseload(caseload, people)
    import_run(make_audit_folders(tmp_path_factory))
    escalated = escalate_alerts(files["escalations"], [people[n] for n in ESCALATORS])
    loaded = load_records(None, folder)
    swept = sweep(today)
    truth = read_truth(files["truth"])
    result = check_vetting(truth, loaded, escalated, at_move=loaded.raised, swept=swept.created)
    assert result.ok, [*result.lines(), *result.missed, *result.extra]
    assert result.expected == result.raised == len(truth) - sum(result.not_compared.values())
    assert result.not_compared == {}

    # Every kind of trigger is there, planted missed ones and due ones both.
    by = Counter((r["trigger"], r["raised"], r["why"]) for r in truth)
    for trigger in ("outcome", "rprp", "audit-alert", "expiry", "post-move", "integrity-review"):
        assert any(t == trigger and raised == "sweep" for t, raised, _ in by), trigger
    assert by[("post-move", "move", "at-move")] > 0 and by[("post-move", "sweep", "missed")] > 0
    assert {why for _, _, why in by} == {"missed", "due", "at-move"}
    # The integrity reviews held were recorded, each once, as decided tasks: the sweep raised a
    # review only for holders with none held in the last year (one each), and the truth holds
    # exactly those.
    assert len(loaded.reviews) == len(data.reviews) == result.held > 0
    assert by[("integrity-review", "sweep", "missed")] > 0
    reviewed = {r.clearance for r in data.reviews}
    assert sum(1 for c in data.clearances if c.ref in reviewed) > 3 * sum(
        1 for r in truth if r["trigger"] == "integrity-review"
    )
    raised_reviews = [t for t in swept.created if t.trigger == "integrity-review"]
    assert len({t.person for t in raised_reviews}) == len(raised_reviews)
    # The month's random sample and declarations are custodes' own: raised, and left out of
    # the comparison.
    compared = [t for t in swept.created if t.trigger not in UNMODELLED]
    assert set(result.unmodelled) <= UNMODELLED
    assert sum(result.unmodelled.values()) == len(swept.created) - len(compared)
    assert len(compared) == sum(n for (_, raised, _), n in by.items() if raised == "sweep")
    overdue = (
        VettingTask.objects.filter(due_on__lt=today, status=VettingTask.Status.OPEN)
        .exclude(trigger__in=UNMODELLED)
        .count()
    )
    assert overdue == sum(
        1 for r in truth if r["why"] in ("missed", "at-move") and r["due_on"] < str(today)
    )

    # Every record went through its action: on the trail, once each.
    assert TrailEvent.objects.filter(action=Action.VETTING_CLEARANCE).count() == len(
        data.clearances
    )
    assert Clearance.objects.count() == len(data.clearances)
    assert Posting.objects.count() == len(data.postings)
    assert AuditAlert.objects.filter(status=AuditAlert.Status.ESCALATED).count() == len(
        data.escalations
    )
    # A record known only by the year it was granted was taken as 1 January, and says so.
    year_only = next(c for c in data.clearances if c.year_only)
    stored = Clearance.objects.get(pk=loaded.clearances[year_only.ref])
    assert stored.granted_on == dt.date(year_only.granted_on.year, 1, 1)  # type: ignore[union-attr]
    assert "the day is not recorded" in stored.reason

    # Again: the sweep raises none, the load and the escalations add nothing.
    counts = (VettingTask.objects.count(), Clearance.objects.count(), Posting.objects.count())
    assert sweep(today).created == []
    again = load_records(None, folder)
    assert again.already and again.raised == []
    assert (again.clearances, again.postings) == (loaded.clearances, loaded.postings)
    assert escalate_alerts(files["escalations"], [people[n] for n in ESCALATORS]) == escalated
    assert counts == (
        VettingTask.objects.count(),
        Clearance.objects.count(),
        Posting.objects.count(),
    )
    assert check_vetting(truth, again, escalated).ok

    # The check is not one that cannot fail: a task the truth does not expect, or one it
    # expects and custodes did not raise, is named.
    fewer = [r for r in truth if r["trigger"] != "rprp"]
    assert {k[0] for k in check_vetting(fewer, loaded, escalated).extra} == {"rprp"}
    invented = {**truth[0], "source": "PO-99999"}
    assert check_vetting([*truth, invented], loaded, escalated).missed == [
        (invented["trigger"], "PO-99999", invented["person"])
    ]

    # The demo's vetting officer, placed where the data chose, sees every open task.
    officer = set_force_user_id(None, people["vetting"], data.officer)
    # (The month's random sample is drawn under the run's own key: it may fall near them.)
    open_tasks = VettingTask.objects.filter(status=VettingTask.Status.OPEN).exclude(
        trigger__in=UNMODELLED
    )
    seen = tasks_for_user(officer).exclude(trigger__in=UNMODELLED)
    assert seen.count() == open_tasks.count() > 0


def _folder(tmp_path: Path, posts: str, clearances: str, postings: str) -> Path:
    (tmp_path / "posts.csv").write_text(
        "name,required_level,vulnerable,reason,set_on\n" + posts, encoding="utf-8"
    )
    (tmp_path / "clearances.csv").write_text(
        "ref,force,force_user_id,level,status,granted_on,decided_on,unit,conditions,reason\n"
        + clearances,
        encoding="utf-8",
    )
    (tmp_path / "postings.csv").write_text(
        "ref,force,force_user_id,post,starts_on\n" + postings, encoding="utf-8"
    )
    return tmp_path


POST = "cid-1,RV,,Standard,2020-01-01\n"
GRANT = "CL-1,XF,U000001,RV,granted,2019-03-01,2019-03-01,cid-1,,Checks clear\n"
MOVE = "PO-1,XF,U000001,cid-1,2024-05-01\n"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("posts", "clearances", "postings", "where"),
    [
        (
            "cid-1,XX,,Standard,2020-01-01\n",
            GRANT,
            MOVE,
            "posts.csv: row 2, field 'required_level'",
        ),
        ("cid-1,RV,elderly,x,2020-01-01\n", GRANT, MOVE, "posts.csv: row 2, field 'vulnerable'"),
        (POST, GRANT + GRANT, MOVE, "clearances.csv: row 3, field 'ref': the same as row 2"),
        (
            POST,
            "CL-1,XF,U1,RV,granted,,2019-03-01,,,x\n",
            MOVE,
            "clearances.csv: row 2, field 'granted_on'",
        ),
        (
            POST,
            "CL-1,XF,U1,RV,refused,2019,2019-03-01,,,x\n",
            MOVE,
            "clearances.csv: row 2, field 'granted_on'",
        ),
        (
            POST,
            "CL-1,XF,U1,RV,granted,2999-01-01,2019-03-01,,,x\n",
            MOVE,
            "clearances.csv: row 2, field 'granted_on': after today",
        ),
        (POST, "CL-1,XF,,RV,granted,2019-03-01,2019-03-01,,,x\n", MOVE, "field 'force_user_id'"),
        (POST, GRANT, "PO-1,XF,U000001,cid-9,2024-05-01\n", "postings.csv: row 2, field 'post'"),
        (
            POST,
            GRANT,
            "PO-1,XF,U000001,cid-1,1 May 2024\n",
            "postings.csv: row 2, field 'starts_on'",
        ),
        (POST, GRANT, MOVE.strip() + ",extra\n", "postings.csv: row 2: more values"),
    ],
)
def test_a_bad_file_is_refused_naming_file_row_and_field_and_nothing_is_written(
    tmp_path: Path, posts: str, clearances: str, postings: str, where: str
) -> None:
    folder = _folder(tmp_path, posts, clearances, postings)
    with pytest.raises(RecordsError) as raised:
        load_records(None, folder)
    assert where in str(raised.value)
    assert not PostRequirement.objects.exists() and not Clearance.objects.exists()
    assert not TrailEvent.objects.exists()


@pytest.mark.django_db
def test_a_good_folder_loads_and_an_escalation_with_no_alert_is_named(tmp_path: Path) -> None:
    folder = _folder(tmp_path, POST, GRANT.replace("2019-03-01", "2013", 1), MOVE)
    loaded = load_records(None, folder)
    clearance = Clearance.objects.get(pk=loaded.clearances["CL-1"])
    assert clearance.granted_on == dt.date(2013, 1, 1)
    assert "taken as 1 January" in clearance.reason
    (task,) = loaded.raised  # RV lapsed at the start of 2023: the move needs re-vetting
    assert task.trigger == "post-move" and "requires RV" in task.summary
    (tmp_path / "escalations.csv").write_text(
        "ref,force,force_user_id,reason\nES-1,XF,U000001,x\n", encoding="utf-8"
    )
    with pytest.raises(RecordsError, match=r"escalations\.csv: row 2, field 'force_user_id'"):
        escalate_alerts(tmp_path / "escalations.csv", [])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reviews", "where"),
    [
        ("CL-9,2024-01-01\n", "row 2, field 'clearance': no clearance 'CL-9'"),
        ("CL-1,2018-01-01\n", "row 2, field 'held_on': before CL-1 was granted"),
        ("CL-1,2999-01-01\n", "row 2, field 'held_on': after today"),
        ("CL-1,2024-01-01\nCL-1,2024-01-01\n", "row 3, field 'held_on': the same as row 2"),
        ("CL-1,1 Jan 2024\n", "row 2, field 'held_on'"),
    ],
)
def test_a_bad_integrity_review_is_refused_and_nothing_is_written(
    tmp_path: Path, reviews: str, where: str
) -> None:
    folder = _folder(tmp_path, POST, GRANT, MOVE)
    (folder / "integrity-reviews.csv").write_text("clearance,held_on\n" + reviews, "utf-8")
    with pytest.raises(RecordsError) as raised:
        load_records(None, folder)
    assert f"integrity-reviews.csv: {where}" in str(raised.value)
    assert not Clearance.objects.exists() and not TrailEvent.objects.exists()
    # A good one is recorded through the action: the review held, decided on its day.
    (folder / "integrity-reviews.csv").write_text("clearance,held_on\nCL-1,2024-01-01\n", "utf-8")
    (held,) = load_records(None, folder).reviews
    assert (held.trigger, held.status, held.happened_on) == (
        "integrity-review",
        "decided",
        dt.date(2024, 1, 1),
    )
