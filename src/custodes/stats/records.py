"""The records statistics count: one row per allegation, per matter and per list report.

Every table in a publication counts rows of one of these frames, grouped by their dimension
columns (strings) and filtered by their stage columns (booleans). They come from an
officer-history folder (`allegations_from_history`: every source custodes imports, the CCRB's
among them) or from custodes' own cases (the web app builds the same frames, with the stages a
history cannot hold: recorded, referred, investigated, case to answer, proceedings, list entry).

A stage a source does not hold is left out of its frame, never filled in: a table then says
which stages its source holds, rather than publishing a false zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from custodes.history import load_history

__all__ = [
    "AGE_BANDS",
    "ALLEGATION_DIMENSIONS",
    "DAYS_BANDS",
    "LIST_REPORT_STAGES",
    "MATTER_STAGES",
    "NOT_RECORDED",
    "PENALTY_STAGES",
    "STAGES",
    "Stage",
    "age_band",
    "allegations_from_history",
    "days_band",
    "year_label",
]

#: What a dimension shows where the source recorded nothing.
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class Stage:
    """One step of the funnel: its column in the records and what it counts, in words."""

    column: str
    label: str
    meaning: str


#: The funnel, in order, for allegations. Each is a boolean column of the allegation records.
STAGES: tuple[Stage, ...] = (
    Stage("received", "Received", "allegations that came to attention"),
    Stage("recorded", "Recorded", "allegations in matters recorded as complaints or conduct"),
    Stage("referred", "Referred", "allegations in matters referred to the oversight body"),
    Stage("investigated", "Investigated", "allegations in matters given an investigator"),
    Stage("case_to_answer", "Case to answer", "subject found to have a case to answer"),
    Stage("proceedings", "Proceedings", "subject brought to a meeting or hearing"),
    Stage("closed", "Closed", "allegations whose handling has ended"),
    Stage(
        "finding_made",
        "Finding on the merits",
        "substantiated, not substantiated, unfounded or exonerated",
    ),
    Stage("substantiated", "Substantiated", "allegations found proved (sustained)"),
    Stage("action_taken", "Action taken", "an outcome beyond no action: advice, warning, more"),
    Stage("dismissed", "Dismissed", "the subject was dismissed"),
    Stage("left_under_investigation", "Left under investigation", "resigned or retired first"),
    Stage("list_entry", "On a barred or advisory list", "a list report stands for the subject"),
)

#: Stages of matters (one row per case or complaint): the mandatory referral's compliance.
MATTER_STAGES: tuple[Stage, ...] = (
    Stage("matters", "Matters", "matters that came to attention"),
    Stage("referral_required", "Referral required", "matters meeting a mandatory criterion"),
    Stage("referred_when_required", "Referred", "of those, matters referred"),
    Stage("referred_on_time", "Referred on time", "of those, referred by the day due"),
    Stage(
        "referral_departed", "Not referred, decided", "a decision not to refer against the rules"
    ),
)

#: Stages of list reports (barred and advisory lists): sent, and sent by the day due.
LIST_REPORT_STAGES: tuple[Stage, ...] = (
    Stage("list_reports_due", "List reports required", "reports the law required"),
    Stage("list_reports_sent", "Sent", "of those, sent"),
    Stage("list_reports_on_time", "Sent on time", "of those, sent by the day due"),
)

#: The CCRB penalties file's one count: an officer substantiated in a complaint.
PENALTY_STAGES: tuple[Stage, ...] = (
    Stage("penalties", "Officers", "officers substantiated in a complaint, with their penalty"),
)

#: The dimensions allegation tables break down by.
ALLEGATION_DIMENSIONS = (
    "agency",
    "year",
    "category_group",
    "sexual",
    "finding",
    "outcome_group",
    "sex",
    "age_band",
    "ethnicity",
    "days_band",
)

#: Age bands of the subject when the matter came to attention, as the Home Office bands them.
AGE_BANDS: tuple[tuple[int, str], ...] = (
    (25, "under 26"),
    (35, "26 to 35"),
    (45, "36 to 45"),
    (55, "46 to 55"),
    (200, "56 and over"),
)

#: Days from coming to attention to the end of handling.
DAYS_BANDS: tuple[tuple[int, str], ...] = (
    (30, "up to 30 days"),
    (90, "31 to 90 days"),
    (182, "91 to 182 days"),
    (365, "183 to 365 days"),
    (730, "1 to 2 years"),
    (10**9, "over 2 years"),
)


def age_band(age: int | None) -> str:
    """Return the band of an age in whole years, or NOT_RECORDED."""
    if age is None or age < 16:
        return NOT_RECORDED
    return next(label for top, label in AGE_BANDS if age <= top)


def days_band(days: int | None) -> str:
    """Return the band of a number of days, or NOT_RECORDED (still open, or no end date)."""
    if days is None or days < 0:
        return NOT_RECORDED
    return next(label for top, label in DAYS_BANDS if days <= top)


def year_label(day: dt.date, start_month: int = 1) -> str:
    """Return the year a date counts in: the calendar year, or, with a year starting in another
    month (the Home Office's runs April to March), "2023/24"."""
    if start_month == 1:
        return str(day.year)
    first = day.year if day.month >= start_month else day.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


def allegations_from_history(
    folder: Path, *, as_of: dt.date | None = None, year_start_month: int = 1
) -> pd.DataFrame:
    """Return one row per allegation of an officer-history folder, as it stood at `as_of`.

    As of a date (the history's as-of rule): only allegations received by then, and a finding,
    outcome or closure only once it was known by then (`finding_known_on`); later knowledge is
    left out, so a past publication can be rebuilt exactly. Without `as_of`, everything held.
    Columns: `record_id` (the allegation), the dimensions (`ALLEGATION_DIMENSIONS`, strings)
    and the stages a history holds (booleans): received, closed, finding_made, substantiated,
    action_taken, dismissed, left_under_investigation.
    """
    con = duckdb.connect()
    load_history(folder, con)
    when = as_of or dt.date.max
    frame = con.execute(
        """
        SELECT a.allegation_ref, a.received_date, a.closed_date, a.category_group,
               a.finding_known_on <= $as_of AS known,
               a.finding, a.outcome_group, o.agency, o.sex, o.race, o.birth_year
        FROM allegations a JOIN officers o USING (officer_ref)
        WHERE a.received_date <= $as_of
        ORDER BY a.allegation_ref
        """,
        {"as_of": when},
    ).df()
    con.close()
    return _allegation_frame(frame, year_start_month)


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna(NOT_RECORDED).replace("", NOT_RECORDED).astype(object)


def _allegation_frame(raw: pd.DataFrame, year_start_month: int) -> pd.DataFrame:
    """Turn the history's rows into the allegation records (see `allegations_from_history`)."""
    known = raw["known"].fillna(False).astype(bool)
    finding = raw["finding"].where(known, "open").fillna("open")
    outcome = raw["outcome_group"].where(known)
    received = pd.to_datetime(raw["received_date"])
    closed_date = pd.to_datetime(raw["closed_date"]).where(known)
    ages = [
        None if pd.isna(b) else int(r.year) - int(b)
        for r, b in zip(received, raw["birth_year"], strict=True)
    ]
    days = [
        None if pd.isna(c) else int((c - r).days)
        for r, c in zip(received, closed_date, strict=True)
    ]
    out = pd.DataFrame(
        {
            "record_id": raw["allegation_ref"].astype(str),
            "agency": _text(raw["agency"]),
            "year": [year_label(d.date(), year_start_month) for d in received],
            "category_group": _text(raw["category_group"]),
            "sexual": ["sexual" if g == "sexual" else "other" for g in raw["category_group"]],
            "finding": finding.astype(str).to_numpy(),
            "outcome_group": _text(outcome),
            "sex": _text(raw["sex"]),
            "age_band": [age_band(a) for a in ages],
            "ethnicity": _text(raw["race"]),
            "days_band": [days_band(d) for d in days],
        }
    )
    out["received"] = True
    out["closed"] = finding != "open"
    out["finding_made"] = finding.isin(
        ["substantiated", "not-substantiated", "unfounded", "exonerated"]
    ).to_numpy()
    out["substantiated"] = (finding == "substantiated").to_numpy()
    has_outcome = outcome.notna() & ~outcome.isin(["none", "resigned-under-investigation"])
    out["action_taken"] = has_outcome.to_numpy()
    out["dismissed"] = (outcome == "dismissed").to_numpy()
    out["left_under_investigation"] = (outcome == "resigned-under-investigation").to_numpy()
    return out.reset_index(drop=True)
