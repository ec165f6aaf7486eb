"""Importing a large list in bulk: exactly what changed is written, and a bad row writes nothing."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from custodes.lists import read_generic
from custodes.lists.generic import LIST_COLUMNS
from custodes.web.registry.actions import RegistryImportError, import_list, load_roster
from custodes.web.registry.models import Entry, ListImport, RosterPerson, Service
from custodes.web.trail.models import TrailEvent

ROWS = 3000
FIRST_NAMES = ("Ann", "Brian", "Carla", "Dev", "Eileen", "Farid", "Grace", "Hugo")
LAST_NAMES = ("Okafor", "Lindqvist", "Marsh", "Nakamura", "Oduya", "Pryce", "Quinlan", "Rees")
AGENCIES = (
    ("Northshire Police", "GB-EAW"),
    ("Westvale Constabulary", "GB-EAW"),
    ("Springfield PD", "US-IL"),
    ("Hampton Police Department", "US-VA"),
)


def _rows() -> list[dict[str, str]]:
    """Return a list of distinct, invented people: varied names, agencies and jurisdictions."""
    rows = []
    for n in range(ROWS):
        agency, jurisdiction = AGENCIES[n % len(AGENCIES)]
        rows.append(
            {
                "person_ref": f"P{n:05d}",
                "first_name": FIRST_NAMES[n % len(FIRST_NAMES)],
                "last_name": f"{LAST_NAMES[n // len(FIRST_NAMES) % len(LAST_NAMES)]}{n}",
                "birth_date": f"{1960 + n % 40}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "sex": "FM"[n % 2],
                "agency": agency,
                "badge": str(1000 + n),
                "list_type": "barred",
                "jurisdiction": jurisdiction,
                "reason": ("Gross misconduct: dishonesty", "Assault")[n % 2],
                "action_date": "2024-05-01",
            }
        )
    return rows


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(LIST_COLUMNS), restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _stored() -> dict[str, tuple[object, ...]]:
    """Return every entry as stored, with its services' ids and values, by key."""
    services: dict[int, list[tuple[object, ...]]] = {}
    for row in Service.objects.order_by("pk").values_list(
        "entry_id", "pk", "agency", "agency_raw", "badge"
    ):
        services.setdefault(row[0], []).append(row[1:])
    return {
        e.key: (e.pk, e.content, e.last_change_id, e.reason, tuple(services.get(e.pk, [])))
        for e in Entry.objects.all()
    }


@pytest.fixture
def listed(db: None, tmp_path: Path) -> tuple[Path, list[dict[str, str]]]:
    """A list of 3,000 people, imported once."""
    rows = _rows()
    path = _write(tmp_path / "list.csv", rows)
    done = import_list(None, "generic", [path]).list_import
    assert (done.read, done.added, done.changed, done.unchanged) == (ROWS, ROWS, 0, 0)
    return path, rows


def test_a_changed_row_changes_exactly_its_entry(
    listed: tuple[Path, list[dict[str, str]]],
) -> None:
    path, rows = listed
    before = _stored()
    first = ListImport.objects.get()
    changes = {"reason": "Reinstated on appeal", "badge": "77;78", "birth_date": ""}
    rows[1234] = {**rows[1234], **changes, "other_names": "Marsh; Lee"}
    again = import_list(None, "generic", [_write(path, rows)]).list_import
    assert (again.added, again.changed, again.unchanged) == (0, 1, ROWS - 1)
    after = _stored()
    assert [key for key in before if before[key] != after[key]] == ["generic:P01234"]
    entry = Entry.objects.get(key="generic:P01234")
    assert (entry.reason, entry.first_import, entry.last_change) == (
        "Reinstated on appeal",
        first,
        again,
    )
    assert (entry.birth_date, entry.other_names) == (None, ["Marsh", "Lee"])
    assert [s.badge for s in entry.services.all()] == ["77", "78"]
    assert Entry.objects.count() == ROWS


def test_an_unchanged_list_writes_no_entry_and_one_trail_event(
    listed: tuple[Path, list[dict[str, str]]],
) -> None:
    path, _ = listed
    before, events = _stored(), TrailEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        again = import_list(None, "generic", [path]).list_import
    assert (again.read, again.added, again.changed, again.unchanged) == (ROWS, 0, 0, ROWS)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"], re.IGNORECASE)
        and re.search(r"registry_(entry|service)\b", q["sql"])
    ]
    assert writes == []
    assert _stored() == before
    new = TrailEvent.objects.order_by("pk")[events:]
    assert [(e.action, e.subject_id) for e in new] == [("registry-import", str(again.pk))]


def test_a_bad_row_deep_in_a_large_list_writes_nothing_and_is_named(
    listed: tuple[Path, list[dict[str, str]]], tmp_path: Path
) -> None:
    path, rows = listed
    before, events = _stored(), TrailEvent.objects.count()
    # Rows before it change, so that a row-by-row import would already have written them.
    rows[10] = {**rows[10], "reason": "Reinstated on appeal"}
    rows.append({**rows[0], "person_ref": "P-new", "last_name": "Newcomer"})
    # A NUL character: the reader keeps it, PostgreSQL cannot. Row 2,500 is line 2,501.
    rows[2499] = {**rows[2499], "last_name": "Ma\x00rsh"}
    with pytest.raises(RegistryImportError) as refused:
        import_list(None, "generic", [_write(path, rows)])
    assert str(refused.value).startswith("list.csv, line 2501: last_name: holds a NUL character")
    assert _stored() == before
    assert ListImport.objects.count() == 1
    assert TrailEvent.objects.count() == events
    # Under another name, every entry would change (its source names the file): still none.
    with pytest.raises(RegistryImportError, match=r"^other\.csv, line 2501: last_name"):
        import_list(None, "generic", [_write(tmp_path / "other.csv", rows)])
    assert _stored() == before


def test_virginia_s_directory_names_only_virginia_s_entries(db: None, tmp_path: Path) -> None:
    """A non-Virginia agency that resembles a Virginia one is not turned into it."""
    rows = [
        {"person_ref": "1", "agency": "Hamptin Roads Regional Jail", "jurisdiction": "US-VA"},
        {"person_ref": "2", "agency": "Hamptin Roads Regional Jail", "jurisdiction": "US-NC"},
        {"person_ref": "3", "agency": "HAMPTON PD", "jurisdiction": "us-nh"},
        {"person_ref": "4", "agency": "HAMPTON PD", "jurisdiction": "US-VA"},
    ]
    path = _write(
        tmp_path / "list.csv",
        [
            {**row, "first_name": "Pat", "last_name": "Example", "list_type": "barred"}
            for row in rows
        ],
    )
    import_list(None, "generic", [path])
    agencies = dict(Service.objects.values_list("entry__source_ref", "agency"))
    assert agencies == {
        "1": "Hampton Roads Regional Jail",
        "2": "Hamptin Roads Regional Jail",
        "3": "Hampton Police Department",
        "4": "Hampton Police Division",
    }


def test_a_roster_s_agencies_are_named_by_the_directory_of_the_jurisdiction_given(
    db: None, tmp_path: Path
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("person_ref,first_name,last_name,agency\nXF-1,Pat,Example,HAMPTON PD\n")
    load_roster(None, "anywhere", "XF", path)
    load_roster(None, "virginia", "XV", path, jurisdiction="US-VA")
    assert dict(RosterPerson.objects.values_list("roster__force", "agency")) == {
        "XF": "Hampton Police Department",
        "XV": "Hampton Police Division",
    }


def test_every_value_is_stored_as_the_list_gives_it(db: None, tmp_path: Path) -> None:
    """Accents, quotes, backslashes, line breaks, a list's own columns: written in bulk intact."""
    path = tmp_path / "list.csv"
    rows = [
        {
            "person_ref": "Q-1",
            "first_name": "Zoë",
            "middle_name": "J.",
            "last_name": "O\u2019Brien-Núñez (Smith)",
            "other_names": 'Ó Briain; "Bri"',
            "birth_year": "1971",
            "sex": "f",
            "agency": "Cook County Sheriff`s Office",
            "badge": "12\\34;A-7",
            "list_type": "revocation",
            "jurisdiction": "us-il",
            "reason": 'Said "no" \\ twice,\nthen left; 100% sure',
            "action_date": "2023-02-28",
            "status": "reinstated",
            "source": "IL board",
        },
        {"person_ref": "Q-2", "first_name": "Ann", "last_name": "Lee", "list_type": "barred"},
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, [*LIST_COLUMNS, "notes"], restval="")
        writer.writeheader()
        writer.writerow({**rows[0], "notes": "vu 🙂"})
        writer.writerow({**rows[1], "jurisdiction": "GB-EAW"})
    read = read_generic(path)
    import_list(None, "generic", [path])
    assert len(read.records) == Entry.objects.count() == 2
    for record in read.records:
        entry = Entry.objects.get(key=f"generic:{record.source_ref}")
        stored = {f: getattr(entry, f) for f in ("first_name", "last_name", "other_names")}
        stored |= {f: getattr(entry, f) for f in ("birth_date", "birth_year", "reason", "extra")}
        given = {f: getattr(record, f) for f in ("first_name", "last_name", "birth_date")}
        given |= {"other_names": list(record.other_names), "birth_year": record.birth_year}
        given |= {"reason": record.reason, "extra": record.extra}
        assert stored == given
        assert (entry.middle_name, entry.sex, entry.action_date) == (
            record.middle_name or "",
            record.sex or "",
            record.action_date,
        )
        services = [(s.agency, s.agency_raw, s.badge) for s in entry.services.all()]
        assert services == [(s.agency, s.agency_raw, s.badge or "") for s in record.services]
    quoted = Entry.objects.get(key="generic:Q-1")
    assert quoted.extra == {"notes": "vu 🙂"} and "\\ twice,\nthen" in quoted.reason
    assert quoted.other_names == ["Ó Briain", '"Bri"', "Smith"]
