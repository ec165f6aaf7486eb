"""The load stage: code every id as a number and every time as epoch seconds, once."""

from __future__ import annotations

from custodes.audit.dialect import OPEN_END, Dialect
from custodes.audit.pipeline.step import Step

__all__ = ["KEYED", "OPTIONAL_INPUTS", "key_clashes_sql", "load_steps"]


# Columns of the coded optional tables, for an empty stand-in when the table is absent.
OPTIONAL_INPUTS: dict[str, dict[str, str]] = {
    "person_markers": {
        "person_id": "VARCHAR",
        "marker": "VARCHAR",
        "valid_from": "DATE",
        "valid_to": "DATE",
    },
    "shifts": {"user_id": "VARCHAR", "start": "TIMESTAMP", "end": "TIMESTAMP"},
    "complaints": {
        "complaint_id": "VARCHAR",
        "subject_user_id": "VARCHAR",
        "complainant_person_id": "VARCHAR",
        "received_at": "TIMESTAMP",
    },
    "declared_associations": {
        "user_id": "VARCHAR",
        "person_id": "VARCHAR",
        "kind": "VARCHAR",
        "declared_at": "DATE",
    },
}


def load_steps(d: Dialect, salt: int = 0) -> list[Step]:
    """Code every id as a number and every time as epoch seconds, once."""
    # The extract has passed validation, so every id a row names is in its table: ids can be
    # coded where they stand, with no join. `key_clashes_sql` checks the codes are distinct.
    e = d.epoch

    def k(expr: str) -> str:
        return d.key(expr, salt)

    s = "load"
    return [
        Step(
            "a_staff",
            f"""
            SELECT {k("user_id")} AS u, user_id, force, role, unit,
                   coalesce(broad_access, false) AS broad, {k("line_manager_id")} AS mgr_u
            FROM staff""",
            s,
        ),
        Step(
            "a_persons",
            f"""
            SELECT {k("person_id")} AS p, person_id, sex,
                   {k("staff_user_id")} AS staff_u,
                   -- The days a person turns 16, 18 and 36, as the calendar has them: days
                   -- since birth over 365.25 put some 18th birthdays a day late.
                   {d.days(d.add_years("birth_date", 16))} AS day16,
                   {d.days(d.add_years("birth_date", 18))} AS day18,
                   {d.days(d.add_years("birth_date", 36))} AS day36
            FROM persons""",
            s,
        ),
        Step(
            "a_incidents",
            f"""
            SELECT {k("incident_id")} AS i, incident_id, kind,
                   {e("opened_at")} AS opened, {e("closed_at")} AS closed
            FROM incidents""",
            s,
        ),
        Step(
            "a_ip",
            f"SELECT DISTINCT {k('incident_id')} AS i, {k('person_id')} AS p, role "
            "FROM incident_persons",
            s,
        ),
        Step(
            "a_ist",
            f"""
            SELECT x.i, st.u, st.role,
                   coalesce({e("st.assigned_from")}, x.opened) AS lo,
                   coalesce({e("st.assigned_to")}, x.closed, {OPEN_END}) AS hi
            FROM (SELECT *, {k("incident_id")} AS i, {k("user_id")} AS u
                  FROM incident_staff) st
            JOIN a_incidents x ON x.i = st.i""",
            s,
        ),
        # Systems and actions as small numbers: a look-up row carries nothing but numbers
        # through the explanation's joins, which is most of their cost.
        Step(
            "a_system",
            "SELECT system, CAST(row_number() OVER (ORDER BY system) AS SMALLINT) AS sys "
            "FROM (SELECT DISTINCT system FROM access_events) s",
            s,
        ),
        Step(
            "a_action",
            "SELECT action, CAST(row_number() OVER (ORDER BY action) AS SMALLINT) AS act "
            "FROM (SELECT DISTINCT action FROM access_events) s",
            s,
        ),
        Step(
            "a_ev",
            f"""
            SELECT {k("ev.event_id")} AS e, {k("ev.user_id")} AS u, {k("ev.person_id")} AS p,
                   {k("ev.incident_id")} AS i, {k("ev.reason_incident_id")} AS ri,
                   {e("ev.ts")} AS t, sy.sys, ac.act
            FROM access_events ev
            JOIN a_system sy ON sy.system = ev.system
            JOIN a_action ac ON ac.action = ev.action""",
            s,
        ),
        # Look-ups per system and their span, for the outputs: counted once here, while a_ev
        # is in memory, rather than at the end, when at 100 million look-ups it is on disk.
        Step(
            "a_ev_sys",
            "SELECT sys, count(*) AS look_ups, min(t) AS first_t, max(t) AS last_t "
            "FROM a_ev GROUP BY sys",
            s,
        ),
        Step(
            "a_markers",
            f"""
            SELECT {k("person_id")} AS p, marker, {d.days("valid_from")} AS from_day,
                   {d.days("valid_to")} AS to_day
            FROM person_markers""",
            s,
        ),
        Step(
            "a_shifts",
            f"""
            SELECT {k("user_id")} AS u, {e("start")} AS s, {e(d.ident("end"))} AS f
            FROM shifts""",
            s,
        ),
        Step(
            "a_complaints",
            f"""
            SELECT {k("subject_user_id")} AS u, {k("complainant_person_id")} AS p,
                   {e("received_at")} AS received
            FROM complaints WHERE complainant_person_id IS NOT NULL""",
            s,
        ),
        Step(
            "a_decl",
            f"SELECT DISTINCT {k('user_id')} AS u, {k('person_id')} AS p, kind, "
            f"{d.days('declared_at')} AS from_day FROM declared_associations",
            s,
        ),
    ]


# The coded tables whose keys must be distinct, the key, and the extract table they code.
KEYED = (
    ("a_staff", "u", "staff"),
    ("a_persons", "p", "persons"),
    ("a_incidents", "i", "incidents"),
    ("a_ev", "e", "access_events"),
)


def key_clashes_sql(tables: list[str]) -> str:
    """Build a count of ids whose numeric key another id of the same table shares."""
    # Each table's ids are unique (validation checks it), so fewer distinct keys than rows
    # means two ids share a key.
    return " UNION ALL ".join(
        f"SELECT '{table}' AS ids, count(*) - count(DISTINCT {key}) AS clashes FROM {table}"
        for table, key, _ in KEYED
        if table in tables
    )
