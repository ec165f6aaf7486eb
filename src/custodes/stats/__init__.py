"""Transparency statistics: the funnel from allegation to outcome, under disclosure control.

`publish_history` (an officer-history folder) and `publish` (records built elsewhere, such as
the web app's own cases) write the tables as CSV and JSON in a Frictionless data package, with
Altair charts and a report; `custodes.stats.disclosure` holds the 10-5 rule, secondary
suppression and cell-key noise, and `custodes.stats.audit` the attacker every publication must
defeat before anything is written.
"""

from __future__ import annotations

from custodes.stats.audit import DisclosureError, Recovery, attack
from custodes.stats.disclosure import (
    ALL,
    COUNT,
    CellKey,
    Publication,
    Rule,
    TableSpec,
    build_problem,
    protect,
)
from custodes.stats.publish import (
    PublishError,
    PublishResult,
    Records,
    publish,
    publish_history,
    read_publication,
    rule_from_options,
)
from custodes.stats.records import (
    ALLEGATION_DIMENSIONS,
    LIST_REPORT_STAGES,
    MATTER_STAGES,
    NOT_RECORDED,
    STAGES,
    Stage,
    age_band,
    allegations_from_history,
    days_band,
    year_label,
)
from custodes.stats.wide import SUPPRESSED_MARK, Wide, WideRow, widen

__all__ = [
    "ALL",
    "ALLEGATION_DIMENSIONS",
    "COUNT",
    "LIST_REPORT_STAGES",
    "MATTER_STAGES",
    "NOT_RECORDED",
    "STAGES",
    "SUPPRESSED_MARK",
    "CellKey",
    "DisclosureError",
    "Publication",
    "PublishError",
    "PublishResult",
    "Records",
    "Recovery",
    "Rule",
    "Stage",
    "TableSpec",
    "Wide",
    "WideRow",
    "age_band",
    "allegations_from_history",
    "attack",
    "build_problem",
    "days_band",
    "protect",
    "publish",
    "publish_history",
    "read_publication",
    "rule_from_options",
    "widen",
    "year_label",
]
