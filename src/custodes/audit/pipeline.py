"""The access audit as SQL: load, explain, signal, score. One definition for every engine."""

from __future__ import annotations

from dataclasses import dataclass

from custodes.audit.catalogue import EXPLANATION_KINDS, Catalogue, Signal
from custodes.audit.config import DAY, AuditConfig
from custodes.audit.dialect import OPEN_END, Dialect

__all__ = [
    "KEYED",
    "OPTIONAL_INPUTS",
    "Step",
    "explain_steps",
    "key_clashes_sql",
    "kind_code",
    "load_steps",
    "score_steps",
    "signal_steps",
]


@dataclass(frozen=True)
class Step:
    """One table the pipeline materialises, and the SQL that makes it."""

    name: str
    sql: str
    stage: str


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
            SELECT {k("person_id")} AS p, person_id, {d.days("birth_date")} AS birth_day, sex,
                   {k("staff_user_id")} AS staff_u
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
            f"SELECT DISTINCT {k('user_id')} AS u, {k('person_id')} AS p, kind "
            "FROM declared_associations",
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


# One key for what a look-up opened: a person, or an incident as a negative number (as x_pair
# lists them).
TARGET = "coalesce(ev.p, -ev.i)"


def _window(cfg: AuditConfig, a: str = "a") -> str:
    return f"ev.t >= {a}.lo - {cfg.before} AND ev.t <= {a}.hi + {cfg.after}"


def explain_steps(cfg: AuditConfig, catalogue: Catalogue, d: Dialect) -> list[Step]:
    """Find, for every look-up, the strongest link in the force's records that explains it."""
    s = "explain"
    w = _window(cfg)
    slice_ = max(cfg.nearby, 1)
    return [
        # Everything each user was assigned to: the people in their incidents and the incidents.
        Step(
            "x_pair",
            """
            SELECT ist.u, ip.p AS target, ist.lo, ist.hi FROM a_ist ist JOIN a_ip ip ON ip.i = ist.i
            UNION ALL
            SELECT u, -i AS target, lo, hi FROM a_ist""",
            s,
        ),
        # Most look-ups are of the user's own work: set those aside in one pass and explain
        # only the rest (about three in ten, most of them broad-access staff's searches).
        Step(
            "x_other",
            f"""
            SELECT ev.* FROM a_ev ev
            {d.anti_join()} x_pair a ON a.u = ev.u AND a.target = {TARGET} AND {w}""",
            s,
        ),
        Step(
            "x_reason",
            f"""
            SELECT DISTINCT ev.e FROM x_other ev
            JOIN a_incidents r ON r.i = ev.ri
            LEFT JOIN a_ip ip ON ip.i = ev.ri AND ip.p = ev.p
            WHERE (ip.p IS NOT NULL OR ev.i = ev.ri)
              AND ev.t >= r.opened - {cfg.before}
              AND ev.t <= coalesce(r.closed, {OPEN_END}) + {cfg.reason_after}""",
            s,
        ),
        Step(
            "x_declared",
            """
            SELECT DISTINCT ev.e FROM x_other ev
            JOIN a_decl dc ON dc.u = ev.u AND dc.p = ev.p""",
            s,
        ),
        # Whose work can explain a user's look-up more weakly: their unit, manager and reports.
        # A unit is a force's own: two forces' "response-north" in a national extract are two
        # teams (joining on the name alone made 19 million pairs in the 100M benchmark).
        Step(
            "x_colleague",
            """
            SELECT me.u, them.u AS v FROM a_staff me JOIN a_staff them
              ON them.force = me.force AND them.unit = me.unit AND them.u <> me.u
            UNION
            SELECT u, mgr_u AS v FROM a_staff WHERE mgr_u IS NOT NULL
            UNION
            SELECT mgr_u AS u, u AS v FROM a_staff WHERE mgr_u IS NOT NULL""",
            s,
        ),
        # Broad access leaves less suspicion than a team link (see [explanations]) and needs no
        # join, so the team is tried only for other staff's look-ups nothing stronger explains.
        # Set those look-ups aside first: given the whole of x_other, the planner joined every
        # colleague to every assignment (tens of millions of rows) before filtering.
        Step(
            "x_local",
            f"""
            SELECT ev.e, ev.u, {TARGET} AS target, ev.t FROM x_other ev
            JOIN a_staff st ON st.u = ev.u
            WHERE NOT st.broad""",
            s,
        ),
        Step(
            "x_team",
            f"""
            SELECT DISTINCT ev.e FROM x_local ev
            JOIN x_colleague c ON c.u = ev.u
            JOIN x_pair a ON a.u = c.v AND a.target = ev.target AND {w}""",
            s,
        ),
        # The strongest of the links found so far, per look-up: reason, declared and team are
        # listed strongest first, so the least wins.
        Step(
            "x_found",
            f"""
            SELECT e, min(k) AS k FROM (
                SELECT e, {kind_code("reason")} AS k FROM x_reason
                UNION ALL SELECT e, {kind_code("declared")} AS k FROM x_declared
                UNION ALL SELECT e, {kind_code("team")} AS k FROM x_team) found
            GROUP BY e""",
            s,
        ),
        # A look-up nothing else explains, made within minutes of one the user's own assignment
        # explains, is most likely part of that work: a similar name opened by mistake, or
        # someone tied to the job but not recorded in it. Such slips were most of what put
        # busy sergeants at the top of the list. Time is cut into slices as long as the
        # window, so each of these few look-ups meets only the user's look-ups of three
        # slices, never all of them.
        Step(
            "x_near",
            f"""
            WITH c AS (
                SELECT ev.e, ev.u, ev.t, CAST(floor(ev.t / {slice_}) AS BIGINT) AS b
                FROM x_local ev {d.anti_join()} x_found found ON found.e = ev.e),
            sliced AS (
                SELECT e, u, t, b - 1 AS b FROM c UNION ALL SELECT e, u, t, b FROM c
                UNION ALL SELECT e, u, t, b + 1 AS b FROM c)
            SELECT s.e, ev.e AS near FROM sliced s
            JOIN a_ev ev ON ev.u = s.u AND CAST(floor(ev.t / {slice_}) AS BIGINT) = s.b
            WHERE ev.e <> s.e AND ev.t >= s.t - {cfg.nearby} AND ev.t <= s.t + {cfg.nearby}
              AND {cfg.nearby} > 0""",
            s,
        ),
        # The neighbour must be explained by the user's own assignment: not in x_other. In
        # the same step as x_near, the planner took this test to all ten million look-ups.
        Step(
            "x_nearby",
            f"SELECT DISTINCT n.e FROM x_near n {d.anti_join()} x_other o ON o.e = n.near",
            s,
        ),
        # Each kind of explanation as a small number, and the suspicion it leaves: the
        # signals filter millions of look-ups by kind, and numbers compare far faster than text.
        Step(
            "x_kind",
            " UNION ALL ".join(
                f"SELECT {kind_code(kind)} AS k, '{kind}' AS how, {weight} AS w"
                for kind, weight in catalogue.residual.items()
            ),
            s,
        ),
        # The look-ups the signals weigh: every one not explained by the user's own assignment,
        # with the strongest other explanation found. Those that are ("assigned") stay in a_ev
        # only; nothing downstream needs them one by one.
        Step(
            "x_ev",
            f"""
            SELECT ev.e, ev.u, ev.p, ev.t, ev.sys, ev.act, k.k, k.w,
                   CAST(floor(ev.t / {DAY}) AS BIGINT) AS day
            FROM (
                SELECT ev.*,
                       CASE WHEN x.k IN ({kind_code("reason")}, {kind_code("declared")}) THEN x.k
                            WHEN st.broad THEN {kind_code("broad")}
                            WHEN x.k IN ({kind_code("team")}, {kind_code("nearby")}) THEN x.k
                            ELSE {kind_code("none")} END AS k
                FROM x_other ev
                JOIN a_staff st ON st.u = ev.u
                -- Nearby is sought only where nothing was found, so the two never overlap.
                LEFT JOIN (SELECT e, k FROM x_found
                           UNION ALL SELECT e, {kind_code("nearby")} AS k FROM x_nearby) x
                  ON x.e = ev.e) ev
            JOIN x_kind k ON k.k = ev.k""",
            s,
        ),
    ]


def kind_code(kind: str) -> int:
    """Return the number that stands for a kind of explanation: its place in the list."""
    return EXPLANATION_KINDS.index(kind)


def _kinds(kinds: tuple[str, ...], ev: str = "ev") -> str:
    return f"{ev}.k IN ({', '.join(str(kind_code(k)) for k in kinds)})"


def _scope(signal: Signal) -> str:
    return _kinds(signal.kinds)


def signal_steps(
    cfg: AuditConfig, catalogue: Catalogue, d: Dialect, present: set[str]
) -> list[Step]:
    """Mark each look-up with the signals it supports: rows of (user, look-up, signal)."""
    sig = catalogue.signal
    parts: dict[str, str] = {}
    none = _kinds(("none",))

    def scoped(signal_id: str) -> str:
        # x_ev holds each look-up once, and every join below matches at most one row (or is a
        # semi join), so no look-up is listed twice under a signal.
        # What scoring and the evidence file need of the look-up comes along, so neither has
        # to find it again among millions.
        return (
            f"SELECT ev.u, ev.e, '{signal_id}' AS signal, ev.w, ev.p, ev.t, ev.day, ev.k "
            "FROM x_ev ev"
        )

    parts["unexplained"] = f"{scoped('unexplained')} WHERE {none}"
    if "person_markers" in present:
        parts["vulnerable"] = f"""{scoped("vulnerable")}
            {d.semi_join()} a_markers m ON m.p = ev.p
              AND (m.from_day IS NULL OR m.from_day <= ev.day)
              AND (m.to_day IS NULL OR m.to_day >= ev.day)
            WHERE {_scope(sig("vulnerable"))}"""
    parts["child"] = f"""{scoped("child")} JOIN a_persons p ON p.p = ev.p
        WHERE {_scope(sig("child"))} AND p.birth_day IS NOT NULL
          AND ev.day - p.birth_day < 18 * 365.25"""
    # Met on an incident of theirs, looked up after their part and its window had ended.
    # x_pair lists incidents as negative numbers; leaving them out halves the join's table.
    parts["post-contact"] = f"""{scoped("post-contact")}
        {d.semi_join()} (SELECT * FROM x_pair WHERE target >= 0) a
          ON a.u = ev.u AND a.target = ev.p AND a.lo < ev.t AND ev.t > a.hi + {cfg.after}
        WHERE {_scope(sig("post-contact"))}"""
    repeated = sig("repeated")
    parts["repeated"] = f"""{scoped("repeated")}
        JOIN (SELECT u, p FROM x_ev ev WHERE {_scope(repeated)} AND p IS NOT NULL
              GROUP BY u, p HAVING count(DISTINCT day) >= {int(repeated.param("min_days"))}) r
          ON r.u = ev.u AND r.p = ev.p
        WHERE {_scope(repeated)}"""
    if "shifts" in present:
        off = sig("off-duty")
        grace = int(off.param("grace_minutes") * 60)
        # Each shift is listed under every day it touches, so a look-up is compared only with
        # the shifts of its own day rather than with every shift the user ever worked.
        first = f"CAST(floor((sh.s - {grace}) / {DAY}) AS BIGINT)"
        last = f"CAST(floor((sh.f + {grace}) / {DAY}) AS BIGINT)"
        # Almost every shift touches one day or two (over midnight): listing those directly
        # halves the time of making one row per day of every shift.
        shift_days = f"""
            SELECT sh.u, sh.s, sh.f, {first} AS day FROM a_shifts sh
            UNION ALL
            SELECT sh.u, sh.s, sh.f, {last} AS day FROM a_shifts sh WHERE {last} > {first}
            UNION ALL
            SELECT sh.u, sh.s, sh.f, {d.each(f"{first} + 1", f"{last} - 1")} AS day
            FROM a_shifts sh WHERE {last} - {first} >= 2"""
        parts["off-duty"] = f"""{scoped("off-duty")}
            JOIN (SELECT DISTINCT u FROM a_shifts) rostered ON rostered.u = ev.u
            {d.anti_join()} ({shift_days}) sh
              ON sh.u = ev.u AND sh.day = ev.day
             AND ev.t >= sh.s - {grace} AND ev.t <= sh.f + {grace}
            WHERE {_scope(off)}"""
    trawl = sig("trawling")
    parts["trawling"] = f"""{scoped("trawling")}
        WHERE {_scope(trawl)} AND ev.p IS NOT NULL AND ev.u IN (
            SELECT ev.u FROM x_ev ev WHERE {none} AND ev.p IS NOT NULL GROUP BY ev.u
            HAVING count(DISTINCT p) >= {int(trawl.param("min_people"))})"""
    yw = sig("young-women")
    young = (
        "p.sex = 'F' AND p.birth_day IS NOT NULL "
        "AND ev.day - p.birth_day >= 16 * 365.25 AND ev.day - p.birth_day < 36 * 365.25"
    )
    age_at_work = f"a.lo / {DAY} - p.birth_day"
    young_work = (
        f"p.sex = 'F' AND p.birth_day IS NOT NULL "
        f"AND {age_at_work} >= 16 * 365.25 AND {age_at_work} < 36 * 365.25"
    )
    # The user's own work: the people in the incidents they were assigned to.
    # Only the few users with enough young women unexplained need their own work counted.
    enough_young = f"""
            SELECT ev.u,
                   count(DISTINCT CASE WHEN {young} THEN ev.p END) AS n_young,
                   count(DISTINCT ev.p) AS n_unexplained
            FROM x_ev ev JOIN a_persons p ON p.p = ev.p WHERE {none} GROUP BY ev.u
            HAVING count(DISTINCT CASE WHEN {young} THEN ev.p END)
                   >= {int(yw.param("min_people"))}"""
    parts["young-women"] = f"""{scoped("young-women")} JOIN a_persons p ON p.p = ev.p
        JOIN ({enough_young}) c ON c.u = ev.u
        LEFT JOIN (
            SELECT a.u,
                   count(DISTINCT CASE WHEN {young_work} THEN a.target END) AS w_young,
                   count(DISTINCT a.target) AS w_all
            FROM x_pair a JOIN a_persons p ON p.p = a.target
            WHERE a.u IN (SELECT u FROM ({enough_young}) few)
            GROUP BY a.u
        ) wk ON wk.u = ev.u
        WHERE {_scope(yw)} AND {young}
          AND (CAST(c.n_young AS DOUBLE) / c.n_unexplained)
              >= {yw.param("min_ratio")}
                 * greatest(CAST(coalesce(wk.w_young, 0) AS DOUBLE)
                            / greatest(coalesce(wk.w_all, 0), 1), 0.05)"""
    if "complaints" in present:
        parts["own-complainant"] = f"""{scoped("own-complainant")}
            {d.semi_join()} a_complaints c ON c.u = ev.u AND c.p = ev.p AND c.received <= ev.t
            WHERE {_scope(sig("own-complainant"))}"""
    parts["colleague"] = f"""{scoped("colleague")} JOIN a_persons p ON p.p = ev.p
        WHERE {_scope(sig("colleague"))} AND p.staff_u IS NOT NULL AND p.staff_u <> ev.u"""
    parts["print-export"] = f"""{scoped("print-export")}
        WHERE {_scope(sig("print-export"))}
          AND ev.act IN (SELECT act FROM a_action WHERE action IN ('print', 'export'))"""
    peer = sig("peer-rate")
    # Peers share a force as well as a role and unit (see x_colleague).
    parts["peer-rate"] = f"""{scoped("peer-rate")}
        JOIN (
            SELECT n.u FROM (
                SELECT st.u, st.force, st.role, st.unit, count(ev.e) AS n
                FROM a_staff st LEFT JOIN x_ev ev ON ev.u = st.u AND {none}
                GROUP BY st.u, st.force, st.role, st.unit) n
            JOIN (
                SELECT st.force, st.role, st.unit, {d.median("coalesce(c.n, 0)")} AS typical
                FROM a_staff st
                LEFT JOIN (SELECT ev.u, count(*) AS n FROM x_ev ev WHERE {none} GROUP BY ev.u) c
                  ON c.u = st.u
                GROUP BY st.force, st.role, st.unit) g
              ON g.force = n.force AND g.role = n.role AND g.unit = n.unit
            WHERE n.n >= {int(peer.param("min_lookups"))}
              AND n.n >= {peer.param("min_ratio")} * greatest(g.typical, 1)
        ) hi ON hi.u = ev.u
        WHERE {_scope(peer)}"""
    if "declared_associations" in present:
        parts["declared-association"] = f"""{scoped("declared-association")}
            WHERE {_scope(sig("declared-association"))}"""
    # Each signal is a table of its own, gathered at the end: as one UNION ALL the engine
    # built every signal's join at once, which at 100 million look-ups no longer fit in
    # memory (22-26 s, against 12-14 s one by one).
    steps = [
        Step(_evidence_table(s.id), parts[s.id], "signals")
        for s in catalogue.signals
        if s.id in parts
    ]
    union = " UNION ALL ".join(f"SELECT * FROM {step.name}" for step in steps)
    return [*steps, Step("s_evidence", union, "signals")]


def _evidence_table(signal_id: str) -> str:
    """Return the name of the table holding one signal's evidence."""
    return "s_ev_" + signal_id.replace("-", "_")


def score_steps(catalogue: Catalogue, d: Dialect, salt: int = 0) -> list[Step]:
    """Weigh each user's signals with diminishing returns and rank the users."""
    weights = " UNION ALL ".join(
        f"SELECT '{s.id}' AS signal, {s.weight} AS weight, {s.saturation} AS saturation, "
        f"'{s.scope}' AS scope"
        for s in catalogue.signals
    )
    return [
        Step(
            "s_amount",
            """
            SELECT v.u, v.signal,
                   -- People, not look-ups, measure the signals about how many people.
                   CASE WHEN v.signal IN ('trawling', 'young-women')
                        THEN CAST(count(DISTINCT v.p) AS DOUBLE)
                        WHEN v.signal = 'peer-rate' THEN 1.0
                        ELSE sum(v.w) END AS amount,
                   count(*) AS n_events,
                   count(DISTINCT v.p) AS n_people,
                   count(DISTINCT v.day) AS n_days,
                   min(v.t) AS first_t, max(v.t) AS last_t
            FROM s_evidence v
            GROUP BY v.u, v.signal""",
            "score",
        ),
        Step(
            "s_signal",
            f"""
            SELECT a.*, k.weight * (1 - exp(-a.amount / k.saturation)) AS part
            FROM s_amount a JOIN ({weights}) k ON k.signal = a.signal""",
            "score",
        ),
        Step(
            "s_user",
            f"""
            SELECT s.u, st.user_id,
                   round(100 * (1 - exp(sum(ln(1 - s.part)))), 6) AS score,
                   {d.joined("s.signal")} AS reasons
            FROM s_signal s JOIN a_staff st ON st.u = s.u
            GROUP BY s.u, st.user_id""",
            "score",
        ),
        Step(
            "s_support",
            """
            SELECT v.u, count(DISTINCT v.e) AS events, min(v.t) AS first_t, max(v.t) AS last_t
            FROM s_evidence v GROUP BY v.u""",
            "score",
        ),
        Step(
            "s_ranked",
            """
            SELECT row_number() OVER (ORDER BY u.score DESC, u.user_id) AS rank,
                   u.u, u.user_id, u.score, u.reasons, s.events, s.first_t, s.last_t
            FROM s_user u JOIN s_support s ON s.u = u.u""",
            "score",
        ),
        # The evidence names look-ups by the extract's own ids, which a_ev leaves behind, so
        # the look-ups made in the same second as some evidence are coded again to find them.
        # Most systems log whole seconds: those look-ups are found by `ts` itself, which lets
        # DuckDB skip unread the rows of other seconds instead of reading every event_id.
        Step(
            "s_ids_whole",
            f"""
            SELECT x.e, x.event_id
            FROM (SELECT {d.key("ae.event_id", salt)} AS e, ae.event_id FROM access_events ae
                  {d.semi_join()} (SELECT DISTINCT {d.from_epoch("t")} AS ts FROM s_evidence) s
                    ON s.ts = ae.ts) x
            WHERE x.e IN (SELECT e FROM s_evidence)""",
            "score",
        ),
        # Look-ups logged with a fraction of a second are found by their second, as a_ev
        # coded it; with none left to find, the engine never reads the file again.
        Step(
            "s_event_ids",
            f"""
            WITH rest AS (
                SELECT v.e, v.t FROM s_evidence v {d.anti_join()} s_ids_whole w ON w.e = v.e)
            SELECT e, event_id FROM s_ids_whole
            UNION ALL
            SELECT x.e, x.event_id
            FROM (SELECT {d.key("event_id", salt)} AS e, event_id FROM access_events
                  WHERE {d.epoch("ts")} IN (SELECT t FROM rest)) x
            WHERE x.e IN (SELECT e FROM rest)""",
            "score",
        ),
    ]
