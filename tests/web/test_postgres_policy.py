"""The live database's row-level security is the policy module's, and a drift is named."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection, transaction
from psycopg import sql

from custodes.web.dbsecurity.policy import FUNCTIONS, POLICIES, RETIRED, TABLES, differences

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


@contextmanager
def changed(*statements: str) -> Iterator[None]:
    """Run statements as the owner for the block, then take them back."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        yield
        transaction.set_rollback(True)


def test_the_migrated_database_is_exactly_the_policy(db: None) -> None:
    """Every function, policy, guarded table and right is the module's, and nothing else."""
    assert differences(connection) == []
    assert len(FUNCTIONS) > 20 and len(POLICIES) > 15 and "trail_trailevent" in TABLES


def test_a_function_edited_in_the_database_is_named(db: None) -> None:
    """Someone with the owner's rights who loosens a rule in SQL is caught by the comparison."""
    loosened = (
        "CREATE OR REPLACE FUNCTION custodes_may_read_trail(p_viewer bigint) RETURNS boolean"
        " LANGUAGE sql STABLE SECURITY DEFINER"
        " SET search_path = pg_catalog, public, pg_temp SET jit = off AS $$ SELECT true $$"
    )
    with changed(loosened):
        assert differences(connection) == [
            "function custodes_may_read_trail(bigint)'s body is not the policy's"
        ]


def test_a_policy_dropped_or_changed_is_named(db: None) -> None:
    """A policy removed, or put back with another rule, and RLS switched off are all named."""
    with changed(
        "DROP POLICY custodes_select ON trail_trailevent",
        "DROP POLICY custodes_delete ON cases_case",
        "CREATE POLICY custodes_delete ON cases_case FOR DELETE USING (true)",
        "ALTER TABLE cases_caseparty DISABLE ROW LEVEL SECURITY",
    ):
        found = differences(connection)
    assert "policy custodes_select on trail_trailevent is missing" in found
    assert "policy custodes_delete on cases_case is not the policy's" in found
    assert "row-level security is off for cases_caseparty, not as the policy has it" in found
    assert len(found) == 3


def test_a_right_given_or_a_function_added_is_named(db: None) -> None:
    """Rights beyond the policy's, and functions it does not know, are named too."""
    role = sql.Identifier(settings.DB_APP_ROLE).as_string(connection.connection)
    with changed(
        f"GRANT UPDATE ON trail_trailevent TO {role}",
        f"GRANT UPDATE (score) ON alerts_auditalert TO {role}",
        "CREATE FUNCTION custodes_extra() RETURNS boolean LANGUAGE sql AS $$ SELECT true $$",
    ):
        found = differences(connection)
    assert f"{settings.DB_APP_ROLE} has UPDATE on trail_trailevent" in found
    assert f"{settings.DB_APP_ROLE} has UPDATE on alerts_auditalert.score" in found
    assert "function custodes_extra() is in the database but not in the policy" in found


def test_retired_functions_are_gone_and_one_put_back_is_named(db: None) -> None:
    """A function retired from the policy is dropped by the migrations, and would be named."""
    # Handed every pending report to any handler's role; the owner takes reports in now.
    assert "custodes_pending_reports()" in RETIRED
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'custodes_pending_reports'")
        assert cursor.fetchone() == (0,)
    with changed(
        "CREATE FUNCTION custodes_pending_reports() RETURNS SETOF portal_report"
        " LANGUAGE sql STABLE SECURITY DEFINER AS $$ SELECT * FROM portal_report $$"
    ):
        found = differences(connection)
    assert found == ["function custodes_pending_reports() is in the database but not in the policy"]
