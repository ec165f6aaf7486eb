"""Read an officer-history folder (../shared/spec/officer-history.md) into DuckDB, as of any date.

Early intervention and statistics read the three tables through this one loader, so every one
of them keeps the same as-of rule: at a date T only allegations received by T count, and a
finding counts only once it was known (`finding_known_on <= T`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from custodes.caserules import HISTORY_TABLES, HistoryError

__all__ = ["FINDING_LAG_DAYS", "load_history", "serving_sql"]

#: When a source gives no closed date, its finding is taken as known this many days after the
#: allegation was received (the CCRB's records give none; its full investigations took about a
#: year in the years its records cover). A closed date, where given, is always used instead.
FINDING_LAG_DAYS = 365

_DUCK = {"text": "VARCHAR", "integer": "BIGINT", "date": "DATE"}


def _table_file(folder: Path, name: str) -> Path | None:
    found = [folder / f"{name}.{fmt}" for fmt in ("csv", "parquet")]
    present = [path for path in found if path.exists()]
    if len(present) > 1:
        raise HistoryError(f"{folder}: {name} is there as both CSV and Parquet")
    return present[0] if present else None


def _select(name: str, path: Path | None) -> tuple[str, list[str]]:
    """Return a SELECT of a table's spec columns, typed, and the file (if any) it reads."""
    columns = HISTORY_TABLES[name]
    if path is None:
        typed = ", ".join(f"CAST(NULL AS {_DUCK[c.type]}) AS {c.name}" for c in columns)
        return f"SELECT {typed} WHERE false", []
    if path.suffix == ".csv":
        source = "read_csv(?, header = true, all_varchar = true, quote = '\"')"
    else:
        source = "read_parquet(?)"
    described = duckdb.execute(f"DESCRIBE SELECT * FROM {source}", [str(path)]).fetchall()  # noqa: S608
    present = {row[0] for row in described}
    parts = []
    for c in columns:
        if c.name in present:
            text = f"NULLIF(CAST({c.name} AS VARCHAR), '')"
            parts.append(f"CAST({text} AS {_DUCK[c.type]}) AS {c.name}")
        else:
            parts.append(f"CAST(NULL AS {_DUCK[c.type]}) AS {c.name}")
    return f"SELECT {', '.join(parts)} FROM {source}", [str(path)]  # noqa: S608


def load_history(
    folder: Path,
    con: duckdb.DuckDBPyConnection,
    *,
    finding_lag_days: int = FINDING_LAG_DAYS,
) -> dict[str, int]:
    """Load a history folder's tables into `con` as tables `officers`, `allegations` and
    `events` (empty when the folder has none); return each one's rows.

    `allegations` gains `finding_known_on`: the closed date, or, where the source gives none,
    the received date plus `finding_lag_days`; never for an open allegation. The folder is
    not checked here: run `check_history` (or `custodes history validate`) first.
    """
    if not folder.is_dir():
        raise HistoryError(f"{folder} is not a folder")
    counts = {}
    for name in HISTORY_TABLES:
        path = _table_file(folder, name)
        if path is None and name != "events":
            raise HistoryError(f"{folder}: {name}.csv (or {name}.parquet) is missing")
        sql, params = _select(name, path)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}", params)
    con.execute(
        """
        CREATE OR REPLACE TABLE allegations AS
        SELECT *,
               CASE
                 WHEN finding = 'open' THEN NULL
                 WHEN closed_date IS NOT NULL THEN closed_date
                 ELSE CAST(received_date + to_days(CAST(? AS INTEGER)) AS DATE)
               END AS finding_known_on
        FROM allegations
        """,
        [finding_lag_days],
    )
    for name in HISTORY_TABLES:
        # fetchall, not fetchone: a result left unfinished blocks the connection's next query.
        counts[name] = int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])  # noqa: S608
    return counts


def serving_sql() -> str:
    """Return a SELECT of the `officer_ref`s serving at the date bound as `$as_of`.

    Serving: appointed by then (or, with no appointment date, first seen in an allegation
    received or an event dated by then) and not yet left. Sources that record no appointment
    dates (the CCRB's) thus count an officer from their first record on.
    """
    return """
        SELECT o.officer_ref
        FROM officers o
        LEFT JOIN (
            SELECT officer_ref, min(day) AS first_seen FROM (
                SELECT officer_ref, received_date AS day FROM allegations
                UNION ALL
                SELECT officer_ref, date AS day FROM events
            ) GROUP BY officer_ref
        ) s USING (officer_ref)
        WHERE coalesce(o.appointed_date, s.first_seen) <= $as_of
          AND (o.left_date IS NULL OR o.left_date > $as_of)
    """
