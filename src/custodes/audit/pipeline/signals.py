"""The signal stage: mark each look-up with the signals it supports."""

from __future__ import annotations

from custodes.audit.catalogue import Catalogue, Signal
from custodes.audit.config import DAY, AuditConfig
from custodes.audit.dialect import Dialect
from custodes.audit.pipeline.step import Step, kind_code

__all__ = ["signal_steps"]


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
        vulnerable = sig("vulnerable")
        # NULL keeps the list valid SQL when a force's rules list no markers at all.
        markers = ", ".join(map(d.literal, vulnerable.values("markers"))) or "NULL"
        parts["vulnerable"] = f"""{scoped("vulnerable")}
            {d.semi_join()} a_markers m ON m.p = ev.p
              AND m.marker IN ({markers})
              AND (m.from_day IS NULL OR m.from_day <= ev.day)
              AND (m.to_day IS NULL OR m.to_day >= ev.day)
            WHERE {_scope(vulnerable)}"""
    parts["child"] = f"""{scoped("child")} JOIN a_persons p ON p.p = ev.p
        WHERE {_scope(sig("child"))} AND ev.day < p.day18"""
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
    young = "p.sex = 'F' AND ev.day >= p.day16 AND ev.day < p.day36"
    work_day = f"CAST(floor(a.lo / {DAY}) AS BIGINT)"
    young_work = f"p.sex = 'F' AND {work_day} >= p.day16 AND {work_day} < p.day36"
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
    # Peers are the others who share the user's force, role and unit (see x_colleague), and
    # broad access: a team link is never sought for broad-access staff, so their counts and
    # others' are not alike. The user's own count is left out of the median, or in a unit of
    # two it could never be far above it. Only users with enough look-ups to matter are
    # compared.
    counts = f"SELECT ev.u, count(*) AS n FROM x_ev ev WHERE {_scope(peer)} GROUP BY ev.u"
    parts["peer-rate"] = f"""{scoped("peer-rate")}
        JOIN (
            SELECT me.u FROM a_staff me
            JOIN ({counts}) mine ON mine.u = me.u
            JOIN a_staff them
              ON them.force = me.force AND them.role = me.role AND them.unit = me.unit
             AND them.broad = me.broad AND them.u <> me.u
            LEFT JOIN ({counts}) theirs ON theirs.u = them.u
            WHERE mine.n >= {int(peer.param("min_lookups"))}
            GROUP BY me.u, mine.n
            HAVING mine.n >= {peer.param("min_ratio")}
                   * greatest({d.median("coalesce(theirs.n, 0)")}, 1)
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
