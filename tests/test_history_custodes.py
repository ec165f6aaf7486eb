"""Importing a folder `custodes cases export` wrote: checked, copied with its events, bad rows
named."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from custodes.caserules import write_history
from custodes.history import HistoryImportError, import_history, validate_history

OFFICERS = [
    {"officer_ref": "force-a:u1", "agency": "Force A", "rank": "PC", "unit": "Response"},
    {"officer_ref": "force-a:u2", "agency": "Force A", "rank": "PS", "unit": "CID"},
]
ALLEGATIONS = [
    {
        "allegation_ref": "CASE-1-1",
        "complaint_ref": "CASE-1",
        "officer_ref": "force-a:u1",
        "received_date": dt.date(2024, 3, 1),
        "closed_date": dt.date(2024, 9, 1),
        "source": "audit",
        "category": "abuse-of-position-sexual",
        "category_group": "sexual",
        "finding": "substantiated",
        "outcome": "dismissal-without-notice",
        "outcome_group": "dismissed",
    },
    {
        "allegation_ref": "CASE-2-1",
        "complaint_ref": "CASE-2",
        "officer_ref": "force-a:u2",
        "received_date": dt.date(2024, 5, 1),
        "source": "public",
        "category": "discourtesy",
        "category_group": "discourtesy",
        "finding": "open",
    },
]
EVENTS = [
    {
        "officer_ref": "force-a:u1",
        "date": dt.date(2024, 2, 20),
        "kind": "access-audit-alert",
        "detail": "an access-audit alert",
    },
    {
        "officer_ref": "force-a:u1",
        "date": dt.date(2024, 10, 1),
        "kind": "list-report",
        "detail": "barred list",
    },
    {
        "officer_ref": "force-a:u2",
        "date": dt.date(2024, 4, 1),
        "kind": "registry-match",
        "detail": "a registry match",
    },
]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_export_is_copied_with_its_events(tmp_path: Path, fmt: str) -> None:
    export = tmp_path / "export"
    write_history(export, OFFICERS, ALLEGATIONS, EVENTS, fmt=fmt)
    result = import_history("custodes", [export], tmp_path / "out", fmt="csv")
    assert dict(result.counts) == {"officers": 2, "allegations": 2, "events": 3}
    assert result.refused == ()
    assert validate_history(tmp_path / "out") == []
    with (tmp_path / "out" / "events.csv").open(encoding="utf-8", newline="") as handle:
        kinds = sorted(row["kind"] for row in csv.DictReader(handle))
    assert kinds == ["access-audit-alert", "list-report", "registry-match"]


def test_bad_rows_of_an_export_are_refused_with_their_officers_rows(tmp_path: Path) -> None:
    export = tmp_path / "export"
    write_history(export, OFFICERS, ALLEGATIONS, EVENTS)
    officers = export / "officers.csv"
    # A third officer with no agency (line 4), whose allegation and event then go too.
    officers.write_text(
        officers.read_text(encoding="utf-8") + "force-a:u3,,,,,,,,,,,\n", encoding="utf-8"
    )
    allegations = export / "allegations.csv"
    allegations.write_text(
        allegations.read_text(encoding="utf-8")
        + "CASE-3-1,CASE-3,force-a:u3,2024-06-01,,,public,x,other,open,,\n"
        + "CASE-4-1,CASE-4,force-a:u1,2024-13-01,,,public,x,other,open,,\n",
        encoding="utf-8",
    )
    result = import_history("custodes", [export], tmp_path / "out")
    assert [str(r) for r in result.refused] == [
        "export/officers.csv, line 4: agency: is empty",
        "export/allegations.csv, line 4: officer_ref: 'force-a:u3' was refused in officers",
        "export/allegations.csv, line 5: received_date: '2024-13-01' is not a day of the calendar",
    ]
    assert dict(result.counts) == {"officers": 2, "allegations": 2, "events": 3}
    with pytest.raises(HistoryImportError, match="3 row"):
        import_history("custodes", [export], tmp_path / "strict", strict=True)
    assert not (tmp_path / "strict").exists()


def test_a_folder_missing_a_table_is_refused(tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()
    with pytest.raises(HistoryImportError, match=r"officers.csv: is missing"):
        import_history("custodes", [tmp_path / "export"], tmp_path / "out")
