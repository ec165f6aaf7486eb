"""Disclosure control: the 10-5 rule, secondary suppression, the attacker, cell-key noise."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custodes.errors import CustodesError
from custodes.stats.disclosure import (
    ALL,
    Cell,
    CellKey,
    DisclosureError,
    Problem,
    Publication,
    Rule,
    TableSpec,
    attack,
    build_problem,
    margin_attack,
    percent,
    protect,
    published_interval,
    round_to_base,
    small_differences,
    suppress_primary,
    table_attack,
)

SECRET = b"a secret of thirty-two bytes ..."
OTHER_SECRET = b"another secret of 32 bytes ....."


def make_records(rows: list[tuple[dict[str, object], int]], start: int = 0) -> pd.DataFrame:
    """Records from (classification, how many) pairs, with ids counting up from start."""
    out: list[dict[str, object]] = []
    for classification, n in rows:
        out.extend(dict(classification) for _ in range(n))
    frame = pd.DataFrame(out)
    frame.insert(0, "record_id", range(start, start + len(frame)))
    return frame


def funnel(year: int, category: str, n: int, referred: int) -> list[tuple[dict[str, object], int]]:
    """n allegations of one year and category, the first `referred` of them referred."""
    base = {"year": year, "category": category}
    return [({**base, "referred": True}, referred), ({**base, "referred": False}, n - referred)]


# A small funnel: category b has small counts, so its cells are suppressed.
HAND = make_records(
    funnel(2020, "a", 30, 12)
    + funnel(2020, "b", 4, 1)
    + funnel(2021, "a", 25, 20)
    + funnel(2021, "b", 14, 3)
    + funnel(2022, "a", 40, 2)
    + funnel(2022, "b", 11, 11)
)
BY_YEAR_CATEGORY = TableSpec("by_year_category", ("year", "category"), ("count", "referred"))


def cell(table: str, *values: object, measure: str = "count") -> Cell:
    return Cell(table, tuple(values), measure)


# -- the rule ---------------------------------------------------------------------------


def test_rounding_is_to_the_nearest_multiple_with_halves_up() -> None:
    assert [round_to_base(v, 5) for v in (10, 12, 13, 17, 18, 124)] == [10, 10, 15, 15, 20, 125]
    assert [round_to_base(v, 4) for v in (1, 2, 5, 6)] == [0, 4, 4, 8]
    assert round_to_base(37, 1) == 37


def test_a_published_value_tells_the_attacker_an_interval() -> None:
    rule = Rule()  # threshold 10, rounding 5
    assert published_interval(35, rule) == (33, 37)
    assert published_interval(10, rule) == (10, 12)  # at least the threshold
    assert published_interval(0, rule) == (0, 0)
    with pytest.raises(DisclosureError, match="cannot be published"):
        published_interval(8, Rule(rounding=1))  # a count under the threshold is never shown
    assert published_interval(12, Rule(rounding=1)) == (12, 12)
    noisy = Rule(perturbation=CellKey(SECRET, max_noise=2))
    assert published_interval(35, noisy) == (31, 39)
    assert published_interval(10, noisy) == (10, 14)
    # Every count that rounds to 35 lies in the interval, and no other does.
    assert [v for v in range(100) if round_to_base(v, 5) == 35] == list(range(33, 38))


def test_the_10_5_rule_on_a_hand_table() -> None:
    problem = build_problem(HAND, [BY_YEAR_CATEGORY])
    publication = suppress_primary(problem, Rule())
    t = "by_year_category"
    expected = {
        cell(t, 2020, "a"): (30, "published"),
        cell(t, 2020, "a", measure="referred"): (10, "published"),  # 12 -> 10
        cell(t, 2020, "b"): (None, "primary"),  # 4
        cell(t, 2020, "b", measure="referred"): (None, "primary"),  # 1
        cell(t, 2020, ALL): (35, "published"),  # 34 -> 35
        cell(t, 2021, "b"): (15, "published"),  # 14 -> 15
        cell(t, 2021, "b", measure="referred"): (None, "primary"),  # 3
        cell(t, 2022, "a", measure="referred"): (None, "primary"),  # 2
        cell(t, 2022, "b"): (10, "published"),  # 11 -> 10
        cell(t, ALL, "b"): (30, "published"),  # 29 -> 30
        cell(t, ALL, ALL): (125, "published"),  # 124 -> 125
        cell(t, ALL, ALL, measure="referred"): (50, "published"),  # 49 -> 50
    }
    for c, (value, reason) in expected.items():
        assert (publication.value(c), publication.reason(c)) == (value, reason), c.label()
    assert publication.count("primary") == 4
    frame = publication.frames()[t]
    assert list(frame.columns) == ["year", "category", "measure", "value", "suppressed"]
    assert len(frame) == 4 * 3 * 2
    hidden = frame[frame["suppressed"]]
    assert hidden["value"].isna().all() and len(hidden) == 4
    assert "reason" not in frame.columns  # primary and secondary must look the same


def test_zero_is_published_unless_the_rule_says_otherwise() -> None:
    records = make_records([({"year": 2020, "sex": "F"}, 12), ({"year": 2021, "sex": "M"}, 15)])
    problem = build_problem(records, [TableSpec("t", ("year", "sex"))])
    shown = suppress_primary(problem, Rule())
    assert (shown.value(cell("t", 2020, "M")), shown.reason(cell("t", 2020, "M"))) == (0, "zero")
    hidden = suppress_primary(problem, Rule(suppress_zero=True))
    assert hidden.suppressed(cell("t", 2020, "M"))
    assert hidden.reason(cell("t", 2020, "M")) == "zero"


# -- building the problem ---------------------------------------------------------------


def expected_counts(records: pd.DataFrame, spec: TableSpec) -> dict[Cell, int]:
    """The table's cells by plain pandas: a groupby for every set of summed dimensions."""
    kept = records
    for column, wanted in spec.where:
        options = list(wanted) if isinstance(wanted, tuple | list | frozenset) else [wanted]
        kept = kept[kept[column].isin(options)]
    out: dict[Cell, int] = {}
    for measure in spec.measures:
        chosen = kept if measure == "count" else kept[kept[measure]]
        for summed in itertools.product((False, True), repeat=len(spec.by)):
            grouped = [d for d, s in zip(spec.by, summed, strict=True) if not s]
            if grouped:
                counts = chosen.groupby(grouped).size()
                for key, n in counts.items():
                    key_tuple = key if isinstance(key, tuple) else (key,)
                    it = iter(key_tuple)
                    values = tuple(ALL if s else next(it) for s in summed)
                    out[Cell(spec.name, values, measure)] = int(n)
            else:
                out[Cell(spec.name, tuple(ALL for _ in spec.by), measure)] = len(chosen)
    return out


def test_cell_values_equal_a_plain_pandas_groupby_with_margins() -> None:
    rng = np.random.default_rng(7)
    n = 500
    records = pd.DataFrame(
        {
            "record_id": np.arange(n),
            "year": rng.choice([2019, 2020, 2021], n),
            "category": rng.choice(["force", "sexual", "discourtesy", "property"], n),
            "sex": rng.choice(["F", "M", "X"], n, p=[0.3, 0.65, 0.05]),
            "referred": rng.random(n) < 0.4,
            "substantiated": rng.random(n) < 0.1,
        }
    )
    specs = [
        TableSpec("by_year_category", ("year", "category"), ("count", "referred")),
        TableSpec("by_sex", ("sex",), ("count", "substantiated")),
        TableSpec(
            "sexual_by_year_sex",
            ("year", "sex"),
            ("count", "referred"),
            where=(("category", ("sexual", "force")),),
        ),
        TableSpec("substantiated_by_category", ("category",), where=(("substantiated", True),)),
        TableSpec("totals", (), ("count", "referred", "substantiated")),
    ]
    problem = build_problem(records, specs)
    seen = 0
    for spec in specs:
        expected = expected_counts(records, spec)
        table = [c for c in problem.cells if c.table == spec.name]
        for c in table:
            assert problem.value(c) == expected.get(c, 0), c.label()
        seen += len(table)
        assert set(expected) <= set(table)
    assert seen == len(problem.cells)
    assert problem.atom_counts.sum() == n
    # Duplicate cells (the same records) share a group: by_sex's total and the big table's.
    assert (
        problem.group[problem.position(cell("by_sex", ALL))]
        == problem.group[problem.position(cell("by_year_category", ALL, ALL))]
    )


def test_bad_records_are_refused_with_the_column_and_row() -> None:
    spec = TableSpec("t", ("year",), ("count", "referred"))
    good = make_records(funnel(2020, "a", 12, 3))
    with pytest.raises(DisclosureError, match="no column 'referred'"):
        build_problem(good.drop(columns="referred"), [spec])
    bad = good.copy()
    bad.loc[3, "year"] = None
    with pytest.raises(DisclosureError, match="'year' is empty in row 3"):
        build_problem(bad, [spec])
    bad = good.astype({"referred": object})
    bad.loc[2, "referred"] = "maybe"
    with pytest.raises(DisclosureError, match=r"'referred' must be true or false.*row 2"):
        build_problem(bad, [spec])
    bad = good.astype({"year": object})
    bad.loc[1, "year"] = "All"
    with pytest.raises(DisclosureError, match="holds 'All' in row 1"):
        build_problem(bad, [spec])
    with pytest.raises(DisclosureError, match="record id 0 appears twice"):
        build_problem(good, [spec], previous=pd.concat([good, good.head(1)]))
    with pytest.raises(DisclosureError, match="used twice"):
        build_problem(good, [spec, spec])
    assert issubclass(DisclosureError, CustodesError)


# -- the attacker and secondary suppression ----------------------------------------------


def test_without_secondary_suppression_the_margins_give_cells_away() -> None:
    problem = build_problem(HAND, [BY_YEAR_CATEGORY])
    primary_only = suppress_primary(problem, Rule())
    found = {r.cell: r for r in attack(problem, primary_only)}
    # 2020's b is 34 - 30 = 4 from its row: published 35 and 30, so between 1 and 9.
    lone = found[cell("by_year_category", 2020, "b")]
    assert (lone.value, lone.lo, lone.hi) == (4, 1, 9)
    assert lone.hi - lone.lo < Rule().width
    assert len(found) == 4  # every primary cell
    # The quick attacks agree (they know less, so they find no more).
    assert {r.cell for r in margin_attack(problem, primary_only)} <= set(found)
    assert {r.cell for r in table_attack(problem, primary_only)} == set(found)
    for r in found.values():
        assert r.lo <= r.value <= r.hi


def test_after_protect_the_attacker_recovers_nothing() -> None:
    problem = build_problem(HAND, [BY_YEAR_CATEGORY])
    publication = protect(problem, Rule())
    assert attack(problem, publication) == []
    assert attack(problem, _without_evidence(publication)) == []
    assert attack(problem, publication, integer=True) == []
    assert margin_attack(problem, publication) == []
    assert publication.count("secondary") > 0
    # Protecting never hides more than it must: every small cell, and the rest published.
    for c in publication.cells:
        value = problem.value(c)
        if 0 < value < 10:
            assert publication.reason(c) == "primary"
        elif value >= 10:
            assert publication.reason(c) in ("published", "secondary")


def _without_evidence(publication: Publication) -> Publication:
    """The same publication as read back from its files: no points from protect."""
    return Publication(
        rule=publication.rule,
        specs=publication.specs,
        cells=publication.cells,
        values=publication.values,
        reasons=publication.reasons,
    )


def test_evidence_that_does_not_fit_is_not_believed() -> None:
    problem = build_problem(HAND, [BY_YEAR_CATEGORY])
    primary_only = suppress_primary(problem, Rule())
    # Points that would show every cell wide, but break the published intervals.
    wild = np.column_stack([problem.atom_counts * 0.0, problem.atom_counts * 50.0])
    forged = Publication(
        rule=primary_only.rule,
        specs=primary_only.specs,
        cells=primary_only.cells,
        values=primary_only.values,
        reasons=primary_only.reasons,
        evidence=wild,
    )
    assert len(attack(problem, forged)) == 4


def test_differencing_two_tables_gives_a_cell_away_until_protected() -> None:
    # Table A by year and category; table B by year for categories a and b only.
    records = make_records(
        funnel(2020, "a", 3, 0)
        + funnel(2020, "b", 40, 0)
        + funnel(2020, "c", 6, 0)
        + funnel(2021, "a", 5, 0)
        + funnel(2021, "b", 50, 0)
        + funnel(2021, "c", 4, 0)
        + funnel(2022, "a", 30, 0)
        + funnel(2022, "b", 45, 0)
        + funnel(2022, "c", 35, 0)
    )
    table_a = TableSpec("a_by_year_category", ("year", "category"))
    table_b = TableSpec("b_by_year", ("year",), where=(("category", ("a", "b")),))
    rule = Rule()
    alone = build_problem(records, [table_a])
    safe_alone = protect(alone, rule)
    assert attack(alone, safe_alone) == []
    # Publish table A as protected on its own, and table B in full.
    both = build_problem(records, [table_a, table_b])
    naive = suppress_primary(both, rule)
    combined = Publication(
        rule=rule,
        specs=both.specs,
        cells=naive.cells,
        values=tuple(
            safe_alone.value(c) if c.table == table_a.name else naive.value(c) for c in naive.cells
        ),
        reasons=naive.reasons,
    )
    assert table_attack(both, combined) == []  # each table alone is safe
    found = {r.cell: r for r in attack(both, combined)}
    # B's 2020 (43) minus A's published 2020 b (40) leaves A's 2020 a (3).
    assert cell(table_a.name, 2020, "a") in found
    protected = protect(both, rule)
    assert attack(both, protected) == []
    assert attack(both, _without_evidence(protected)) == []


def test_a_total_published_in_two_tables_is_one_decision() -> None:
    records = make_records(
        funnel(2020, "a", 25, 5) + funnel(2020, "b", 7, 2) + funnel(2021, "a", 30, 9)
    )
    by_year = TableSpec("by_year", ("year",), ("count", "referred"))
    by_category = TableSpec("by_category", ("category",), ("count", "referred"))
    problem = build_problem(records, [by_year, by_category, BY_YEAR_CATEGORY])
    publication = protect(problem, Rule())
    for measure in ("count", "referred"):
        totals = {
            publication.value(cell(by_year.name, ALL, measure=measure)),
            publication.value(cell(by_category.name, ALL, measure=measure)),
            publication.value(cell(BY_YEAR_CATEGORY.name, ALL, ALL, measure=measure)),
        }
        assert len(totals) == 1
    # The margin of the two-way table is the one-way table's cell: one decision for both.
    for year in (2020, 2021):
        assert publication.value(cell(by_year.name, year)) == publication.value(
            cell(BY_YEAR_CATEGORY.name, year, ALL)
        )
    assert attack(problem, publication) == []


# -- the previous publication ------------------------------------------------------------

LAST_YEAR = make_records(
    funnel(2020, "a", 30, 10) + funnel(2020, "b", 20, 5) + funnel(2021, "a", 25, 12)
)
CUMULATIVE = TableSpec("by_category", ("category",), ("count", "referred"))
YEARLY = TableSpec("by_year_category", ("year", "category"))


def test_a_new_small_year_is_given_away_by_differencing_the_cumulative_totals() -> None:
    rule = Rule()
    specs = [CUMULATIVE, YEARLY]
    before = protect(build_problem(LAST_YEAR, specs), rule)
    # A year later: 2022 adds 3 allegations of category b (and 40 of a).
    now = pd.concat(
        [LAST_YEAR, make_records(funnel(2022, "b", 3, 1) + funnel(2022, "a", 40, 20), 1000)],
        ignore_index=True,
    )
    problem = build_problem(now, specs, previous=LAST_YEAR)
    # Protected as if there were no previous publication: b's total went from 20 to 23.
    naive = protect(build_problem(now, specs), rule)
    found = {r.cell for r in attack(problem, naive, previous_publication=before)}
    assert cell(YEARLY.name, 2022, "b") in found
    protected = protect(problem, rule, previous_publication=before)
    assert attack(problem, protected, previous_publication=before) == []
    assert attack(problem, _without_evidence(protected), previous_publication=before) == []
    # The previous publication's own suppressed cells are attacked too, and stay safe.
    assert any(before.suppressed(c) for c in before.cells)


def test_a_record_classified_differently_then_counts_as_it_stood() -> None:
    then = LAST_YEAR.copy()
    now = LAST_YEAR.copy()
    # One allegation of 2020 b, not referred at the last publication, has since been referred.
    changed = int(now.index[(now["category"] == "b") & ~now["referred"]][0])
    now.loc[changed, "referred"] = True
    problem = build_problem(now, [CUMULATIVE], previous=then)
    referred_b = Cell(CUMULATIVE.name, ("b",), "referred")
    assert problem.value(referred_b) == 6
    assert problem.value(Cell(CUMULATIVE.name, ("b",), "referred", previous=True)) == 5
    # The atom of the changed record: not referred then, referred now.
    assert problem.atom_counts.sum() == len(now)
    assert 1 in set(problem.atom_counts.tolist())
    before = protect(build_problem(then, [CUMULATIVE]), Rule())
    protected = protect(problem, Rule(), previous_publication=before)
    assert attack(problem, protected, previous_publication=before) == []


def test_a_previous_publication_must_match_its_records(tmp_path: Path) -> None:
    before = protect(build_problem(LAST_YEAR, [CUMULATIVE]), Rule())
    other = LAST_YEAR[LAST_YEAR["category"] == "a"]
    problem = build_problem(LAST_YEAR, [CUMULATIVE], previous=other)
    with pytest.raises(DisclosureError, match="has a cell by_category\\[b\\] count these"):
        protect(problem, Rule(), previous_publication=before)
    with pytest.raises(DisclosureError, match="pass previous_publication"):
        protect(problem, Rule())


def test_a_publication_read_back_from_its_files_serves_as_the_previous(tmp_path: Path) -> None:
    rule = Rule()
    specs = [CUMULATIVE, YEARLY]
    before = protect(build_problem(LAST_YEAR, specs), rule)
    for name, frame in before.frames().items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    frames = {
        spec.name: pd.read_csv(tmp_path / f"{spec.name}.csv", dtype=str, keep_default_na=False)
        for spec in specs
    }
    read = Publication.from_frames(frames, specs, rule)
    assert [read.value(c) for c in before.cells] == list(before.values)
    now = pd.concat(
        [LAST_YEAR, make_records(funnel(2022, "b", 3, 1) + funnel(2022, "a", 40, 20), 1000)],
        ignore_index=True,
    )
    problem = build_problem(now, specs, previous=LAST_YEAR)
    protected = protect(problem, rule, previous_publication=read)
    assert attack(problem, protected, previous_publication=read) == []
    assert attack(problem, protected, previous_publication=before) == []
    broken = dict(frames)
    broken[CUMULATIVE.name] = frames[CUMULATIVE.name].assign(value="lots")
    with pytest.raises(DisclosureError, match="value 'lots' is not a count"):
        Publication.from_frames(broken, specs, rule)
    wrong = dict(frames)
    wrong[CUMULATIVE.name] = frames[CUMULATIVE.name].assign(
        value=frames[CUMULATIVE.name]["value"].where(frames[CUMULATIVE.name]["value"] == "", "500")
    )
    liar = Publication.from_frames(wrong, specs, rule)
    with pytest.raises(DisclosureError, match="the records give"):
        protect(problem, rule, previous_publication=liar)


def test_small_differences_of_published_cells_are_listed_not_protected() -> None:
    # The rule protects cells. 2021's a: 25 allegations, 20 referred, both published; the 5
    # not referred are no cell, but 25 - 20 reads as 1..9.
    problem = build_problem(HAND, [BY_YEAR_CATEGORY])
    publication = suppress_primary(problem, Rule())
    found = {(d.larger, d.smaller): d for d in small_differences(problem, publication)}
    t = BY_YEAR_CATEGORY.name
    pair = found[(cell(t, 2021, "a"), cell(t, 2021, "a", measure="referred"))]
    assert (pair.value, pair.lo, pair.hi) == (5, 1, 9)
    for d in found.values():
        assert 0 < d.value < 10 and d.lo <= d.value <= d.hi
    # The same across publications: b's cumulative total went from 20 to 23.
    before = protect(build_problem(LAST_YEAR, [CUMULATIVE]), Rule())
    now = pd.concat([LAST_YEAR, make_records(funnel(2022, "b", 3, 0), 1000)], ignore_index=True)
    problem = build_problem(now, [CUMULATIVE], previous=LAST_YEAR)
    publication = protect(problem, Rule(), previous_publication=before)
    assert attack(problem, publication, previous_publication=before) == []
    grown = [
        d
        for d in small_differences(problem, publication, previous_publication=before)
        if d.larger == Cell(CUMULATIVE.name, ("b",), "count")
    ]
    assert [(d.smaller, d.value) for d in grown] == [
        (Cell(CUMULATIVE.name, ("b",), "count", previous=True), 3)
    ]


# -- percentages -------------------------------------------------------------------------


def test_a_percentage_is_as_small_a_cell_as_its_denominator() -> None:
    problem = build_problem(HAND, [BY_YEAR_CATEGORY])
    publication = protect(problem, Rule())
    t = BY_YEAR_CATEGORY.name
    # From the published counts: 2021's 23 referred of 39 are published as 25 of 40, 62.5%.
    assert publication.value(cell(t, 2021, ALL)) == 40
    assert publication.value(cell(t, 2021, ALL, measure="referred")) == 25
    assert percent(cell(t, 2021, ALL, measure="referred"), cell(t, 2021, ALL), publication) == 63
    # 2020 b: 1 of 4, a small denominator: suppressed.
    assert percent(cell(t, 2020, "b", measure="referred"), cell(t, 2020, "b"), publication) is None
    # A suppressed numerator hides the percentage too.
    hidden = [c for c in publication.cells if publication.suppressed(c) and c.measure == "referred"]
    for c in hidden:
        assert percent(c, Cell(t, c.values, "count"), publication) is None
    total = publication.value(cell(t, ALL, ALL))
    referred = publication.value(cell(t, ALL, ALL, measure="referred"))
    assert total is not None and referred is not None
    assert percent(cell(t, ALL, ALL, measure="referred"), cell(t, ALL, ALL), publication) == round(
        100 * referred / total
    )


# -- cell-key perturbation ---------------------------------------------------------------


def test_the_same_cell_gets_the_same_noise_in_every_table_and_run() -> None:
    rng = np.random.default_rng(3)
    n = 400
    records = pd.DataFrame(
        {
            "record_id": [f"A-{i:05d}" for i in range(n)],
            "year": rng.choice([2020, 2021, 2022], n),
            "category": rng.choice(["a", "b", "c"], n),
            "referred": rng.random(n) < 0.5,
        }
    )
    specs = [
        TableSpec("by_year", ("year",), ("count", "referred")),
        TableSpec("by_year_category", ("year", "category"), ("count", "referred")),
    ]
    rule = Rule(rounding=1, perturbation=CellKey(SECRET))
    problem = build_problem(records, specs)
    first = suppress_primary(problem, rule)
    # Shuffled records, another run: the same noisy values.
    again = suppress_primary(build_problem(records.sample(frac=1, random_state=1), specs), rule)
    assert [again.value(c) for c in first.cells] == list(first.values)
    for year in (2020, 2021, 2022):
        for measure in ("count", "referred"):
            assert first.value(cell("by_year", year, measure=measure)) == first.value(
                cell("by_year_category", year, ALL, measure=measure)
            )
    noise = [
        (first.value(c) or 0) - problem.value(c)
        for c in first.cells
        if not first.suppressed(c) and problem.value(c) > 0
    ]
    assert any(noise) and max(abs(x) for x in noise) <= 2
    other = suppress_primary(problem, Rule(rounding=1, perturbation=CellKey(OTHER_SECRET)))
    assert other.values != first.values
    protected = protect(problem, Rule(perturbation=CellKey(SECRET)))
    assert attack(problem, protected) == []
    assert all(v is None or v % 5 == 0 for v in protected.values)


@given(
    key=st.integers(min_value=0, max_value=2**32 - 1),
    value=st.integers(min_value=0, max_value=1000),
    max_noise=st.integers(min_value=0, max_value=4),
)
def test_noise_keeps_zeros_at_zero_and_counts_above_zero(
    key: int, value: int, max_noise: int
) -> None:
    noise = CellKey(SECRET, max_noise=max_noise).noise(key, value)
    assert abs(noise) <= max_noise
    if value == 0:
        assert noise == 0
    else:
        assert value + noise >= 1


def test_noise_is_zero_most_often_and_averages_zero() -> None:
    key = CellKey(SECRET, max_noise=2)
    keys = np.linspace(0, 2**32 - 1, 9000).astype(np.int64)
    noise = [key.noise(int(k), 50) for k in keys]
    counts = {n: noise.count(n) for n in range(-2, 3)}
    assert counts[0] == max(counts.values())
    assert abs(sum(noise)) < 10
    with pytest.raises(DisclosureError, match="at least 16 bytes"):
        CellKey(b"short")


# -- properties over random tables -------------------------------------------------------

DIMENSIONS = ("d0", "d1", "d2")


@st.composite
def publications(
    draw: st.DrawFn,
) -> tuple[pd.DataFrame, list[TableSpec], pd.DataFrame | None, Rule]:
    """Random records (many small counts), random tables over them, maybe a previous state."""
    n_dims = draw(st.integers(1, 3))
    dims = DIMENSIONS[:n_dims]
    sizes = [draw(st.integers(2, 4)) for _ in dims]
    combos = list(itertools.product(*[range(s) for s in sizes]))
    rows: list[tuple[dict[str, object], int]] = []
    for combo in combos:
        n = draw(st.sampled_from([0, 1, 2, 3, 5, 8, 12, 15, 20, 30, 40]))
        flagged = draw(st.integers(0, n))
        base = {d: f"v{v}" for d, v in zip(dims, combo, strict=True)}
        rows.append(({**base, "flag": True}, flagged))
        rows.append(({**base, "flag": False}, n - flagged))
    if sum(n for _, n in rows) == 0:
        rows.append((dict.fromkeys(dims, "v0") | {"flag": True}, 3))
    records = make_records(rows)
    specs: list[TableSpec] = []
    for t in range(draw(st.integers(1, 3))):
        by = tuple(d for d in dims if draw(st.booleans()))  # () is a table of totals
        measures = draw(st.sampled_from([("count",), ("count", "flag"), ("flag",)]))
        where: tuple[tuple[str, object], ...] = ()
        if draw(st.booleans()):
            column = draw(st.sampled_from(dims))
            keep = draw(st.sets(st.integers(0, 3), min_size=1, max_size=3))
            where = ((column, tuple(f"v{v}" for v in sorted(keep))),)
        specs.append(TableSpec(f"t{t}", by, measures, where))
    previous = None
    if draw(st.booleans()):
        # The previous state: some records not there yet, some flags changed since.
        gone = draw(st.sets(st.integers(0, len(records) - 1), max_size=len(records) // 3))
        previous = records.drop(index=sorted(gone)).copy()
        flips = (
            draw(st.sets(st.integers(0, len(previous) - 1), max_size=5)) if len(previous) else set()
        )
        for i in flips:
            previous.iloc[i, previous.columns.get_loc("flag")] = not previous.iloc[i]["flag"]
    rule = draw(
        st.sampled_from(
            [
                Rule(),
                Rule(threshold=5, rounding=3),
                Rule(threshold=3, rounding=1),
                Rule(protection=4),
                Rule(suppress_zero=True),
                Rule(rounding=1, perturbation=CellKey(SECRET, max_noise=2)),
            ]
        )
    )
    return records, specs, previous, rule


def protected(
    records: pd.DataFrame, specs: list[TableSpec], previous: pd.DataFrame | None, rule: Rule
) -> tuple[Problem, Publication, Publication | None]:
    """Protect the previous state first (if any), then the current one against it."""
    before = None
    if previous is not None and len(previous):
        before = protect(build_problem(previous, specs), rule)
        problem = build_problem(records, specs, previous=previous)
    else:
        problem = build_problem(records, specs)
    return problem, protect(problem, rule, previous_publication=before), before


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(publications())
def test_protected_publications_give_nothing_away(
    case: tuple[pd.DataFrame, list[TableSpec], pd.DataFrame | None, Rule],
) -> None:
    records, specs, previous, rule = case
    try:
        problem, publication, before = protected(records, specs, previous, rule)
    except DisclosureError as refused:
        _refusal_is_right(records, specs, previous, rule, str(refused))
        return
    assert attack(problem, _without_evidence(publication), previous_publication=before) == []
    assert margin_attack(problem, publication) == []
    for c in publication.cells:
        value, shown = problem.value(c), publication.value(c)
        if 0 < value < rule.threshold:
            assert shown is None and publication.reason(c) == "primary"
        if shown is not None:
            assert shown % rule.rounding == 0
            lo, hi = published_interval(shown, rule)
            assert lo <= value <= hi
    again = protected(records, specs, previous, rule)[1]
    assert again.values == publication.values and again.reasons == publication.reasons


def _refusal_is_right(
    records: pd.DataFrame,
    specs: list[TableSpec],
    previous: pd.DataFrame | None,
    rule: Rule,
    message: str,
) -> None:
    """protect refused: even with every current cell suppressed, a cell is given away."""
    assert message.startswith("cannot protect"), message
    assert previous is not None  # without an earlier publication, suppressing more always helps
    before = protect(build_problem(previous, specs), rule)
    problem = build_problem(records, specs, previous=previous)
    nothing = suppress_primary(problem, rule)
    nothing = Publication(
        rule=rule,
        specs=nothing.specs,
        cells=nothing.cells,
        values=tuple(None for _ in nothing.cells),
        reasons=nothing.reasons,
    )
    assert attack(problem, nothing, previous_publication=before)


def test_protect_refuses_what_the_previous_publication_already_gives_away() -> None:
    # Last year: 6 allegations, 5 of them of kind v0; 2 flagged (suppressed).
    then = make_records(
        [
            ({"kind": "v0", "flag": True}, 1),
            ({"kind": "v0", "flag": False}, 4),
            ({"kind": "v1", "flag": True}, 1),
        ]
    )
    # Now the v0 one is no longer flagged: flagged now is the one v1 allegation, which is
    # last year's published total (6) minus the v0 total (5), both unchanged.
    now = then.copy()
    now.loc[0, "flag"] = False
    specs = [
        TableSpec("all", (), ("count", "flag")),
        TableSpec("v0", (), ("count",), where=(("kind", "v0"),)),
    ]
    rule = Rule(threshold=5, rounding=3)
    before = protect(build_problem(then, specs), rule)
    assert before.suppressed(Cell("all", (), "flag"))
    problem = build_problem(now, specs, previous=then)
    with pytest.raises(
        DisclosureError, match=r"cannot protect all\[\] flag: .* between 0 and 2"
    ) as refused:
        protect(problem, rule, previous_publication=before)
    _refusal_is_right(now, specs, then, rule, str(refused.value))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(publications())
def test_the_whole_number_attacker_finds_nothing_either(
    case: tuple[pd.DataFrame, list[TableSpec], pd.DataFrame | None, Rule],
) -> None:
    records, specs, previous, rule = case
    try:
        problem, publication, before = protected(records, specs, previous, rule)
    except DisclosureError:
        return  # the test above checks the refusals
    found = attack(
        problem, _without_evidence(publication), previous_publication=before, integer=True
    )
    assert found == []
