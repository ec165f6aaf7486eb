"""The explanation stage: the strongest link in the force's records behind each look-up."""

from __future__ import annotations

from custodes.audit.catalogue import Catalogue
from custodes.audit.config import DAY, AuditConfig
from custodes.audit.dialect import OPEN_END, Dialect
from custodes.audit.pipeline.step import Step, kind_code

__all__ = ["explain_steps"]

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
            -- The reason holds the person looked up or, for a look-up of an incident record,
            -- is that incident.
            WHERE (ip.p IS NOT NULL OR (ev.p IS NULL AND ev.i = ev.ri))
              AND ev.t >= r.opened - {cfg.before}
              AND ev.t <= coalesce(r.closed, {OPEN_END}) + {cfg.reason_after}""",
            s,
        ),
        # A declaration explains look-ups from the day it was made: one made after the
        # look-ups, perhaps once they came to light, does not account for them.
        Step(
            "x_declared",
            f"""
            SELECT DISTINCT ev.e FROM x_other ev
            JOIN a_decl dc ON dc.u = ev.u AND dc.p = ev.p
            WHERE dc.from_day IS NULL OR dc.from_day <= CAST(floor(ev.t / {DAY}) AS BIGINT)""",
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
