"""The identity-matching model: comparisons, blocking rules, and the shipped parameters.

The comparisons are written in the SQL that Splink's DuckDB and Spark backends share, with
Spark's names for the similarity functions (`jaro_winkler`, `damerau_levenshtein`,
`arrays_overlap`); `engines.py` gives DuckDB those names. So one `model.json` serves both.

The parameters in `model.json` are trained once on synthetic data and shipped; nothing is
trained at run time. To retrain after changing a comparison here:
`.venv/bin/python -m custodes.linkage.train` (see `train.py`), then run the tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.comparison_library import CustomComparison

from custodes.linkage.errors import ModelFileError

__all__ = [
    "AGENCY_BADGE_U",
    "BADGE_BAYES_FACTOR",
    "BLOCKING_RULES",
    "COMPARISONS",
    "MODEL_PATH",
    "Comparison",
    "Level",
    "load_settings",
    "settings_creator",
]

MODEL_PATH = Path(str(files("custodes.linkage").joinpath("model.json")))

# Badge numbers are reused when officers leave and differ between agencies, so a number
# shared across agencies (or where either agency is unknown) is weak evidence: its Bayes
# factor is fixed at this, whatever training would say.
BADGE_BAYES_FACTOR = 4.0
_BADGE_SHARED_U = 0.02
# Within one agency a number belongs to one officer at a time, and most officers keep theirs
# for years (on real rosters of one department, year to year, almost everyone did): the same
# number at the same agency is strong evidence, on top of what the same agency itself says.
# How often the same officer keeps it (m) is trained; how often a different officer at the
# same agency holds it (u) is fixed at this: only after the number is reissued, about 1 in
# 8,192 at an agency of a few thousand officers reissuing each number once or twice. Trained
# on synthetic data it would be smaller still, as the generator never reissues a number.
AGENCY_BADGE_U = 1 / 8192
# A badge level that holds only where the agency is the same weighs what it says beyond the
# agency, which the agency comparison already counts: its m and u are given the same agency
# (train.py makes the trained ones so).
SAME_AGENCY = "agency_l = agency_r"


@dataclass(frozen=True)
class Level:
    """One level of a comparison: its SQL condition and the words explanations use."""

    label: str
    sql: str
    null: bool = False
    tf_column: str | None = None
    tf_minimum_u: float = 0.0002
    m: float | None = None
    u: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the level in Splink's settings form."""
        out: dict[str, Any] = {"sql_condition": self.sql, "label_for_charts": self.label}
        if self.null:
            out["is_null_level"] = True
        if self.tf_column:
            out["tf_adjustment_column"] = self.tf_column
            out["tf_adjustment_weight"] = 1.0
            # Very rare values would otherwise swamp every other piece of evidence.
            out["tf_minimum_u_value"] = self.tf_minimum_u
        # A probability given here is fixed; one left out is trained.
        if self.m is not None:
            out |= {"m_probability": self.m, "fix_m_probability": True}
        if self.u is not None:
            out |= {"u_probability": self.u, "fix_u_probability": True}
        return out


@dataclass(frozen=True)
class Comparison:
    """One comparison: a field's name as explanations show it, and its levels."""

    name: str
    description: str
    levels: tuple[Level, ...]

    def creator(self) -> CustomComparison:
        """Return the comparison as a Splink comparison creator."""
        return CustomComparison(
            comparison_levels=[level.as_dict() for level in self.levels],
            output_column_name=self.name,
            comparison_description=self.description,
        )


def _typo(col: str) -> str:
    # One key pressed wrong, missed, doubled or swapped with its neighbour; people seldom
    # mistype a name's first letter, and Harry and Larry are different names.
    return (
        f"damerau_levenshtein({col}_l, {col}_r) <= 1 "
        f"AND substr({col}_l, 1, 1) = substr({col}_r, 1, 1)"
    )


def _similar(col: str) -> str:
    return f"jaro_winkler({col}_l, {col}_r) >= 0.88"


def _null(*cols: str) -> str:
    return " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in cols)


# Each record's given name is the other's surname, one of them perhaps with a typo. The
# given-name comparison weighs the swap; the surname comparison counts it as unknown, or one
# swap would be counted twice.
_SWAPPED = (
    "(first_name_l = last_name_r AND damerau_levenshtein(last_name_l, first_name_r) <= 1) "
    "OR (last_name_l = first_name_r AND damerau_levenshtein(first_name_l, last_name_r) <= 1)"
)


# Many women keep their maiden name as a middle name on marriage.
_MAIDEN_AS_MIDDLE = "last_name_l = middle_name_r OR middle_name_l = last_name_r"

COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "first_name",
        "Given name: typos, nicknames, swapped with the surname, or the middle name used",
        (
            Level("missing", _null("first_name"), null=True),
            Level("exact", "first_name_l = first_name_r", tf_column="first_name"),
            Level("nickname of", "arrays_overlap(first_forms_l, first_forms_r)"),
            Level("swapped with last_name", _SWAPPED),
            Level("typo", _typo("first_name")),
            Level(
                "matches middle_name",
                "first_name_l = middle_name_r OR middle_name_l = first_name_r",
            ),
            Level("similar", _similar("first_name")),
            Level("different", "ELSE"),
        ),
    ),
    Comparison(
        "middle_name",
        "Middle name: unknown on either side counts neither way",
        (
            Level("missing", _null("middle_name"), null=True),
            Level("exact", "middle_name_l = middle_name_r AND length(middle_name_l) > 1"),
            # Rosters mostly give the middle initial alone: the same initial is common.
            Level("same initial", "middle_name_l = middle_name_r"),
            Level(
                "initial matches",
                "(length(middle_name_l) = 1 OR length(middle_name_r) = 1) "
                "AND substr(middle_name_l, 1, 1) = substr(middle_name_r, 1, 1)",
            ),
            Level("typo", _typo("middle_name")),
            # A maiden name kept as a middle name is weighed by the surname comparison.
            Level("is the other's last_name", _MAIDEN_AS_MIDDLE, null=True),
            Level("different", "ELSE"),
        ),
    ),
    Comparison(
        "last_name",
        "Surname: typos, double surnames, a former (maiden) name, swapped with the given name",
        (
            Level("missing", _null("last_name"), null=True),
            Level("exact", "last_name_l = last_name_r", tf_column="last_name"),
            Level("part of double surname", "arrays_overlap(last_parts_l, last_parts_r)"),
            Level(
                "matches other_names",
                "arrays_overlap(last_parts_l, other_names_r) "
                "OR arrays_overlap(other_names_l, last_parts_r) "
                "OR arrays_overlap(other_names_l, other_names_r)",
            ),
            Level("matches middle_name", _MAIDEN_AS_MIDDLE),
            Level("swapped with first_name", _SWAPPED, null=True),
            Level("typo", _typo("last_name")),
            Level("similar", _similar("last_name")),
            # Women far more often take a new surname on marriage, so a different surname
            # counts for less against a woman (the sex comparison still counts on its own).
            Level(
                "different (possible marriage)",
                "coalesce(sex_l, sex_r) = 'F' AND coalesce(sex_r, sex_l) = 'F'",
            ),
            Level("different", "ELSE"),
        ),
    ),
    Comparison(
        "birth_date",
        "Full birth date, where both records have one",
        (
            Level("missing", _null("birth_date"), null=True),
            Level("exact", "birth_date_l = birth_date_r"),
            Level(
                "day and month swapped",
                "birth_date_l = birth_date_swapped_r OR birth_date_swapped_l = birth_date_r",
            ),
            Level("one character differs", "damerau_levenshtein(birth_date_l, birth_date_r) <= 1"),
            Level("same year", "birth_year_l = birth_year_r"),
            Level("different", "ELSE"),
        ),
    ),
    Comparison(
        "birth_year",
        "Birth year, where either record has only a year",
        (
            Level(
                "missing",
                f"{_null('birth_year')} OR (birth_date_l IS NOT NULL AND birth_date_r IS NOT NULL)",
                null=True,
            ),
            Level("exact", "birth_year_l = birth_year_r"),
            Level("one year apart", "abs(birth_year_l - birth_year_r) = 1"),
            Level("different", "ELSE"),
        ),
    ),
    Comparison(
        "sex",
        "Recorded sex",
        (
            Level("missing", _null("sex"), null=True),
            # Two women agree on sex less often by chance than two men in a mostly male
            # workforce; X is rarer still, but recorded unevenly, so its weight is capped.
            Level("exact", "sex_l = sex_r", tf_column="sex", tf_minimum_u=0.1),
            Level("different", "ELSE"),
        ),
    ),
    Comparison(
        "agency",
        "Current or last agency",
        (
            Level("missing", _null("agency"), null=True),
            Level("exact", "agency_l = agency_r"),
            Level("different", "ELSE"),
        ),
    ),
    Comparison(
        "badges",
        "Badge, shield or collar numbers: the same at the same agency is strong; else weak",
        (
            Level("missing", _null("badges"), null=True),
            Level(
                "same number at the same agency",
                f"{SAME_AGENCY} AND arrays_overlap(badges_l, badges_r)",
                u=AGENCY_BADGE_U,
            ),
            Level(
                "shared number",
                "arrays_overlap(badges_l, badges_r)",
                m=_BADGE_SHARED_U * BADGE_BAYES_FACTOR,
                u=_BADGE_SHARED_U,
            ),
            # Most officers keep their number while they stay: another number at the same
            # agency counts against (trained, given the same agency).
            Level("another number at the same agency", SAME_AGENCY),
            # Officers change agency and number: different numbers say almost nothing.
            Level("different", "ELSE", m=0.95, u=0.98),
        ),
    ),
)

# Each rule keeps recall for a corruption the others lose: a new surname or a nickname with a
# surname typo (canonical given name and birth year), a mistyped or missing birth date
# (surname and initial), typos in both names (birth date), swapped given name and surname,
# and no birth date at all (given and middle name; birth year and the surname's start; and a
# nickname with another initial, Tony for Anthony, by surname and canonical given name).
# The last two are for rosters, where birth years are worked out from an age and so one out
# between two years' rosters: a new surname where given name, sex and agency agree and the
# birth years are at most one apart; and any change of name where the agency and a badge
# number are the same (each number on its own row, so the join is on equal values).
BLOCKING_RULES = (
    block_on("first_canon", "birth_year"),
    block_on("last_name", "first_initial"),
    block_on("birth_date"),
    CustomRule("l.first_name = r.last_name AND l.last_name = r.first_name"),
    block_on("first_name", "middle_name"),
    block_on("birth_year", "substr(last_name, 1, 3)"),
    block_on("last_name", "first_canon"),
    CustomRule(
        "l.first_canon = r.first_canon AND l.sex = r.sex AND l.agency = r.agency "
        "AND abs(l.birth_year - r.birth_year) <= 1"
    ),
    block_on("agency", "badges", arrays_to_explode=["badges"]),
)


def settings_creator(probability_two_random_records_match: float = 1e-5) -> SettingsCreator:
    """Return the untrained model's settings."""
    return SettingsCreator(
        link_type="link_only",
        comparisons=[c.creator() for c in COMPARISONS],
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        probability_two_random_records_match=probability_two_random_records_match,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        unique_id_column_name="unique_id",
    )


@cache
def _model_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelFileError(f"cannot read the linkage model {path}: {exc}") from None


def load_settings(path: Path = MODEL_PATH) -> dict[str, Any]:
    """Return the trained model's settings, checked against the model defined here."""
    try:
        settings: dict[str, Any] = json.loads(_model_text(path))
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"the linkage model {path} is not valid JSON: {exc}") from None
    shipped = [
        (
            c.get("output_column_name"),
            [
                (lv.get("label_for_charts"), lv.get("sql_condition"))
                for lv in c["comparison_levels"]
            ],
        )
        for c in settings.get("comparisons", [])
    ]
    expected = [(c.name, [(lv.label, lv.sql) for lv in c.levels]) for c in COMPARISONS]
    # Splink predicts with the blocking rules the file holds, not those written here.
    rules = [
        (made["blocking_rule"], made.get("arrays_to_explode") or None)
        for made in (rule.create_blocking_rule_dict("duckdb") for rule in BLOCKING_RULES)
    ]
    shipped_rules = [
        (rule.get("blocking_rule"), rule.get("arrays_to_explode") or None)
        for rule in settings.get("blocking_rules_to_generate_predictions", [])
    ]
    if shipped != expected or shipped_rules != rules:
        raise ModelFileError(
            f"the linkage model {path} does not fit the comparisons and blocking rules in "
            "model.py: retrain it with `python -m custodes.linkage.train`"
        )
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level") and not (
                level.get("m_probability") and level.get("u_probability")
            ):
                raise ModelFileError(
                    f"the linkage model {path} has no trained parameters for "
                    f"{comparison['output_column_name']}: {level['label_for_charts']}"
                )
    return settings
