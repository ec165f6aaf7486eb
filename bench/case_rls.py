"""Time PostgreSQL's row-level security on cases opened from audit alerts, as the app's role.

Run: .venv/bin/python bench/case_rls.py            (PostgreSQL at 127.0.0.1:5432, trust auth)

A scratch database gets 24 imported audit runs of 20,000 force staff each (a line-management
tree six wide, units of 25) and an investigator who is on every run's staff; 200 cases opened
from alerts about other staff, the investigator on each case's team, and 5 parties on one of
them. Timed, each the median of several runs of the same statement:

- every case the investigator may see, their case list as the web app asks for it (through
  their access rows) and one case's parties, as the application's role, where row-level
  security decides each row;
- the same statements as the tables' owner, whom row-level security does not bind: the
  baseline, the cost of the query itself.

The policies are timed as they now stand and, in the same run on the same rows, with the
migrations put back to 0006 (the conflict sets worked out once for every case row), so the
figures show what 0007 changed.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

HERE = Path(__file__).resolve().parent
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
NAME = "custodes_bench_rls"
RUNS, STAFF, WIDE, UNIT, CASES, PARTIES = 24, 20_000, 6, 25, 200, 5
VIEWER_STAFF_ID = "U012345"
REPEATS = 5


def fresh_database() -> None:
    """Drop and make the scratch database."""
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        con.execute(f"CREATE DATABASE {NAME}")


def django_setup() -> None:
    """Point the web app's settings at the scratch database and start Django."""
    os.environ["DATABASE_URL"] = f"{SERVER}/{NAME}"
    os.environ.setdefault("CUSTODES_MODE", "test")
    os.environ.setdefault("CUSTODES_DATA_DIR", tempfile.mkdtemp(prefix="custodes-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "custodes.web.settings"
    import django

    django.setup()


def populate() -> tuple[int, str]:
    """Make the runs, staff, viewer, cases and parties; return the viewer's id and a case's."""
    from django.db import connection, transaction

    from custodes.web.accounts.actions import create_user
    from custodes.web.accounts.models import Role
    from custodes.web.cases.parties import add_party

    viewer, _ = create_user(
        None,
        "bench-investigator",
        "correct horse battery staple",
        role=Role.PSD_INVESTIGATOR,
        force="XF",
        unit="psd-1",
        force_user_id=VIEWER_STAFF_ID,
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO alerts_auditrun (source, fingerprint, force, imported_at, staff_count,
                alert_count, evidence_count, look_ups, explained, explained_share)
            SELECT 'bench-' || r, md5('bench' || r), 'XF', now() - r * interval '30 days',
                   %s, 0, 0, 0, 0, 1 FROM generate_series(1, %s) AS r
            """,
            [STAFF, RUNS],
        )
        # A tree: staff s reports to s / WIDE; the chief (1) reports to nobody.
        cur.execute(
            """
            INSERT INTO alerts_forcestaff (run_id, force, user_id, unit, line_manager_id)
            SELECT run.id, 'XF', 'U' || lpad(s::text, 6, '0'), 'unit-' || (s / %s),
                   CASE WHEN s / %s >= 1 THEN 'U' || lpad((s / %s)::text, 6, '0') ELSE '' END
            FROM alerts_auditrun AS run, generate_series(1, %s) AS s
            """,
            [UNIT, WIDE, WIDE, STAFF],
        )
        # Cases about staff far from the viewer, each with the viewer on its team.
        cur.execute(
            """
            WITH made AS (
                INSERT INTO cases_case (id, reference, title, subject_id, subject_force,
                    subject_force_user_id, sealed, opened_by_id, opened_at)
                SELECT gen_random_uuid(), 'AUD-' || c, 'Unexplained look-ups', NULL, 'XF',
                       'U' || lpad((100 + c * 97)::text, 6, '0'), false, %s, now()
                FROM generate_series(1, %s) AS c
                RETURNING id)
            INSERT INTO cases_caseaccess (case_id, user_id, kind, reason, granted_by_id,
                granted_at)
            SELECT id, %s, 'member', '', %s, now() FROM made
            """,
            [viewer.pk, CASES, viewer.pk, viewer.pk],
        )
        cur.execute("ANALYZE")
    from custodes.web.cases.models import Case

    case = Case.objects.order_by("reference").first()
    assert case is not None
    for k in range(PARTIES):
        add_party(viewer, case, "witness", f"Witness {k}", "")
    return viewer.pk, str(case.pk)


# Each statement counts what it finds, so the policies' answers can be compared too.
STATEMENTS = {
    "every case": ("SELECT count(*) FROM cases_case", []),
    # What cases_for_user asks: the cases the viewer has access rows on.
    "the viewer's case list": (
        "SELECT count(DISTINCT c.id) FROM cases_case AS c"
        " JOIN cases_caseaccess AS a ON a.case_id = c.id WHERE a.user_id = %s",
        ["viewer"],
    ),
    "one case's parties": ("SELECT count(*) FROM cases_caseparty WHERE case_id = %s", ["case"]),
}


def timed(viewer: int, case: str, as_app: bool) -> dict[str, tuple[float, int]]:
    """Return each statement's median milliseconds and the rows it counted."""
    from django.conf import settings
    from django.db import connection, transaction

    out: dict[str, tuple[float, int]] = {}
    for label, (statement, names) in STATEMENTS.items():
        params: list[Any] = [{"case": case, "viewer": viewer}[name] for name in names]
        seconds, count = [], 0
        for _ in range(REPEATS):
            with transaction.atomic(), connection.cursor() as cur:
                if as_app:
                    cur.execute(f'SET LOCAL ROLE "{settings.DB_APP_ROLE}"')
                    cur.execute("SELECT set_config('custodes.user_id', %s, true)", [str(viewer)])
                started = time.perf_counter()
                cur.execute(statement, params)
                (count,) = cur.fetchone()
                seconds.append(time.perf_counter() - started)
        out[label] = (round(statistics.median(seconds) * 1000, 1), int(count))
    return out


def main() -> None:
    """Build the scratch database, time both policies and the owner, and print the figures."""
    fresh_database()
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    viewer, case = populate()
    now = timed(viewer, case, as_app=True)
    owner = timed(viewer, case, as_app=False)
    call_command("migrate", "dbsecurity", "0006_audit_subject_rls", verbosity=0)
    before = timed(viewer, case, as_app=True)
    call_command("migrate", "dbsecurity", verbosity=0)
    result: dict[str, Any] = {
        "runs": RUNS,
        "staff_per_run": STAFF,
        "cases": CASES,
        "parties": PARTIES,
        "repeats": REPEATS,
        "statements": {},
        "date": time.strftime("%Y-%m-%d"),
    }
    for label in STATEMENTS:
        (ms_now, n_now), (ms_before, n_before), (ms_owner, n_owner) = (
            now[label],
            before[label],
            owner[label],
        )
        if n_now != n_before:
            raise SystemExit(f"{label}: the policies disagree ({n_now} rows against {n_before})")
        result["statements"][label] = {
            "rows_seen": n_now,
            "rows_in_table": n_owner,
            "owner_ms": ms_owner,
            "policy_0006_ms": ms_before,
            "policy_now_ms": ms_now,
            "now_vs_owner": round(ms_now / max(ms_owner, 0.01), 1),
            "0006_vs_now": round(ms_before / max(ms_now, 0.01), 1),
        }
    print(json.dumps(result, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "case_rls.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
