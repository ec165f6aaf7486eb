"""The tables of a publication: which counts, broken down how, over which records.

The set follows what the Home Office's "Police misconduct, England and Wales" release and the
IOPC's complaint statistics publish, where a source holds what they need: the funnel from an
allegation received to its outcome by allegation category and year (abuse of position for a
sexual purpose on its own), by force or agency, the findings and the outcomes, the subjects' sex,
age band and ethnicity, timeliness, the mandatory referral's compliance and the list reports.
A table whose breakdown the source does not record (the CCRB records no officer's sex, say) is
left out and the publication says so; a stage a source does not hold is not a column.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from custodes.stats.disclosure import COUNT, TableSpec
from custodes.stats.records import (
    LIST_REPORT_STAGES,
    MATTER_STAGES,
    NOT_RECORDED,
    STAGES,
    Stage,
)

__all__ = [
    "Table",
    "allegation_tables",
    "held_stages",
    "list_report_tables",
    "matter_tables",
    "penalty_tables",
]


@dataclass(frozen=True)
class Table:
    """One published table: what it counts (its spec), its title and description, and which
    records it counts ("allegations", "matters", "list reports" or "penalties")."""

    spec: TableSpec
    title: str
    description: str
    unit: str

    @property
    def name(self) -> str:
        """Return the table's name: its files are `<name>.csv` and `<name>.json`."""
        return self.spec.name


def held_stages(frame: pd.DataFrame, stages: tuple[Stage, ...] = STAGES) -> tuple[Stage, ...]:
    """Return the stages the records hold (their column is there), in the funnel's order."""
    return tuple(s for s in stages if s.column in frame.columns)


def _recorded(frame: pd.DataFrame, column: str) -> bool:
    """Say whether the source records a dimension at all (not every value 'not recorded')."""
    return column in frame.columns and bool((frame[column] != NOT_RECORDED).any())


def _measures(stages: tuple[Stage, ...], first: str) -> tuple[str, ...]:
    return tuple(COUNT if s.column == first else s.column for s in stages)


def allegation_tables(frame: pd.DataFrame) -> tuple[list[Table], list[str]]:
    """Return the allegation tables the records can fill, and why any were left out."""
    stages = held_stages(frame)
    funnel = _measures(stages, "received")
    outcomes = tuple(
        m for m in funnel if m in (COUNT, "substantiated", "action_taken", "dismissed")
    )
    tables = [
        Table(
            TableSpec("funnel", ("category_group", "year"), funnel),
            "The funnel, by allegation category and year",
            "How many allegations reached each step, from received to outcome, by the "
            "category of the allegation and the year it came to attention.",
            "allegations",
        ),
        Table(
            TableSpec("sexual_beside_others", ("sexual",), funnel),
            "Abuse of position for a sexual purpose beside every other allegation",
            "The funnel for sexual-misconduct allegations on their own, and for all others.",
            "allegations",
        ),
        Table(
            TableSpec("findings", ("category_group", "finding")),
            "Findings, by allegation category",
            "Allegations by the finding reached (or open), by category.",
            "allegations",
        ),
        Table(
            TableSpec(
                "outcomes", ("category_group", "outcome_group"), where=(("substantiated", True),)
            ),
            "Outcomes of substantiated allegations, by category",
            "Substantiated allegations by the action taken, by category.",
            "allegations",
        ),
    ]
    left_out: list[str] = []
    if frame["agency"].nunique() > 1:
        tables.append(
            Table(
                TableSpec("funnel_by_agency", ("agency", "year"), funnel),
                "The funnel, by force or agency and year",
                "How many allegations reached each step, by the force or agency of the subject.",
                "allegations",
            )
        )
    for column, words in (("sex", "sex"), ("age_band", "age band"), ("ethnicity", "ethnicity")):
        if not _recorded(frame, column):
            left_out.append(f"subjects by {words}: the source records no subject's {words}")
            continue
        tables.append(
            Table(
                TableSpec(f"subjects_by_{column}", (column,), outcomes),
                f"Allegations and outcomes, by the subject's {words}",
                f"Allegations received, substantiated and acted on, by the subject's {words} "
                "(as the source records it).",
                "allegations",
            )
        )
    if "closed" in frame.columns and _recorded(frame, "days_band"):
        tables.append(
            Table(
                TableSpec("timeliness", ("year", "days_band"), where=(("closed", True),)),
                "Timeliness: days from coming to attention to the end of handling",
                "Closed allegations by how long their handling took, by the year they came "
                "to attention.",
                "allegations",
            )
        )
    else:
        left_out.append("timeliness: the source records no date handling ended")
    return tables, left_out


def matter_tables(frame: pd.DataFrame) -> list[Table]:
    """Return the referral-compliance tables over matters (one row per case)."""
    measures = _measures(held_stages(frame, MATTER_STAGES), "matters")
    return [
        Table(
            TableSpec("referral_compliance", ("year",), measures),
            "Mandatory referral: required, made, and made on time",
            "Matters meeting a mandatory referral criterion, how many were referred and how "
            "many by the day due, by the year they came to attention.",
            "matters",
        ),
        Table(
            TableSpec("referral_compliance_sexual", ("sexual",), measures),
            "Mandatory referral, for abuse of position for a sexual purpose and the rest",
            "The same, for matters with an allegation of sexual misconduct and the others.",
            "matters",
        ),
    ]


def list_report_tables(frame: pd.DataFrame) -> list[Table]:
    """Return the list-report tables: required, sent, sent on time, by year and list."""
    measures = _measures(held_stages(frame, LIST_REPORT_STAGES), "list_reports_due")
    return [
        Table(
            TableSpec("list_reports", ("year", "list_type"), measures),
            "Barred and advisory list reports: required, sent, and sent on time",
            "Reports the law required to the barred or advisory list, by the year they fell "
            "due and the list.",
            "list reports",
        )
    ]


def penalty_tables() -> list[Table]:
    """Return the CCRB penalties table: the Board's recommendation against the final penalty."""
    return [
        Table(
            TableSpec("penalties", ("recommended", "final_group")),
            "Recommended discipline against the penalty imposed (NYPD CCRB)",
            "Officers substantiated in a complaint, by the discipline the Civilian Complaint "
            "Review Board recommended and the penalty the NYPD imposed (its penalties file).",
            "penalties",
        )
    ]
