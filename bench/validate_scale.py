"""Time `validate_extract` on a large extract, valid or with a few late problems planted.

Run: .venv/bin/python bench/validate_scale.py --rows 10000000 --format parquet [--broken]
Target: well under a minute for ten million look-ups in Parquet on a 2-core machine.
The extract is written by DuckDB, not by `custodes synth`, so its size and its planted
problems (at 60, 70, 80 and 90% of the look-ups) are exact and it takes seconds to make.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from custodes.audit.extract import connect
from custodes.audit.sql import quote_literal
from custodes.audit.validate import validate_extract

HERE = Path(__file__).resolve().parent

TABLES = {
    "staff": """SELECT 'u' || i AS user_id, 'XX' AS force, 'officer' AS role,
        'unit' || (i % 20) AS unit, CASE WHEN i > 0 THEN 'u' || (i // 10) END AS line_manager_id,
        i % 50 = 0 AS broad_access FROM range(2000) t(i)""",
    "persons": """SELECT 'p' || i AS person_id, DATE '1970-01-01' + CAST(i % 20000 AS INTEGER)
        AS birth_date, ['F', 'M', 'X', NULL][1 + i % 4] AS sex,
        CAST(NULL AS VARCHAR) AS staff_user_id FROM range(1000000) t(i)""",
    "incidents": """SELECT 'i' || i AS incident_id, 'theft' AS kind,
        TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_seconds(i * 60) AS opened_at,
        CAST(NULL AS TIMESTAMPTZ) AS closed_at FROM range(500000) t(i)""",
    "incident_persons": """SELECT 'i' || (i % 500000) AS incident_id,
        'p' || (i * 7 % 1000000) AS person_id, 'victim' AS role FROM range(1000000) t(i)""",
    "incident_staff": """SELECT 'i' || (i % 500000) AS incident_id, 'u' || (i % 2000) AS user_id,
        'attending' AS role, CAST(NULL AS TIMESTAMPTZ) AS assigned_from,
        CAST(NULL AS TIMESTAMPTZ) AS assigned_to FROM range(1000000) t(i)""",
}


def events_sql(rows: int, broken: bool) -> str:
    """Build `rows` look-ups; when `broken`, four planted late in the file break the spec."""

    def planted(at: float, bad: str, good: str) -> str:
        # Rows are 0-based here; the report names them one higher.
        return f"CASE WHEN i = {int(rows * at)} THEN {quote_literal(bad)} ELSE {good} END"

    ts = "TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_seconds(i)"
    user = "'u' || (hash(i) % 2000)"
    action = "['search', 'view', 'print', 'export', 'update'][1 + i % 5]"
    if broken:
        event = f"CASE WHEN i = {int(rows * 0.9)} THEN 'e5' ELSE 'e' || i END"
        ts = planted(0.7, "nope", f"strftime({ts}, '%Y-%m-%dT%H:%M:%SZ')")
        user = planted(0.8, "ghost", user)
        action = planted(0.6, "stalk", action)
    else:
        event = "'e' || i"
    # Only this script's own constants go into the SQL.
    return f"""SELECT {event} AS event_id, {ts} AS ts, {user} AS user_id,
        ['PNC', 'RMS', 'CAD'][1 + i % 3] AS system, {action} AS action,
        CASE WHEN i % 3 > 0 THEN 'p' || (hash(i + 1) % 1000000) END AS person_id,
        CASE WHEN i % 4 = 0 THEN 'i' || (hash(i + 2) % 500000) END AS incident_id,
        CASE WHEN i % 10 = 0 THEN 'i' || (hash(i + 3) % 500000) END AS reason_incident_id
        FROM range({rows}) t(i)"""


def write(folder: Path, rows: int, fmt: str, broken: bool) -> None:
    """Write the extract into `folder` unless a previous run left it there."""
    if (folder / f"access_events.{fmt}").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    con = connect()
    options = "(FORMAT parquet)" if fmt == "parquet" else "(FORMAT csv, HEADER)"
    for name, sql in {**TABLES, "access_events": events_sql(rows, broken)}.items():
        target = quote_literal(str(folder / f"{name}.{fmt}"))
        con.execute(f"COPY ({sql}) TO {target} {options}")
    con.close()


def main() -> None:
    """Write the extract if needed, validate it, and print the time and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--broken", action="store_true", help="plant four late problems")
    args = parser.parse_args()
    kind = "broken" if args.broken else "valid"
    folder = HERE / "out" / f"validate-{args.rows}-{args.format}-{kind}"
    write(folder, args.rows, args.format, args.broken)
    start = time.perf_counter()
    report = validate_extract(folder)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{args.rows:,} look-ups, {args.format}, {kind}: {wall:.1f} s, peak {peak:.2f} GiB")
    for problem in report.problems:
        print(f"  {problem}")


if __name__ == "__main__":
    main()
