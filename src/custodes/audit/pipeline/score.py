"""The scoring stage: weigh each user's signals with diminishing returns and rank them."""

from __future__ import annotations

from custodes.audit.catalogue import Catalogue
from custodes.audit.dialect import Dialect
from custodes.audit.pipeline.step import Step

__all__ = ["score_steps"]


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
                   count(CASE WHEN v.p IS NULL THEN 1 END) AS n_records,
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
