"""Checking people against a registry finds them through typos, nicknames and new surnames."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from custodes.linkage import (
    SCREEN_SCHEMA,
    Candidate,
    LinkageError,
    Matcher,
    ModelFileError,
    PeopleTableError,
    people_table,
    validate_people,
)
from custodes.linkage.evaluate import score_pairs
from custodes.linkage.model import BADGE_BAYES_FACTOR, MODEL_PATH, load_settings
from custodes.linkage.synthetic import CORRUPTIONS, PeopleConfig, generate_people

# Named entries planted in a synthetic registry of ordinary size, so that name frequencies
# (and so the weight of a shared name) are realistic.
ENTRIES: list[dict[str, Any]] = [
    {
        "record_id": "VA-1001",
        "first_name": "Robert",
        "middle_name": "James",
        "last_name": "Whitfield",
        "birth_date": "1978-04-12",
        "sex": "M",
        "agency": "Springfield Police Department",
        "badges": ["4471"],
    },
    {
        "record_id": "NY-2002",
        "first_name": "Margaret",
        "middle_name": "Anne",
        "last_name": "Kowalczyk",
        "birth_date": "1985-09-30",
        "sex": "F",
        "agency": "Albany Police Department",
    },
    {
        "record_id": "GB-3003",
        "first_name": "John",
        "middle_name": "Paul",
        "last_name": "Smith",
        "birth_date": "1980-03-12",
        "sex": "M",
        "agency": "Kent Police",
        "badges": ["PC 1234"],
    },
    {
        "record_id": "OH-4004",
        "first_name": "Robert",
        "last_name": "Fairweather",
        "birth_year": 1971,
    },
]


@pytest.fixture(scope="module")
def registry() -> pa.Table:
    background = generate_people(PeopleConfig(registry=2000, roster=10, seed=314)).registry
    return pa.concat_tables([background, people_table(ENTRIES)])


@pytest.fixture(scope="module")
def matcher(registry: pa.Table) -> Iterator[Matcher]:
    with Matcher(registry) as m:
        yield m


def ids(candidates: list[Candidate]) -> list[str]:
    return [c.registry_id for c in candidates]


def test_an_applicant_with_a_nickname_and_a_typo_is_found(matcher: Matcher) -> None:
    found = matcher.check(
        {
            "record_id": "app-1",
            "first_name": "Bob",
            "last_name": "Whitfeld",
            "birth_date": dt.date(1978, 4, 12),
            "sex": "M",
        }
    )
    assert ids(found)[:1] == ["VA-1001"]
    assert found[0].record_id == "app-1"
    assert found[0].match_probability > 0.9
    assert "first_name: nickname of" in found[0].explanation
    assert "last_name: typo" in found[0].explanation


def test_a_married_name_with_the_maiden_name_listed_is_found(matcher: Matcher) -> None:
    found = matcher.check(
        {
            "record_id": "app-2",
            "first_name": "Peggy",
            "last_name": "Brennan",
            "other_names": ["Kowalczyk"],
            "birth_date": "1985-09-30",
            "sex": "F",
        }
    )
    assert ids(found) == ["NY-2002"]
    assert "last_name: matches other_names" in found[0].explanation
    assert "first_name: nickname of" in found[0].explanation


def test_a_married_name_without_the_maiden_name_is_found_by_given_name_and_birth_date(
    matcher: Matcher,
) -> None:
    applicant = {
        "record_id": "app-3",
        "first_name": "Margaret",
        "last_name": "Brennan",
        "birth_date": "1985-09-30",
        "sex": "F",
    }
    found = matcher.check(applicant)
    assert ids(found) == ["NY-2002"]
    assert found[0].explanation == (
        "birth_date: exact; first_name: exact; sex: exact; "
        "against last_name: different (possible marriage)"
    )
    # Her middle name as well makes it all but certain.
    surer = matcher.check(applicant | {"middle_name": "Anne"})
    assert ids(surer) == ["NY-2002"]
    assert surer[0].match_probability > max(0.9, found[0].match_probability)


def test_the_same_common_name_with_another_birth_date_is_not_a_candidate(
    matcher: Matcher,
) -> None:
    same = {"first_name": "John", "last_name": "Smith", "sex": "M", "agency": "Kent Police"}
    him = matcher.check({"record_id": "app-4", **same, "birth_date": "1980-03-12"})
    other = matcher.check({"record_id": "app-5", **same, "birth_date": "1975-08-02"})
    assert "GB-3003" in ids(him)
    assert "GB-3003" not in ids(other)


def test_a_shared_badge_number_alone_makes_no_match(matcher: Matcher) -> None:
    found = matcher.check(
        {
            "record_id": "app-6",
            "first_name": "Priya",
            "last_name": "Raman",
            "birth_date": "1994-01-20",
            "sex": "F",
            "agency": "Kent Police",
            "badges": "pc1234",
        }
    )
    assert found == []
    # The model caps what a shared number can add, whatever training said.
    badges = next(c for c in load_settings()["comparisons"] if c["output_column_name"] == "badges")
    (shared,) = [
        lv for lv in badges["comparison_levels"] if lv["label_for_charts"] == "shared number"
    ]
    assert shared["m_probability"] / shared["u_probability"] == pytest.approx(BADGE_BAYES_FACTOR)


def test_explanations_name_the_comparisons_strongest_first(registry: pa.Table) -> None:
    # A nickname, a rare surname and a birth year, nothing else: p=0.45, as a year alone often
    # drifts by one between records (rosters work it out from an age); likely from p=0.4.
    with Matcher(registry, threshold=0.4) as matcher:
        found = matcher.check(
            {
                "record_id": "app-7",
                "first_name": "Bob",
                "last_name": "Fairweather",
                "birth_year": 1971,
            }
        )
    assert ids(found) == ["OH-4004"]
    assert found[0].likely
    # The spec's own example: the comparisons that counted, and their levels.
    parts = found[0].explanation.split("; ")
    assert sorted(parts) == ["birth_year: exact", "first_name: nickname of", "last_name: exact"]
    assert parts[0] == "last_name: exact"


def test_explanations_say_what_counted_against(matcher: Matcher) -> None:
    found = matcher.check(
        {
            "record_id": "app-8",
            "first_name": "Robert",
            "middle_name": "James",
            "last_name": "Whitfield",
            "birth_date": "1978-04-12",
            "sex": "M",
            "agency": "Dover Police",
        }
    )
    explanation = found[0].explanation
    pattern = r"[a-z_]+: [a-z ()'_]+"
    assert re.fullmatch(rf"{pattern}(; {pattern})*(; against {pattern})*", explanation)
    assert explanation.endswith("against agency: different")
    assert explanation.index("birth_date: exact") < explanation.index("sex: exact")


def test_screen_returns_the_spec_columns_most_likely_first(registry: pa.Table) -> None:
    listed = registry.append_column(
        "list_record_ref",
        pa.array([f"list-{i}" for i in range(registry.num_rows)], type=pa.string()),
    )
    roster = people_table(
        [
            {
                "record_id": "staff-1",
                "first_name": "Robert",
                "last_name": "Whitfield",
                "birth_date": "1978-04-12",
            },
            {"record_id": "staff-2", "first_name": "Ann", "last_name": "Nobody"},
            {
                "record_id": "staff-3",
                "first_name": "John",
                "last_name": "Smith",
                "birth_date": "1980-03-12",
            },
        ]
    )
    with Matcher(listed, threshold=0.05) as matcher:
        out = matcher.screen(roster)
    assert out.schema == SCREEN_SCHEMA
    assert out.column_names == [
        "person_ref",
        "entry_id",
        "list_record_ref",
        "match_probability",
        "match_weight",
        "explanation",
        "strength",
    ]
    rows = out.to_pylist()
    assert {r["person_ref"] for r in rows} == {"staff-1", "staff-3"}
    assert [r["person_ref"] for r in rows] == sorted(r["person_ref"] for r in rows)
    for person in ("staff-1", "staff-3"):
        chances = [r["match_probability"] for r in rows if r["person_ref"] == person]
        assert chances == sorted(chances, reverse=True)
    for r in rows:
        # Likely pairs reach the threshold; below it only a pair whose names agree is kept.
        assert (r["strength"] == "likely") == (r["match_probability"] >= 0.05)
        assert (r["strength"] == "weaker") == r["explanation"].startswith("name only: ")
    top = next(r for r in rows if r["person_ref"] == "staff-1")
    assert top["entry_id"] == "VA-1001"
    assert top["list_record_ref"] == f"list-{registry.num_rows - len(ENTRIES)}"


def screened_and_checked(
    matcher: Matcher, people: pa.Table
) -> tuple[dict[tuple[Any, Any], float], dict[tuple[Any, Any], float]]:
    """Return each pair's probability from one screen of `people`, and from a check of each."""
    screened = {
        (r["person_ref"], r["entry_id"]): r["match_probability"]
        for r in matcher.screen(people).to_pylist()
    }
    checked = {
        (c.record_id, c.registry_id): c.match_probability
        for row in people.to_pylist()
        for c in matcher.check(row)
    }
    return screened, checked


def test_check_and_screen_agree(matcher: Matcher) -> None:
    people = generate_people(PeopleConfig(registry=2000, roster=40, seed=314)).roster
    screened, checked = screened_and_checked(matcher, people)
    assert screened
    assert checked.keys() == screened.keys()
    assert all(checked[k] == pytest.approx(screened[k], abs=1e-12) for k in checked)


def test_a_generated_roster_is_matched_accurately() -> None:
    # A seed the shipped model was not trained on.
    people = generate_people(PeopleConfig(registry=2000, roster=500, seed=2718))
    with Matcher(people.registry) as matcher:
        found = matcher.screen(people.roster)
    likely = found.filter(pc.equal(found.column("strength"), "likely"))
    accuracy = score_pairs(likely, people.truth)
    assert accuracy.true_pairs == 100
    assert accuracy.f1 >= 0.95, accuracy


def test_a_missing_required_column_is_named(registry: pa.Table) -> None:
    with pytest.raises(PeopleTableError, match="field 'first_name' is missing"):
        Matcher(registry.drop_columns(["first_name"]))


def test_a_duplicated_record_id_is_named() -> None:
    rows = [
        {"record_id": "X-1", "first_name": "Ann", "last_name": "Lee"},
        {"record_id": "X-2", "first_name": "Bo", "last_name": "Lee"},
        {"record_id": "X-1", "first_name": "Cy", "last_name": "Lee"},
    ]
    with pytest.raises(PeopleTableError, match=r"record 'X-1': field 'record_id' is duplicated"):
        people_table(rows)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_date", "12/03/1980", r"record 'Y-1': field 'birth_date'"),
        ("sex", "male", r"record 'Y-1': field 'sex' must be F, M or X"),
        ("last_name", "  ", r"record 'Y-1': field 'last_name' is empty"),
        ("birth_year", 1890, r"record 'Y-1': field 'birth_year' is outside"),
    ],
)
def test_a_bad_value_names_the_record_and_field(field: str, value: object, message: str) -> None:
    row = {"record_id": "Y-1", "first_name": "Ann", "last_name": "Lee", field: value}
    with pytest.raises(PeopleTableError, match=message):
        people_table([row])


def test_a_value_arrow_cannot_read_names_the_record_and_field() -> None:
    table = pa.table(
        {
            "record_id": ["V-1", "V-2"],
            "first_name": ["Ann", "Bo"],
            "last_name": ["Lee", "Lee"],
            "birth_date": ["1980-01-02", "1980-13-45"],
        }
    )
    with pytest.raises(PeopleTableError, match=r"^record 'V-2': field 'birth_date': cannot read"):
        validate_people(table)


def test_a_birth_year_that_contradicts_the_birth_date_is_refused() -> None:
    row = {
        "record_id": "Z-1",
        "first_name": "Ann",
        "last_name": "Lee",
        "birth_date": "1980-01-02",
        "birth_year": 1981,
    }
    with pytest.raises(PeopleTableError, match=r"record 'Z-1': field 'birth_year' disagrees"):
        people_table([row])


def test_the_birth_year_is_taken_from_the_birth_date() -> None:
    table = people_table(
        [{"record_id": "W-1", "first_name": "A", "last_name": "B", "birth_date": "1980-01-02"}]
    )
    assert table.column("birth_year").to_pylist() == [1980]


def test_a_threshold_outside_zero_to_one_is_refused(registry: pa.Table) -> None:
    with pytest.raises(LinkageError, match="threshold"):
        Matcher(registry, threshold=1.5)


def test_an_unknown_engine_is_refused(registry: pa.Table) -> None:
    with pytest.raises(LinkageError, match="unknown engine 'sqlite'"):
        Matcher(registry, engine="sqlite")


def test_synthetic_people_are_the_same_for_the_same_seed() -> None:
    config = PeopleConfig(registry=300, roster=100, seed=5)
    first, again = generate_people(config), generate_people(config)
    assert first.registry.equals(again.registry)
    assert first.roster.equals(again.roster)
    assert first.truth.equals(again.truth)
    other = generate_people(PeopleConfig(registry=300, roster=100, seed=6))
    assert not first.roster.equals(other.roster)


def test_synthetic_truth_pairs_roster_people_with_registry_entries() -> None:
    people = generate_people(PeopleConfig(registry=500, roster=200, on_registry=0.25, seed=8))
    entries = set(people.registry.column("record_id").to_pylist())
    roster = set(people.roster.column("record_id").to_pylist())
    pairs = people.truth_pairs()
    assert len(pairs) == 50
    assert {p for p, _ in pairs} <= roster
    assert {e for _, e in pairs} <= entries
    assert set(people.truth.column("corruption").to_pylist()) <= set(CORRUPTIONS)
    decoys = people.decoys.to_pylist()
    assert {d["decoy"] for d in decoys} == {"same_name_close_birth", "reused_badge"}
    assert not {(d["person_ref"], d["entry_id"]) for d in decoys} & pairs


# As Virginia lists its officers: names and agency, no birth date, no sex.
NAMES_ONLY = [
    {"record_id": "VA-5005", "first_name": "Deangelo", "middle_name": "M", "last_name": "Freeman"},
    {"record_id": "VA-6006", "first_name": "Anthony", "middle_name": "T", "last_name": "Shifflett"},
]


@pytest.fixture(scope="module")
def names_only(registry: pa.Table) -> Iterator[Matcher]:
    with Matcher(pa.concat_tables([registry, people_table(NAMES_ONLY)])) as m:
        yield m


@pytest.mark.parametrize(
    ("applicant", "entry", "first_name"),
    [
        ({"first_name": "Deangelo", "last_name": "Freeman"}, "VA-5005", "exact"),
        ({"first_name": "Anthony", "last_name": "Shifflett", "sex": "M"}, "VA-6006", "exact"),
        ({"first_name": "Tony", "last_name": "Shifflett"}, "VA-6006", "nickname of"),
        ({"first_name": "Shifflett", "last_name": "Anthony"}, "VA-6006", "swapped with last_name"),
    ],
)
def test_a_name_as_listed_is_a_weaker_candidate_however_little_else_is_known(
    names_only: Matcher, applicant: dict[str, str], entry: str, first_name: str
) -> None:
    found = names_only.check({"record_id": "app-9", **applicant})
    (candidate,) = [c for c in found if c.registry_id == entry]
    assert not candidate.likely and candidate.strength == "weaker"
    assert candidate.match_probability < names_only.threshold
    assert candidate.explanation.startswith("name only: ")
    assert f"first_name: {first_name}" in candidate.explanation
    assert "no birth date given or listed" in candidate.explanation
    assert "no middle name given" in candidate.explanation
    # Screening finds the same pair, just as weak.
    (row,) = [
        r
        for r in names_only.screen(people_table([{"record_id": "app-9", **applicant}])).to_pylist()
        if r["entry_id"] == entry
    ]
    assert (row["strength"], row["explanation"]) == ("weaker", candidate.explanation)
    assert row["match_probability"] == pytest.approx(candidate.match_probability, abs=1e-12)


def test_with_the_middle_initial_the_same_name_is_a_likely_match(names_only: Matcher) -> None:
    found = names_only.check(
        {
            "record_id": "app-10",
            "first_name": "Deangelo",
            "middle_name": "M",
            "last_name": "Freeman",
        }
    )
    assert [(c.registry_id, c.strength) for c in found] == [("VA-5005", "likely")]
    assert found[0].likely and not found[0].explanation.startswith("name only")


@pytest.mark.parametrize(
    "contradiction",
    [
        {"middle_name": "Q"},
        {"birth_date": "1960-01-01", "sex": "M"},
        {"sex": "F"},
    ],
)
def test_agreeing_names_with_evidence_of_another_person_are_not_reported(
    matcher: Matcher, contradiction: dict[str, str]
) -> None:
    # The registry's Robert James Whitfield, born 1978-04-12, a man.
    found = matcher.check(
        {"record_id": "app-11", "first_name": "Robert", "last_name": "Whitfield", **contradiction}
    )
    assert "VA-1001" not in ids(found)


def test_weaker_candidates_can_be_left_out(registry: pa.Table) -> None:
    with Matcher(pa.concat_tables([registry, people_table(NAMES_ONLY)]), weaker=False) as m:
        found = m.check({"record_id": "app-12", "first_name": "Deangelo", "last_name": "Freeman"})
        screened = m.screen(
            people_table([{"record_id": "app-12", "first_name": "Tony", "last_name": "Shifflett"}])
        )
    assert found == []
    assert screened.num_rows == 0


def test_a_model_file_with_other_blocking_rules_is_refused(tmp_path: Path) -> None:
    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    shipped["blocking_rules_to_generate_predictions"].pop()
    stale = tmp_path / "model.json"
    stale.write_text(json.dumps(shipped), encoding="utf-8")
    with pytest.raises(ModelFileError, match="blocking rules"):
        load_settings(stale)
