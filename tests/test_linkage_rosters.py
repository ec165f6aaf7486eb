"""Rosters as departments keep them: birth years worked out from an age, badge numbers kept.

A department's roster of one year against the next: an officer who married appears under a
new surname, with the birth year one out and the same badge number, while a stranger on the
registry already has that new name. The matcher must compare the two records, find her, and
rank her above the stranger.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from custodes.linkage import Candidate, Matcher, people_table
from custodes.linkage.evaluate import score_pairs
from custodes.linkage.synthetic import ROSTER_CORRUPTIONS, PeopleConfig, generate_people
from tests.test_linkage import screened_and_checked

AGENCY = "Lakeside Police Department"

# Last year's roster, as a department's personnel file has it: a birth year and one badge.
ENTRIES: list[dict[str, Any]] = [
    {
        "record_id": "LPD-1",
        "first_name": "Maria",
        "last_name": "Brennan",
        "birth_year": 1984,
        "sex": "F",
        "agency": AGENCY,
        "badges": "12345",
    },
    # A stranger who already has the name Maria Brennan takes on marriage.
    {
        "record_id": "LPD-2",
        "first_name": "Maria",
        "last_name": "Kowalski",
        "sex": "F",
        "agency": AGENCY,
        "badges": "20771",
    },
    {
        "record_id": "LPD-3",
        "first_name": "James",
        "middle_name": "T",
        "last_name": "Doyle",
        "birth_year": 1979,
        "sex": "M",
        "agency": AGENCY,
        "badges": "8812",
    },
    {
        "record_id": "LPD-4",
        "first_name": "James",
        "last_name": "Farrell",
        "sex": "M",
        "agency": AGENCY,
        "badges": "16020",
    },
    {
        "record_id": "LPD-5",
        "first_name": "Denise",
        "middle_name": "R",
        "last_name": "Whitaker",
        "birth_year": 1990,
        "sex": "F",
        "agency": AGENCY,
        "badges": "30417",
    },
]


@pytest.fixture(scope="module")
def registry() -> pa.Table:
    # A registry of ordinary size shaped like real rosters, so that frequencies are realistic.
    background = generate_people(
        PeopleConfig(registry=3000, roster=10, seed=77, shape="rosters")
    ).registry
    return pa.concat_tables([background, people_table(ENTRIES)])


@pytest.fixture(scope="module")
def matcher(registry: pa.Table) -> Iterator[Matcher]:
    with Matcher(registry) as m:
        yield m


@pytest.fixture(scope="module")
def every_pair(registry: pa.Table) -> Iterator[Matcher]:
    # Threshold 0: every pair the blocking rules put together is reported.
    with Matcher(registry, threshold=0.0, weaker=False) as m:
        yield m


def ids(candidates: list[Candidate]) -> list[str]:
    return [c.registry_id for c in candidates]


MARRIED = {
    "record_id": "next-1",
    "first_name": "Maria",
    "last_name": "Kowalski",
    "birth_year": 1985,
    "sex": "F",
    "agency": AGENCY,
    "badges": "12345",
}


def test_a_married_officer_with_her_badge_is_found_above_a_stranger_with_her_new_name(
    matcher: Matcher,
) -> None:
    found = matcher.check(MARRIED)
    assert ids(found)[0] == "LPD-1"
    her = found[0]
    assert her.likely and her.match_probability > 0.9
    assert "badges: same number at the same agency" in her.explanation
    assert "birth_year: one year apart" in her.explanation
    assert "against last_name: different (possible marriage)" in her.explanation
    # The stranger who already has her new name, under another number, ranks below her.
    (stranger,) = [c for c in found if c.registry_id == "LPD-2"]
    assert stranger.match_probability < her.match_probability
    assert "against badges: another number at the same agency" in stranger.explanation


def test_a_man_under_a_new_surname_is_found_by_badge_and_middle_initial(matcher: Matcher) -> None:
    found = matcher.check(
        {
            "record_id": "next-2",
            "first_name": "James",
            "middle_name": "T",
            "last_name": "Farrell",
            "birth_year": 1978,
            "sex": "M",
            "agency": AGENCY,
            "badges": "8812",
        }
    )
    assert ids(found)[0] == "LPD-3"
    assert found[0].likely
    assert all(c.match_probability < found[0].match_probability for c in found[1:])


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        # Birth years two apart: only the badge at the same agency brings them together.
        ({"birth_year": 1986}, "badge"),
        # No badge given: given name, sex and agency, and a birth year one out.
        ({"badges": None}, "name, sex, agency, year"),
    ],
)
def test_blocking_compares_a_surname_change_at_the_same_agency(
    every_pair: Matcher, changes: dict[str, Any], rule: str
) -> None:
    person = MARRIED | changes
    assert "LPD-1" in ids(every_pair.check(person)), rule
    # Under another agency and without the badge, nothing ties the new surname to her.
    elsewhere = person | {"agency": "Harbour County Sheriff's Office", "badges": None}
    assert "LPD-1" not in ids(every_pair.check(elsewhere))


def test_a_birth_year_one_out_counts_for_the_match_not_against(matcher: Matcher) -> None:
    same = {
        "first_name": "Denise",
        "middle_name": "R",
        "last_name": "Whitaker",
        "sex": "F",
        "agency": AGENCY,
    }
    exact = matcher.check({"record_id": "y-0", **same, "birth_year": 1990})
    drifted = matcher.check({"record_id": "y-1", **same, "birth_year": 1991})
    apart = matcher.check({"record_id": "y-2", **same, "birth_year": 1992})
    assert ids(exact)[:1] == ids(drifted)[:1] == ["LPD-5"]
    assert drifted[0].likely and drifted[0].match_probability > 0.99
    assert "birth_year: one year apart" in drifted[0].explanation
    assert "against birth_year" not in drifted[0].explanation
    # Two years apart is a disagreement: not a likely match, nor shown as a weaker one.
    assert "LPD-5" not in ids(apart)


def test_a_name_only_check_with_a_birth_year_one_out_is_still_a_weaker_candidate(
    matcher: Matcher,
) -> None:
    # Nothing but the names and a birth year one out: no contradiction, so it is shown.
    found = matcher.check(
        {"record_id": "w-1", "first_name": "Denise", "last_name": "Whitaker", "birth_year": 1989}
    )
    (candidate,) = [c for c in found if c.registry_id == "LPD-5"]
    assert "birth_year: one year apart" in candidate.explanation
    assert "against birth_year" not in candidate.explanation
    two_out = matcher.check(
        {"record_id": "w-2", "first_name": "Denise", "last_name": "Whitaker", "birth_year": 1988}
    )
    assert "LPD-5" not in ids(two_out)


def test_an_exact_match_on_a_two_entry_list_is_likely() -> None:
    """Daniel Okafor: exact name, birth date, sex and agency on a list of two entries."""
    listed = people_table(
        [
            {
                "record_id": "GB-1",
                "first_name": "Margaret",
                "middle_name": "Anne",
                "last_name": "Holloway",
                "birth_date": "1984-03-12",
                "sex": "F",
                "agency": "Northshire Police",
                "badges": "4471",
            },
            {
                "record_id": "GB-2",
                "first_name": "Daniel",
                "last_name": "Okafor",
                "birth_date": "1979-11-02",
                "sex": "M",
                "agency": "Westvale Constabulary",
            },
        ]
    )
    with Matcher(listed) as small:
        found = small.check(
            {
                "record_id": "app-1",
                "first_name": "Daniel",
                "last_name": "Okafor",
                "birth_date": "1979-11-02",
                "sex": "M",
                "agency": "Westvale Constabulary",
            }
        )
    assert ids(found) == ["GB-2"]
    assert found[0].likely and found[0].match_probability > 0.99


def test_check_and_screen_agree_on_a_roster(matcher: Matcher) -> None:
    # Badge-number blocking joins each number on its own row; a check builds that once.
    people = generate_people(
        PeopleConfig(registry=3000, roster=60, on_registry=0.8, seed=77, shape="rosters")
    ).roster
    screened, checked = screened_and_checked(matcher, people)
    assert len(screened) > 40
    assert checked.keys() == screened.keys()
    assert all(checked[k] == pytest.approx(screened[k], abs=1e-12) for k in checked)


def test_a_generated_pair_of_rosters_is_matched_accurately() -> None:
    # A seed the shipped model was not trained on.
    people = generate_people(
        PeopleConfig(registry=3000, roster=1500, on_registry=0.9, seed=2719, shape="rosters")
    )
    with Matcher(people.registry) as matcher:
        found = matcher.screen(people.roster)
    likely = found.filter(pc.equal(found.column("strength"), "likely"))
    accuracy = score_pairs(likely, people.truth)
    assert accuracy.true_pairs == 1350
    # The model before badge blocking and evidence: F1 0.973, surname changes 43 of 69.
    assert accuracy.f1 >= 0.985, accuracy
    assert accuracy.recall_by_corruption["surname_change_unlisted"] >= 0.8, accuracy


def test_the_rosters_shape_has_the_difficulties_of_real_rosters() -> None:
    people = generate_people(
        PeopleConfig(registry=2000, roster=1000, on_registry=0.9, seed=5, shape="rosters")
    )
    registry, roster = people.registry, people.roster
    for table in (registry, roster):
        assert table.column("birth_date").null_count == table.num_rows
        assert pc.all(pc.equal(pc.list_value_length(table.column("other_names")), 0)).as_py()
    entries = {r["record_id"]: r for r in registry.to_pylist()}
    persons = {r["record_id"]: r for r in roster.to_pylist()}
    pairs = [(persons[t["person_ref"]], entries[t["entry_id"]]) for t in people.truth.to_pylist()]
    drifted = sum(
        1
        for p, e in pairs
        if p["birth_year"] and e["birth_year"] and abs(p["birth_year"] - e["birth_year"]) == 1
    )
    kept = sum(1 for p, e in pairs if p["badges"] == e["badges"])
    assert 0.15 < drifted / len(pairs) < 0.35
    assert kept / len(pairs) > 0.9
    names = [(r["first_name"], r["last_name"]) for r in registry.to_pylist()]
    assert len(set(names)) < 0.97 * len(names)  # several people share a full name
    kinds = set(people.truth.column("corruption").to_pylist())
    assert "surname_change_unlisted" in kinds and kinds <= set(ROSTER_CORRUPTIONS)
    with pytest.raises(ValueError, match="shape"):
        PeopleConfig(shape="census")
