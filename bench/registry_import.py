"""Time importing a national-size generic list into the registry, and the screen it triggers.

Run: .venv/bin/python bench/registry_import.py                       (SQLite, a temporary file)
     .venv/bin/python bench/registry_import.py --database-url postgres://postgres@127.0.0.1:5432/NAME
     (the PostgreSQL database NAME is dropped and made afresh: give it a scratch name)
Writes bench/results/registry_import.json (registry_import_postgresql.json with --database-url).

A generic list of 100,000 entries (`--entries`) is made from custodes' own synthetic people
(`custodes.linkage.generate_people`): their names, birth dates, sex and badges, the
generator's 400 agencies spread over ten jurisdictions, those in US-VA renamed to agencies of
Virginia's directory and each agency written several ways (upper case, "PD", "Co.", "Dept.",
a typo), as published lists write them. A roster of 3,000 staff (`--staff`) from the same
generator, one in ten on the list under a planted corruption, is held by a force. Timed, each
through `import_list`, the one action the command line and the web app use:

- the first import, into an empty registry with no roster held (aim: under 20 s);
- re-importing the same file unchanged (aim: under 10 s), which must add, change and screen
  nothing, and put one event on the trail;
  both in rounds (`--rounds`, 3 by default; the registry emptied between them), since the
  machine is shared and one run can take half again as long as the next: the median, the
  range, and this process's CPU time beside the wall time;
- re-importing with 1% of the rows changed (a new reason, status or surname), with the roster
  held: the import itself, and the screening of the held roster that it triggers against the
  whole registry (the matcher built over 100,000 entries, then every staff member screened;
  only candidates against the changed entries are kept and alerted);
- the same list published under a new file name, which changes every entry (an entry's
  source names its file): 100,000 entries updated, and the roster screened against them all.

Baselines measured in the same run on the same file: reading it with the csv module alone,
and `read_generic` alone (parsing, names, dates, reasons and agency names, no database).
The figures before the bulk import (a per-row loop, and every row's agency name fuzzy-matched
against Virginia's directory with difflib) are in docs/registry.md, measured with this script
on 5,000 entries (`--entries 5000 --staff 1000 --rounds 1`). Every timed import starts with
the names, agencies and reasons worked out by earlier ones forgotten, as in a new process.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from custodes.linkage import PeopleConfig, generate_people
from custodes.lists.agencies import directory_names
from custodes.lists.generic import LIST_COLUMNS, ROSTER_COLUMNS

HERE = Path(__file__).resolve().parent
SEED = 31
AIMS = {"first_import_seconds": 20.0, "unchanged_reimport_seconds": 10.0}
JURISDICTIONS = (
    "US-VA",
    "US-NY",
    "US-CA",
    "US-TX",
    "US-FL",
    "US-IL",
    "US-PA",
    "US-OH",
    "GB-EAW",
    "GB-SCT",
)
LIST_TYPES = ("decertification", "revocation", "barred", "advisory", "left-under-investigation")
REASONS = (
    "Gross misconduct: abuse of position for a sexual purpose",
    "Misdemeanor: Assault & Battery, Family or Household Member",
    "Felony: Possession of a controlled substance",
    "Gross misconduct: dishonesty",
    "Failed to meet training standards",
    "Resigned during an investigation into sexual misconduct",
)


def spellings(name: str, rng: np.random.Generator) -> list[str]:
    """Return the ways lists write one agency's name: as is, and a few variants."""
    variants = [name, name.upper()]
    short = (
        name.replace("Police Department", "PD")
        .replace("Department", "Dept.")
        .replace("County", "Co.")
        .replace("Sheriff's", "Sheriffs")
    )
    variants.append(short)
    if len(name) > 8:  # one letter dropped, as a typing slip
        cut = int(rng.integers(3, len(name) - 3))
        variants.append(name[:cut] + name[cut + 1 :])
    return variants


def make_files(folder: Path, entries: int, staff: int) -> dict[str, Any]:
    """Write the list, its 1%-changed version and the roster; return what they hold."""
    made = generate_people(PeopleConfig(registry=entries, roster=staff, on_registry=0.1, seed=SEED))
    rng = np.random.default_rng(SEED)
    registry = made.registry.to_pylist()
    agencies = sorted({p["agency"] for p in registry if p["agency"]})
    virginia = [n for n in directory_names() if "Police" in n or "Sheriff" in n or "Jail" in n]
    where = {a: JURISDICTIONS[i % len(JURISDICTIONS)] for i, a in enumerate(agencies)}
    renamed = {
        a: (virginia[int(rng.integers(len(virginia)))] if where[a] == "US-VA" else a)
        for a in agencies
    }
    written = {a: spellings(renamed[a], rng) for a in agencies}
    rows = []
    for n, person in enumerate(registry):
        agency = person["agency"]
        rows.append(
            {
                **_person_fields(person),
                "agency": "" if not agency else str(rng.choice(written[agency])),
                "list_type": LIST_TYPES[n % len(LIST_TYPES)],
                "jurisdiction": where.get(agency, "US-NY"),
                "reason": REASONS[int(rng.integers(len(REASONS)))],
                "action_date": (dt.date(2015, 1, 1) + dt.timedelta(days=n % 3650)).isoformat(),
                "status": "active" if rng.random() < 0.9 else "expired",
                "source": "bench: a synthetic national list",
            }
        )
    changed_rows = [dict(r) for r in rows]
    picked = rng.choice(len(rows), size=max(1, len(rows) // 100), replace=False)
    for k, index in enumerate(sorted(int(i) for i in picked)):
        row = changed_rows[index]
        if k % 3 == 0:
            row["reason"] = "Decertification confirmed on appeal: " + row["reason"]
        elif k % 3 == 1:
            row["status"] = "reinstated"
        else:
            row["last_name"] = row["last_name"] + "-Hale"
    # The changed list keeps the file's name: an entry's source names the file it came from,
    # so the same list published under a new name changes every entry.
    (folder / "changed").mkdir()
    files = {
        "list": folder / "national-list.csv",
        "changed": folder / "changed" / "national-list.csv",
        "renamed": folder / "national-list-next-month.csv",
        "roster": folder / "roster.csv",
    }
    _write(files["list"], list(LIST_COLUMNS), rows)
    _write(files["changed"], list(LIST_COLUMNS), changed_rows)
    _write(files["renamed"], list(LIST_COLUMNS), changed_rows)
    _write(
        files["roster"],
        list(ROSTER_COLUMNS),
        [_person_fields(p) | {"agency": p["agency"] or ""} for p in made.roster.to_pylist()],
    )
    return {
        "files": files,
        "entries": len(rows),
        "changed_rows": len(picked),
        "staff": staff,
        "staff_on_list": made.truth.num_rows,
        "distinct_agency_spellings": len({r["agency"] for r in rows}),
        "jurisdictions": len({r["jurisdiction"] for r in rows}),
    }


def _person_fields(person: dict[str, Any]) -> dict[str, str]:
    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            return ";".join(str(v) for v in value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    return {
        "person_ref": person["record_id"],
        "first_name": text(person["first_name"]),
        "middle_name": text(person["middle_name"]),
        "last_name": text(person["last_name"]),
        "other_names": text(person["other_names"]),
        "birth_date": text(person["birth_date"]),
        "birth_year": "" if person["birth_date"] else text(person["birth_year"]),
        "sex": text(person["sex"]),
        "badge": text(person["badges"]),
    }


def _write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def django_setup(database_url: str | None, folder: Path) -> str:
    """Point the web app at a fresh database (a temporary SQLite file by default); migrate."""
    if database_url:
        import psycopg

        parts = urlsplit(database_url)
        name = parts.path.lstrip("/")
        if not name:
            raise SystemExit("--database-url must name the scratch database to make afresh")
        server = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(server, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            con.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = database_url
        engine = "postgresql"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
        engine = "sqlite"
    os.environ.setdefault("CUSTODES_MODE", "test")
    os.environ["CUSTODES_DATA_DIR"] = str(folder / "data")
    os.environ["DJANGO_SETTINGS_MODULE"] = "custodes.web.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return engine


def baselines(path: Path) -> dict[str, float]:
    """Time reading the list with the csv module alone, and with custodes' reader alone."""
    from custodes.lists import read_generic

    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = sum(1 for _ in csv.reader(handle))
    plain = time.perf_counter() - started
    cold_caches()
    started = time.perf_counter()
    read = read_generic(path)
    reader = time.perf_counter() - started
    assert rows - 1 == len(read.records), (rows, len(read.records), read.rejected[:3])
    return {"csv_module_seconds": round(plain, 2), "read_generic_seconds": round(reader, 2)}


def cold_caches() -> None:
    """Forget every name, agency, reason and date worked out so far, as a new process would."""
    import custodes.lists.agencies
    import custodes.lists.names
    import custodes.lists.reasons
    import custodes.lists.values

    lists = custodes.lists
    for module in (lists.agencies, lists.names, lists.reasons, lists.values):
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def timed_import(path: Path) -> dict[str, Any]:
    """Import the list once, timing the whole action and the screening it triggers.

    Each import starts with cold caches, as `custodes registry import` in a new process does.
    """
    from custodes.web.registry import actions
    from custodes.web.registry.models import Screening

    cold_caches()

    screening = [0.0]
    screen = actions._screen_held_rosters

    def timed_screen(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return screen(*args, **kwargs)
        finally:
            screening[0] += time.perf_counter() - started

    actions._screen_held_rosters = timed_screen
    try:
        started, cpu = time.perf_counter(), time.process_time()
        outcome = actions.import_list(None, "generic", [path])
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        actions._screen_held_rosters = screen
    done = outcome.list_import
    screenings = Screening.objects.filter(list_import=done)
    return {
        "seconds": round(seconds, 2),
        # This process's own CPU time: what the machine's other work does not stretch (on
        # SQLite it is nearly all the work; PostgreSQL's own is in its server's processes).
        "cpu_seconds": round(cpu, 2),
        "load_average": round(os.getloadavg()[0], 1),
        "import_seconds": round(seconds - screening[0], 2),
        "screening_seconds": round(screening[0], 2),
        "matcher_seconds": round(sum(s.seconds for s in screenings), 2),
        "read": done.read,
        "added": done.added,
        "changed": done.changed,
        "unchanged": done.unchanged,
        "rejected": len(done.rejected),
        "candidates": sum(s.candidates.count() for s in screenings),
        "alerts": outcome.alerts,
    }


def empty_registry() -> None:
    """Take every entry and import out again, for the next round's first import."""
    from django.db import connection

    from custodes.web.registry.models import Entry, ListImport, Service

    with connection.cursor() as cursor:
        for model in (Service, Entry, ListImport):  # no screening refers to them yet
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def rounds(path: Path, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Time a first import and an unchanged re-import, `count` times, on an emptied registry.

    The machine is shared: one run can take half again as long as the next, so the figures
    are each round's, and their median.
    """
    from custodes.web.trail.models import TrailEvent

    firsts, agains = [], []
    for number in range(1, count + 1):
        if number > 1:
            empty_registry()
        firsts.append(timed_import(path))
        print(f"round {number}, first import: {firsts[-1]}", flush=True)
        events = TrailEvent.objects.count()
        agains.append(timed_import(path))
        agains[-1]["trail_events"] = TrailEvent.objects.count() - events
        print(f"round {number}, unchanged re-import: {agains[-1]}", flush=True)
        if (agains[-1]["added"], agains[-1]["changed"]) != (0, 0):
            raise SystemExit("an unchanged re-import changed entries")
    return firsts, agains


def median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the median run by wall time, with the range of every run's wall and CPU time."""
    ordered = sorted(runs, key=lambda run: float(run["seconds"]))
    return {
        **ordered[len(ordered) // 2],
        "rounds": len(runs),
        "seconds_range": [ordered[0]["seconds"], ordered[-1]["seconds"]],
        "cpu_seconds_range": [
            min(run["cpu_seconds"] for run in runs),
            max(run["cpu_seconds"] for run in runs),
        ],
    }


def main() -> None:
    """Make the files and the database, time the imports, print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL scratch database to make afresh")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--staff", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="custodes-bench-import-") as tmp:
        folder = Path(tmp)
        print(f"making a list of {args.entries:,} entries and a roster …", flush=True)
        made = make_files(folder, args.entries, args.staff)
        files = made.pop("files")
        engine = django_setup(args.database_url, folder)
        from custodes.web.registry.actions import load_roster
        from custodes.web.registry.models import Entry

        base = baselines(files["list"])
        print(f"baselines: {base}", flush=True)
        firsts, agains = rounds(files["list"], args.rounds)
        first, again = median(firsts), median(agains)
        started = time.perf_counter()
        load_roster(None, "all staff", "XF", files["roster"])
        roster_seconds = time.perf_counter() - started
        changed = timed_import(files["changed"])
        print(f"1% changed, roster held: {changed}", flush=True)
        if changed["changed"] != made["changed_rows"]:
            raise SystemExit(f"{changed['changed']} entries changed, not {made['changed_rows']}")
        renamed = timed_import(files["renamed"])
        print(f"every entry changed (a new file name), roster held: {renamed}", flush=True)
        result: dict[str, Any] = {
            "database": engine,
            **made,
            "entries_in_registry": Entry.objects.count(),
            "baselines": base,
            "first_import": first,
            "unchanged_reimport": again,
            "first_import_rounds": firsts,
            "unchanged_reimport_rounds": agains,
            "roster_load_seconds": round(roster_seconds, 2),
            "changed_reimport_with_roster": changed,
            "every_entry_changed_with_roster": renamed,
            "aims": AIMS,
            "met": {
                "first_import": first["seconds"] < AIMS["first_import_seconds"],
                "unchanged_reimport": again["seconds"] < AIMS["unchanged_reimport_seconds"],
            },
            "first_import_vs_csv_module": round(
                first["seconds"] / max(base["csv_module_seconds"], 0.01), 1
            ),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {sys.version[:6]}",
            "date": time.strftime("%Y-%m-%d"),
        }
    print()
    print(f"{engine}, {args.entries:,} entries; median of {args.rounds} rounds where a range shows")
    print(f"{'measure':46} {'wall':>9} {'range':>15} {'cpu':>8} {'aim':>8}")
    lines = [
        ("read with the csv module alone (baseline)", base["csv_module_seconds"], None, ""),
        ("read_generic alone (baseline)", base["read_generic_seconds"], None, ""),
        ("first import", first["seconds"], first, "< 20 s"),
        ("unchanged re-import", again["seconds"], again, "< 10 s"),
        ("1% changed re-import, roster held", changed["seconds"], changed, ""),
        ("  of which the import", changed["import_seconds"], None, ""),
        (f"  of which screening {args.staff:,} staff", changed["screening_seconds"], None, ""),
        ("every entry changed, roster held", renamed["seconds"], renamed, ""),
        ("  of which the import", renamed["import_seconds"], None, ""),
        (f"  of which screening {args.staff:,} staff", renamed["screening_seconds"], None, ""),
    ]
    for label, seconds, run, aim in lines:
        spread = run.get("seconds_range") if run else None
        shown = f"{spread[0]:.1f}-{spread[1]:.1f} s" if spread else ""
        cpu = f"{run['cpu_seconds']:.1f} s" if run else ""
        print(f"{label:46} {seconds:>7.2f} s {shown:>15} {cpu:>8} {aim:>8}")
    print(json.dumps(result, indent=2, default=str))
    (HERE / "results").mkdir(exist_ok=True)
    out = "registry_import.json" if engine == "sqlite" else f"registry_import_{engine}.json"
    (HERE / "results" / out).write_text(json.dumps(result, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
