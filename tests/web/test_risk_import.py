"""Importing a risk run (`custodes risk import DIR`): whole, tied to staff, once, or not at all."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from typer.testing import CliRunner

from custodes.web.risk.actions import RiskImportError, import_risk_run
from custodes.web.risk.models import RiskEntry, RiskRun
from custodes.web.risk.run_files import LoadedOfficer, mentioned
from custodes.web.risk_cli import risk_web_app
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from tests.web.risk_helpers import (
    Force,
    entry,
    force_fixture,  # noqa: F401 - a fixture
    import_folder,
    officers_of,
    write_run,
)


def officers_named(run: RiskRun) -> set[str]:
    """Return the refs of the run's officers its stored summary names, as the import decides."""
    officers = [
        LoadedOfficer(
            e.rank,
            e.officer_ref,
            e.score,
            e.reasons,
            e.agency,
            e.first_name,
            e.last_name,
            e.grade,
            e.unit,
            e.rules,
        )
        for e in RiskEntry.objects.filter(run=run)
    ]
    return mentioned(run.report, officers)


def import_event(run: RiskRun) -> TrailEvent:
    """Return the trail's one event for the run's import."""
    return TrailEvent.objects.filter(action=Action.RISK_IMPORT, subject_id=str(run.pk)).get()


def test_a_run_is_imported_whole_with_each_officer_tied_to_whom_custodes_knows(
    force: Force, tmp_path: Path
) -> None:
    """Every officer ranked; accounts found by force user id; strangers untied; the summary,
    which names no officer, kept."""
    run = import_folder(write_run(tmp_path / "run", officers_of(force)))
    assert run.officers_scored == 6
    assert str(run.as_of) == "2024-01-01"
    assert run.label == "substantiated"
    assert "<h1>Risk as of 2024-01-01</h1>" in run.report
    assert list(RiskEntry.objects.filter(run=run).values_list("rank", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]
    top = entry(run, "XF:U100")
    assert (top.rank, top.subject, top.force, top.force_user_id) == (1, force.subject, "XF", "U100")
    assert top.tie == RiskEntry.Tie.ACCOUNT
    assert top.reason_list[0] == "2 allegations of force in the last 12 months"
    assert top.rule_ids == ["sexual-any", "complaints-3-in-180-days"]
    assert top.band == "80–90%"
    assert officers_named(run) == set()
    assert import_event(run).changes["in_report"] == 0
    assert entry(run, "XF:U200").subject == force.constable
    nypd = entry(run, "4411")
    assert (nypd.force, nypd.force_user_id, nypd.tie) == ("NYPD", "4411", RiskEntry.Tie.UNTIED)
    # An account id this custodes does not hold is nobody: never a stranger's account.
    ghost = entry(run, f"account:{force.constable.pk + 1000}")
    assert (ghost.subject, ghost.tie) == (None, RiskEntry.Tie.UNTIED)


def test_an_account_ref_naming_someone_else_is_not_tied_to_the_account(
    force: Force, tmp_path: Path
) -> None:
    """A run from another custodes may use the same account ids for other people."""
    officers = officers_of(force)
    officers[-1] = officers[-1].__class__(
        f"account:{force.subject.pk}", "Ghost", "Account", "roads", 0.05
    )
    officers.append(officers[0].__class__(f"account:{force.lead.pk}", "", "", "acu", 0.01))
    run = import_folder(write_run(tmp_path / "run", officers))
    stranger = entry(run, f"account:{force.subject.pk}")
    assert (stranger.subject, stranger.tie) == (None, RiskEntry.Tie.UNTIED)
    unnamed = entry(run, f"account:{force.lead.pk}")  # no name given: the account it names
    assert (unnamed.subject, unnamed.tie) == (force.lead, RiskEntry.Tie.ACCOUNT)


def test_the_same_run_again_adds_nothing_and_says_so(force: Force, tmp_path: Path) -> None:
    """Idempotent, by what the files hold; the trail records the first import only."""
    folder = write_run(tmp_path / "run", officers_of(force))
    first = import_risk_run(None, folder)
    again = import_risk_run(None, folder)
    assert first.created and not again.created
    assert again.run.pk == first.run.pk
    assert RiskRun.objects.count() == 1 and RiskEntry.objects.count() == 6
    events = TrailEvent.objects.filter(action=Action.RISK_IMPORT)
    assert [(e.subject_type, e.subject_id) for e in events] == [
        (Subject.RISK_RUN, str(first.run.pk))
    ]
    assert events[0].changes["officers"] == 6
    assert events[0].changes["ties"] == {"account": 3, "force-id": 0, "untied": 3}
    result = CliRunner().invoke(risk_web_app, [str(folder)])
    assert result.exit_code == 0, result.output
    assert f"Already imported as risk run {first.run.pk}" in result.output
    assert "nothing changed" in result.output


def test_the_command_imports_a_run(force: Force, tmp_path: Path) -> None:
    """`custodes risk import DIR` says what it loaded."""
    folder = write_run(tmp_path / "run", officers_of(force))
    result = CliRunner().invoke(risk_web_app, [str(folder)])
    assert result.exit_code == 0, result.output
    assert "6 officers ranked" in result.output
    assert "3 tied to staff custodes knows, 3 not" in result.output
    assert RiskRun.objects.count() == 1


def _rewrite(path: Path, change: dict[int, dict[str, str]], drop: str | None = None) -> None:
    """Rewrite a CSV, changing rows by their line number, or dropping a column."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    columns = [c for c in rows[0] if c != drop]
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, columns, extrasaction="ignore")
        out.writeheader()
        for line, row in enumerate(rows, 2):
            out.writerow({**row, **change.get(line, {})})


@pytest.mark.parametrize(
    ("file", "change", "drop", "message"),
    [
        ("risk.csv", {}, "score", "risk.csv line 1: missing column 'score'"),
        ("officers.csv", {}, "unit", "officers.csv line 1: missing column 'unit'"),
        (
            "risk.csv",
            {4: {"score": "high"}},
            None,
            "risk.csv line 4, column score: 'high' is not a probability between 0 and 1",
        ),
        ("risk.csv", {3: {"score": "1.5"}}, None, "risk.csv line 3, column score: '1.5'"),
        ("risk.csv", {5: {"rank": "2"}}, None, "risk.csv line 5, column rank: 2 is also on line 3"),
        (
            "risk.csv",
            {6: {"officer_ref": "XF:U999"}},
            None,
            "risk.csv line 6, column officer_ref: 'XF:U999' is not in officers.csv",
        ),
        (
            "officers.csv",
            {3: {"unit": "u" * 101}},
            None,
            "officers.csv line 3, column unit: longer than 100 characters",
        ),
    ],
)
def test_a_bad_folder_is_refused_naming_file_column_and_line_and_nothing_is_kept(
    force: Force,
    tmp_path: Path,
    file: str,
    change: dict[int, dict[str, str]],
    drop: str | None,
    message: str,
) -> None:
    """All or nothing: no run, no entry, no trail event; the command exits 1 with the reason."""
    folder = write_run(tmp_path / "run", officers_of(force))
    _rewrite(folder / file, change, drop)
    with pytest.raises(RiskImportError, match="^" + message.replace("(", r"\(")):
        import_risk_run(None, folder)
    result = CliRunner().invoke(risk_web_app, [str(folder)])
    assert result.exit_code == 1
    assert "Nothing was imported." in result.output
    assert RiskRun.objects.count() == 0 and RiskEntry.objects.count() == 0
    assert not TrailEvent.objects.filter(action=Action.RISK_IMPORT).exists()


@pytest.mark.parametrize(
    ("run_extra", "message"),
    [
        ({"label": "rude"}, "run.json, field label: 'rude' is not one of substantiated, sexual"),
        ({"as_of": "last year"}, "run.json, field as_of: 'last year' is not a date"),
        ({"officers_scored": 5}, "run.json, field officers_scored: says 5, but risk.csv ranks 6"),
    ],
)
def test_a_bad_run_json_is_refused_naming_the_field(
    force: Force, tmp_path: Path, run_extra: dict[str, object], message: str
) -> None:
    """run.json's own fields, by name."""
    folder = write_run(tmp_path / "run", officers_of(force), run_extra=run_extra)
    with pytest.raises(RiskImportError) as caught:
        import_risk_run(None, folder)
    assert str(caught.value) == message
    assert RiskRun.objects.count() == 0


def test_a_folder_without_its_files_is_refused(force: Force, tmp_path: Path) -> None:
    """Each file the run must hold, by its path."""
    folder = write_run(tmp_path / "run", officers_of(force))
    (folder / "officers.csv").unlink()
    with pytest.raises(RiskImportError, match=r"officers\.csv: missing"):
        import_risk_run(None, folder)
    with pytest.raises(RiskImportError, match="not a folder"):
        import_risk_run(None, tmp_path / "nowhere")
    assert json.loads((folder / "run.json").read_text())["officers_scored"] == 6


def test_a_run_without_a_report_imports_and_only_staff_who_may_import_do(
    force: Force, tmp_path: Path
) -> None:
    """The report is optional; an investigator may not import, the lead may."""
    folder = write_run(tmp_path / "run", officers_of(force), report=None)
    with pytest.raises(PermissionDenied):
        import_risk_run(force.outsider, folder)
    assert RiskRun.objects.count() == 0
    done = import_risk_run(force.lead, folder)
    assert done.created and done.run.report == "" and done.run.imported_by == force.lead
    event = import_event(done.run)
    assert (event.changes["summary"], event.changes["in_report"]) == ("none", 0)


def test_a_summary_that_names_an_officer_is_kept_from_everyone(
    force: Force, tmp_path: Path
) -> None:
    """By ref or by name: a page some viewers were refused would tell them someone close to
    them is on it, so it is refused to all; the import says so on the trail."""
    for report in (
        "<html><body><p>Top: XF:U100</p></body></html>",
        "<html><body><p>Top: Nobody Here</p></body></html>",
    ):
        folder = write_run(tmp_path / str(len(report)), officers_of(force), report=report)
        done = import_risk_run(force.lead, folder)
        assert done.created and done.run.report == ""
        event = import_event(done.run)
        assert event.changes["summary"] == "not kept: it names officers"
        assert event.changes["in_report"] == 1  # one officer, by ref or by name
