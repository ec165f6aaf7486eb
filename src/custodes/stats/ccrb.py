"""The CCRB penalties file as records: the Board's recommended discipline beside the penalty the
NYPD imposed, one row per substantiated officer in a complaint (`ccrb-penalties.csv`).

The recommendation is the Board's own column where given, else the parenthesis of the CCRB
disposition ("Substantiated (Charges)"); the final penalty is grouped by the same rules the
history importer uses (`custodes/history/ccrb.toml`), so the two publications agree.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from custodes.history.rules import packaged_rules
from custodes.stats.records import NOT_RECORDED

__all__ = ["RECOMMENDATIONS", "PenaltiesError", "penalty_records"]

#: The Board's recommendations, grouped: (pattern searched in the text, group).
RECOMMENDATIONS: tuple[tuple[str, str], ...] = (
    (r"(?i)charges", "charges"),
    (r"(?i)command discipline", "command discipline"),
    (r"(?i)training|instructions", "training or instructions"),
    (r"(?i)no recommendation", "no recommendation"),
)
_COLUMNS = (
    "Complaint Id",
    "Tax ID",
    "CCRB Substantiated Officer Disposition",
    "Board Discipline Recommendation",
    "NYPD Officer Penalty",
)
_PAREN = re.compile(r"\(([^)]*)\)")


class PenaltiesError(ValueError):
    """The penalties file cannot be read; names the file, line and column."""


def _recommended(board: str, disposition: str) -> str:
    text = board.strip()
    if not text:
        found = _PAREN.search(disposition)
        text = found.group(1) if found else ""
    if not text:
        return NOT_RECORDED
    return next((group for pattern, group in RECOMMENDATIONS if re.search(pattern, text)), "other")


def penalty_records(path: Path) -> pd.DataFrame:
    """Return one row per line of the penalties file: `record_id`, `recommended`,
    `final_group` (the NYPD penalty's outcome group, or "not recorded" where none is given)."""
    rules = packaged_rules("ccrb")
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise PenaltiesError(f"{path.name}: column {missing[0]!r} is missing (line 1)")
        for row in reader:
            penalty = row["NYPD Officer Penalty"].strip()
            group = rules.outcome_group(penalty) if penalty else None
            if penalty and group is None:
                raise PenaltiesError(
                    f"{path.name}, line {reader.line_num}, NYPD Officer Penalty: "
                    f"{penalty!r} is not mapped by ccrb.toml"
                )
            rows.append(
                {
                    "record_id": f"{row['Complaint Id']}:{row['Tax ID']}:{reader.line_num}",
                    "recommended": _recommended(
                        row["Board Discipline Recommendation"],
                        row["CCRB Substantiated Officer Disposition"],
                    ),
                    "final_group": group or NOT_RECORDED,
                }
            )
    return pd.DataFrame(rows, columns=["record_id", "recommended", "final_group"])
