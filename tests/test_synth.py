"""The synthetic force: deterministic, to the spec, realistic, with its planted patterns."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from custodes.audit.schema import TABLES, arrow_schema
from custodes.errors import CustodesError
from custodes.synth import DECOY_PATTERNS, MISCONDUCT_PATTERNS, SynthConfig, generate
from tests.synth_helpers import connect_extract

Truth = dict[str, list[str]]
SMALL = SynthConfig(staff=600, days=60, seed=7, prevalence=0.005, decoys=0.005)


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "force"
    generate(SMALL, out)
    return out


@pytest.fixture(scope="module")
def con(extract: Path) -> duckdb.DuckDBPyConnection:
    return connect_extract(extract)


@pytest.fixture(scope="module")
def truth(extract: Path) -> dict[str, list[str]]:
    by_pattern: dict[str, list[str]] = {}
    with (extract.parent / "force.truth.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_pattern.setdefault(row["pattern"], []).append(row["user_id"])
    return by_pattern


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_same_arguments_give_byte_identical_files(tmp_path: Path, fmt: str) -> None:
    config = SynthConfig(staff=120, days=14, seed=3)
    generate(config, tmp_path / "a", fmt=fmt)
    generate(config, tmp_path / "b", fmt=fmt)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert (tmp_path / "a.truth.csv").read_bytes() == (tmp_path / "b.truth.csv").read_bytes()
    generate(SynthConfig(staff=120, days=14, seed=4), tmp_path / "c", fmt=fmt)
    assert (
        _digests(tmp_path / "c")["access_events." + fmt]
        != _digests(tmp_path / "a")["access_events." + fmt]
    )


def test_every_table_has_the_spec_schema(extract: Path) -> None:
    for spec in TABLES:
        schema = pq.read_schema(extract / f"{spec.name}.parquet")
        assert schema.names == [c.name for c in spec.columns], spec.name
        assert schema.equals(arrow_schema(spec.name)), spec.name


def test_the_truth_is_beside_the_extract_never_inside_it(extract: Path, truth: Truth) -> None:
    assert sorted(p.name for p in extract.iterdir()) == sorted(f"{t.name}.parquet" for t in TABLES)
    assert set(truth) == set(MISCONDUCT_PATTERNS) | set(DECOY_PATTERNS)
    # 0.5% of 600 staff is three of each pattern, each a different person.
    assert all(len(users) == 3 for users in truth.values())
    everyone = [u for users in truth.values() for u in users]
    assert len(everyone) == len(set(everyone))


def test_ids_are_unique_and_references_resolve(con: duckdb.DuckDBPyConnection) -> None:
    for table, key in [
        ("staff", "user_id"),
        ("persons", "person_id"),
        ("incidents", "incident_id"),
        ("access_events", "event_id"),
    ]:
        dupes = con.execute(f"SELECT count(*) - count(DISTINCT {key}) FROM {table}").fetchone()
        assert dupes == (0,), table
    for table, column, target, key in [
        ("access_events", "user_id", "staff", "user_id"),
        ("access_events", "person_id", "persons", "person_id"),
        ("access_events", "incident_id", "incidents", "incident_id"),
        ("access_events", "reason_incident_id", "incidents", "incident_id"),
        ("incident_staff", "user_id", "staff", "user_id"),
        ("incident_persons", "person_id", "persons", "person_id"),
        ("staff", "line_manager_id", "staff", "user_id"),
        ("complaints", "complainant_person_id", "persons", "person_id"),
    ]:
        orphans = con.execute(
            f"SELECT count(*) FROM {table} t ANTI JOIN {target} r ON t.{column} = r.{key} "
            f"WHERE t.{column} IS NOT NULL"
        ).fetchone()
        assert orphans == (0,), f"{table}.{column}"


def test_every_look_up_opens_a_person_or_an_incident(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        "SELECT count(*) FILTER (WHERE person_id IS NULL AND incident_id IS NULL), "
        "count(*) FILTER (WHERE person_id IS NOT NULL AND incident_id IS NOT NULL) "
        "FROM access_events"
    ).fetchone()
    assert row == (0, 0)


def test_the_force_has_units_managers_and_rotas(con: duckdb.DuckDBPyConnection) -> None:
    units = {u for (u,) in con.execute("SELECT DISTINCT unit FROM staff").fetchall()}
    for department in (
        "response",
        "neighbourhood",
        "public-protection",
        "cid",
        "intelligence",
        "control-room",
        "psd",
    ):
        assert any(u.startswith(department) for u in units), department
    # Everyone's chain of line managers reaches the chief officer, without loops.
    chain = con.execute(
        """
        WITH RECURSIVE up(user_id, manager, depth) AS (
            SELECT user_id, line_manager_id, 0 FROM staff
            UNION ALL
            SELECT up.user_id, s.line_manager_id, depth + 1
            FROM up JOIN staff s ON s.user_id = up.manager WHERE depth < 10
        )
        SELECT count(DISTINCT user_id) FROM up WHERE manager IS NULL
        """
    ).fetchone()
    assert chain == (600,)
    broad = dict(
        con.execute(
            "SELECT split_part(unit, '-', 1), bool_and(broad_access) FROM staff GROUP BY 1"
        ).fetchall()
    )
    assert broad["intelligence"] and broad["psd"] and not broad["response"]
    # Response teams work days and nights; offices work weekdays.
    nights = con.execute(
        "SELECT count(*) FROM shifts JOIN staff USING (user_id) "
        "WHERE unit LIKE 'response%' AND hour(start) = 22"
    ).fetchone()
    weekend_office = con.execute(
        "SELECT count(*) FROM shifts JOIN staff USING (user_id) "
        "WHERE unit LIKE 'cid%' AND isodow(start) IN (6, 7) AND hour(start) BETWEEN 7 AND 9"
    ).fetchone()
    assert nights is not None and nights[0] > 100
    assert weekend_office == (0,)


def test_people_and_incidents_are_realistic(con: duckdb.DuckDBPyConnection) -> None:
    share = con.execute(
        "SELECT avg((sex = 'F')::INT), avg((birth_date IS NULL)::INT) FROM persons"
    ).fetchone()
    assert share is not None and 0.4 < share[0] < 0.55 and 0.0 < share[1] < 0.05
    marked = con.execute(
        "SELECT count(DISTINCT person_id) / (SELECT count(*) FROM persons) FROM person_markers"
    ).fetchone()
    assert marked is not None and 0.05 < marked[0] < 0.3
    kinds = dict(con.execute("SELECT kind, count(*) FROM incidents GROUP BY kind").fetchall())
    assert len(kinds) >= 10 and kinds["domestic-abuse"] > kinds["sexual-offence"] > 0
    # Domestic-abuse victims carry the matching marker far more often than the public.
    victims = con.execute(
        """
        SELECT avg((m.person_id IS NOT NULL)::INT) FROM incident_persons ip
        JOIN incidents i USING (incident_id)
        LEFT JOIN (SELECT DISTINCT person_id FROM person_markers
                   WHERE marker = 'domestic-abuse-victim') m USING (person_id)
        WHERE i.kind = 'domestic-abuse' AND ip.role = 'victim'
        """
    ).fetchone()
    assert victims is not None and victims[0] > 0.9
    unstaffed = con.execute(
        "SELECT count(*) FROM incidents i ANTI JOIN incident_staff s USING (incident_id)"
    ).fetchone()
    assert unstaffed == (0,)


EXPLAINED = """
WITH assigned AS (
    SELECT s.incident_id, s.user_id,
           coalesce(s.assigned_from, i.opened_at) - INTERVAL 1 DAY AS lo,
           coalesce(s.assigned_to, i.closed_at, TIMESTAMPTZ '9999-01-01') + INTERVAL 7 DAY AS hi
    FROM incident_staff s JOIN incidents i USING (incident_id)
),
direct AS (
    SELECT e.event_id FROM access_events e
    JOIN incident_persons ip ON ip.person_id = e.person_id
    JOIN assigned a ON a.incident_id = ip.incident_id AND a.user_id = e.user_id
    WHERE e.ts BETWEEN a.lo AND a.hi
    UNION
    SELECT e.event_id FROM access_events e
    JOIN assigned a ON a.incident_id = e.incident_id AND a.user_id = e.user_id
    WHERE e.ts BETWEEN a.lo AND a.hi
),
team AS (
    SELECT e.event_id FROM access_events e
    JOIN incident_persons ip ON ip.person_id = e.person_id
    JOIN assigned a ON a.incident_id = ip.incident_id
    JOIN staff other ON other.user_id = a.user_id
    JOIN staff me ON me.user_id = e.user_id
    WHERE (other.unit = me.unit OR other.line_manager_id = me.user_id)
      AND e.ts BETWEEN a.lo AND a.hi
)
SELECT e.*, e.event_id IN (SELECT event_id FROM direct) AS direct,
       e.event_id IN (SELECT event_id FROM direct) OR e.event_id IN (SELECT event_id FROM team)
       OR s.broad_access AS explained
FROM access_events e JOIN staff s USING (user_id)
"""
# Planted look-ups have no reason in the user's own work; a team-mate's may still cover them.


def test_look_ups_follow_the_work(con: duckdb.DuckDBPyConnection, truth: Truth) -> None:
    planted = [u for p in MISCONDUCT_PATTERNS for u in truth[p]]
    share = con.execute(
        f"SELECT avg(explained::INT) FROM ({EXPLAINED}) WHERE user_id NOT IN $planted",
        parameters={"planted": planted},
    ).fetchone()
    assert share is not None and share[0] >= 0.97
    # Attending officers look people up during and shortly after the job.
    lag = con.execute(
        """
        SELECT quantile_cont(epoch(e.ts - s.assigned_from) / 3600, 0.9)
        FROM access_events e
        JOIN incident_persons ip ON ip.person_id = e.person_id
        JOIN incident_staff s ON s.incident_id = ip.incident_id AND s.user_id = e.user_id
        WHERE s.role = 'attending' AND e.ts >= s.assigned_from - INTERVAL 1 HOUR
          AND e.ts < s.assigned_from + INTERVAL 30 DAY
        """
    ).fetchone()
    assert lag is not None and lag[0] < 12


OFF_DUTY = """
NOT EXISTS (SELECT 1 FROM shifts s WHERE s.user_id = u.user_id AND u.ts BETWEEN s.start AND s."end")
"""


def test_post_contact_keeps_looking_up_a_vulnerable_woman_met_on_a_job(
    con: duckdb.DuckDBPyConnection, truth: Truth
) -> None:
    for user in truth["post-contact"]:
        rows = con.execute(
            f"""
            SELECT u.person_id, count(*) AS n, count(DISTINCT u.ts::DATE) AS n_days,
                   avg(({OFF_DUTY})::INT) AS off_duty,
                   min(u.ts) - max(s.assigned_to) AS gap
            FROM ({EXPLAINED}) u
            JOIN incident_persons ip ON ip.person_id = u.person_id
            JOIN incident_staff s ON s.incident_id = ip.incident_id AND s.user_id = u.user_id
            JOIN persons p ON p.person_id = u.person_id
            WHERE u.user_id = $user AND NOT u.direct AND s.role = 'attending' AND p.sex = 'F'
              AND u.person_id IN (SELECT person_id FROM person_markers)
            GROUP BY u.person_id
            """,
            parameters={"user": user},
        ).fetchall()
        assert rows, user
        _, n, days, off_duty, gap = max(rows, key=lambda r: r[1])
        assert n >= 5 and days >= 3 and off_duty >= 0.25 and gap.days >= 14, (user, rows)


def test_trawling_searches_many_young_women_with_no_work_reason(
    con: duckdb.DuckDBPyConnection, truth: Truth
) -> None:
    for user in truth["trawling"]:
        row = con.execute(
            f"SELECT count(DISTINCT person_id) FROM ({EXPLAINED}) "
            "WHERE NOT direct AND user_id = $user",
            parameters={"user": user},
        ).fetchone()
        women = con.execute(
            """
            SELECT avg((p.sex = 'F' AND date_diff('year', p.birth_date, u.ts::DATE) < 37)::INT)
            FROM access_events u JOIN persons p USING (person_id)
            WHERE u.user_id = $user AND u.person_id IN (
                SELECT person_id FROM access_events WHERE user_id = $user
                GROUP BY 1 HAVING count(*) = 1)
            """,
            parameters={"user": user},
        ).fetchone()
        assert row is not None and row[0] >= 20, user
        assert women is not None and women[0] > 0.5, user


def test_complainant_is_looked_up_after_the_complaint(
    con: duckdb.DuckDBPyConnection, truth: Truth
) -> None:
    for user in truth["complainant"]:
        row = con.execute(
            f"""
            SELECT count(*) FROM ({EXPLAINED}) u
            JOIN complaints c ON c.subject_user_id = u.user_id
             AND c.complainant_person_id = u.person_id
            WHERE u.user_id = $user AND u.ts > c.received_at AND NOT u.direct
            """,
            parameters={"user": user},
        ).fetchone()
        assert row is not None and row[0] >= 3, user


def test_former_partner_is_looked_up_repeatedly_off_duty_and_undeclared(
    con: duckdb.DuckDBPyConnection, truth: Truth
) -> None:
    for user in truth["former-partner"]:
        rows = con.execute(
            f"""
            SELECT person_id, count(*), count(DISTINCT ts::DATE), avg(({OFF_DUTY})::INT)
            FROM ({EXPLAINED}) u WHERE user_id = $user AND NOT direct
              AND person_id NOT IN (SELECT person_id FROM declared_associations
                                    WHERE user_id = $user)
            GROUP BY person_id ORDER BY 2 DESC LIMIT 1
            """,
            parameters={"user": user},
        ).fetchone()
        assert rows is not None and rows[1] >= 6 and rows[2] >= 3 and rows[3] >= 0.4, user


def test_decoys_look_odd_but_have_a_reason(con: duckdb.DuckDBPyConnection, truth: Truth) -> None:
    analysts = con.execute(
        "SELECT bool_and(broad_access) FROM staff WHERE user_id IN $u",
        parameters={"u": truth["decoy-analyst"]},
    ).fetchone()
    assert analysts == (True,)
    relatives = con.execute(
        """
        SELECT count(DISTINCT e.user_id) FROM access_events e
        JOIN declared_associations d USING (user_id, person_id)
        WHERE e.user_id IN $u AND d.kind = 'family'
        """,
        parameters={"u": truth["decoy-relative"]},
    ).fetchone()
    assert relatives == (len(truth["decoy-relative"]),)
    # The sergeants' reading of their team's jobs is explained by line management.
    sergeants = con.execute(
        f"SELECT avg(explained::INT), count(*) FROM ({EXPLAINED}) WHERE user_id IN $u",
        parameters={"u": truth["decoy-supervisor"]},
    ).fetchone()
    assert sergeants is not None and sergeants[0] > 0.95 and sergeants[1] > 50


def test_prevalence_and_intensity_are_parameters(tmp_path: Path) -> None:
    none = generate(SynthConfig(staff=300, days=21, seed=2, prevalence=0, decoys=0), tmp_path / "n")
    assert sum(none.truth_counts.values()) == 0
    mild = generate(SynthConfig(staff=300, days=21, seed=2, intensity=0.5), tmp_path / "m")
    hard = generate(SynthConfig(staff=300, days=21, seed=2, intensity=3.0), tmp_path / "h")
    assert hard.counts["access_events"] > mild.counts["access_events"]


def test_refuses_to_replace_a_folder_that_is_not_a_synthetic_extract(tmp_path: Path) -> None:
    precious = tmp_path / "evidence"
    precious.mkdir()
    (precious / "statement.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(CustodesError, match="not a synthetic extract"):
        generate(SynthConfig(staff=50, days=7), precious)
    assert (precious / "statement.txt").read_text(encoding="utf-8") == "keep me"
