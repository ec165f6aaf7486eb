"""The attacker: how narrowly can a suppressed cell be pinned down from what was published?

Published cells are read as intervals: a count rounded to base b, with cell-key noise of at
most d, published as v, was between v - floor(b/2) - d and v + ceil(b/2) - 1 + d, and at
least the threshold when v is not 0 (smaller counts are suppressed). The attacker knows every
cell is a sum of atoms (the combinations of the classifying columns that occur in the
records) and that atoms are not negative. For each suppressed cell it finds, with linear
programs solved by HiGHS (`scipy.optimize.linprog`), the least and the most the cell can be
while every published cell, now and in the previous publication, stays in its interval. A
cell is recovered when that interval, rounded inwards to whole numbers, is narrower than the
rule's protection.

Three attackers, from quick to complete: `margin_attack` (one sum of one table at a time),
`table_attack` (one table and one measure at a time, every margin of it together) and
`attack` (every table, both publications). A weaker attacker's recovery is always a recovery
of the complete one; only `attack` can say that nothing is recovered.

This module uses `custodes.stats.disclosure`'s types only in annotations, so that `protect`
there can call the attacker here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]
from scipy.optimize import (  # type: ignore[import-untyped]
    Bounds,
    LinearConstraint,
    linprog,
    milp,
)

from custodes.errors import CustodesError

if TYPE_CHECKING:
    from custodes.stats.disclosure import Cell, Problem, Publication, Rule

__all__ = [
    "Attack",
    "Difference",
    "DisclosureError",
    "Recovery",
    "attack",
    "margin_attack",
    "published_interval",
    "small_differences",
    "table_attack",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
TOLERANCE = 1e-6
"""How far a solver's answer may sit past a whole number and still count as that number."""
CHUNK = 20
"""How many open cells one linear program pushes up (then down) together in the first pass."""


class DisclosureError(CustodesError):
    """A table, rule or publication cannot be built, read, protected or attacked as asked."""


@dataclass(frozen=True)
class Recovery:
    """A suppressed cell the attacker pins down: its true value lies in lo..hi, too narrow.

    `binding` lists published cells whose intervals hold it there: suppressing one of them
    is the first thing to try. `how` names the attacker that found it: "margin" (one sum),
    "table" (one table), "neighbours" (the published cells sharing a record with it),
    "linear" (every table) or "integer" (every table, in whole numbers). The weaker ones'
    intervals may be wider than the complete attacker's, never narrower.
    """

    cell: Cell
    value: int
    lo: int
    hi: int
    how: str
    binding: tuple[Cell, ...] = ()

    def __str__(self) -> str:
        return f"{self.cell.label()} = {self.value}, recovered as {self.lo}..{self.hi} ({self.how})"


def published_interval(value: int, rule: Rule) -> tuple[int, int]:
    """What a published value tells the attacker: the true count lies in lo..hi.

    Rounding to base b (halves up) maps v - floor(b/2)..v + ceil(b/2) - 1 to v; cell-key
    noise widens that by max_noise each side. A value above 0 comes from a count of at least
    the threshold. A published 0 is a count of 0, or (rounding or noise) a count of at least
    the threshold small enough to round to 0; the interval then covers both.
    """
    base = rule.rounding
    lo = max(0, value - base // 2 - rule.max_noise)
    hi = value + (base - base // 2) - 1 + rule.max_noise
    if value > 0 or rule.suppress_zero:
        lo = max(lo, rule.threshold)
    elif hi < rule.threshold:
        hi = 0
    if lo > hi:
        raise DisclosureError(f"the value {value} cannot be published under this rule")
    return lo, hi


def cell_ref(cell: Cell) -> tuple[str, tuple[str, ...], str]:
    """The cell's name as written in a file: its values as text, so a CSV read back matches."""
    return (cell.table, tuple(str(v) for v in cell.values), cell.measure)


def attack(
    problem: Problem,
    publication: Publication,
    *,
    previous_publication: Publication | None = None,
    integer: bool = False,
) -> list[Recovery]:
    """Every suppressed cell (now, or in the previous publication) the attacker pins down.

    The check a publication must pass: an empty list. Linear programs over every table and
    both publications; `integer=True` solves them in whole numbers (`scipy.optimize.milp`),
    slower, and exact where the linear programs' bounds are not. Evidence a publication
    carries from `protect` (points that fit every published interval) is checked here
    before it is used, and saves solving again what it already shows.
    """
    return Attack(
        problem, publication, previous_publication=previous_publication, integer=integer
    ).recoveries()


# -- reading what was published ------------------------------------------------------------


@dataclass(frozen=True)
class _Reading:
    """What the attacker reads from the publications, over some of the problem's rows.

    Each published group (cells with the same atoms) once, with its interval (the
    intersection, if two publications show it) and one of its rows; each suppressed group
    with a count above 0 that no publication shows, by one of its rows.
    """

    known_groups: IntArray
    known_rows: IntArray
    lo: FloatArray
    hi: FloatArray
    target_rows: IntArray
    out_before: frozenset[int]  # groups the previous publication published


def _check_publications(
    problem: Problem, publication: Publication, previous_publication: Publication | None
) -> None:
    """Refuse publications that do not hold exactly the problem's cells of their period."""
    if problem.has_previous and previous_publication is None:
        raise DisclosureError("the problem holds the previous publication's cells: pass it too")
    _check_covers(problem, publication, previous=False)
    if previous_publication is not None:
        if not problem.has_previous:
            raise DisclosureError(
                "a previous publication was given, but the problem was built without the "
                "previous records: pass previous= to build_problem"
            )
        _check_covers(problem, previous_publication, previous=True)


def _check_covers(problem: Problem, publication: Publication, *, previous: bool) -> None:
    """Refuse a publication that does not hold exactly the problem's cells of its period."""
    mine = [c for c in problem.cells if c.previous == previous]
    what = "previous publication" if previous else "publication"
    for cell in mine:
        if not publication.has(cell):
            raise DisclosureError(
                f"the {what} has no cell {cell.label()}: was it made from these records and tables?"
            )
    refs = {cell_ref(c) for c in mine}
    for cell in publication.cells:
        if cell_ref(cell) not in refs:
            raise DisclosureError(
                f"the {what} has a cell {cell.label()} these records do not give: was it made "
                "from these records and tables?"
            )


def _read(
    problem: Problem,
    publication: Publication,
    previous_publication: Publication | None,
    rows: Iterable[int],
) -> _Reading:
    """Read the given rows of the problem as the attacker sees them."""
    known: dict[int, tuple[int, int, int]] = {}
    hidden: dict[int, int] = {}
    out_before: set[int] = set()
    for row in rows:
        cell = problem.cells[row]
        source = previous_publication if cell.previous else publication
        if source is None:
            raise DisclosureError(f"no previous publication to read {cell.label()} from")
        value = source.value(cell)
        group = int(problem.group[row])
        if value is None:
            if int(problem.values[row]) > 0:
                hidden.setdefault(group, row)
            continue
        lo, hi = published_interval(value, source.rule)
        if cell.previous:
            out_before.add(group)
        if group in known:
            old_lo, old_hi, first = known[group]
            lo, hi, row = max(lo, old_lo), min(hi, old_hi), first
        known[group] = (lo, hi, row)
    _check_true_counts_fit(problem, known)
    return _Reading(
        known_groups=np.array(list(known), dtype=np.int64),
        known_rows=np.array([row for _, _, row in known.values()], dtype=np.int64),
        lo=np.array([lo for lo, _, _ in known.values()], dtype=np.float64),
        hi=np.array([hi for _, hi, _ in known.values()], dtype=np.float64),
        target_rows=np.array(
            [row for group, row in hidden.items() if group not in known], dtype=np.int64
        ),
        out_before=frozenset(out_before),
    )


def _check_true_counts_fit(problem: Problem, known: dict[int, tuple[int, int, int]]) -> None:
    """Refuse a publication whose values the true counts do not give (wrong records?)."""
    for lo, hi, row in known.values():
        true = int(problem.values[row])
        if not lo <= true <= hi:
            raise DisclosureError(
                f"{problem.cells[row].label()} was published as between {lo} and {hi}, but the "
                f"records give {true}: are these the records the publication was made from?"
            )


# -- the linear programs -------------------------------------------------------------------


class _Programs:
    """The attacker's linear programs over some unknowns, starting from their true values.

    Unknowns x >= 0 (atoms, or groups of atoms), each published row lo <= A x <= hi. The
    programs move from the true values x0 (which fit every interval): x = x0 + up - down,
    0 <= down <= x0. Their first point is then feasible, and HiGHS without presolve (which
    would lose that point) needs hundreds of pivots where it needs thousands from 0.
    """

    def __init__(self, matrix: sp.csr_matrix, lo: FloatArray, hi: FloatArray, start: FloatArray):
        self.matrix = matrix
        self.lo, self.hi, self.start = lo, hi, start
        at_start = np.asarray(matrix @ start).reshape(-1)
        moves = sp.hstack([matrix, -matrix])
        self.stacked = sp.vstack([moves, -moves]).tocsc()
        self.room = np.concatenate([hi - at_start, at_start - lo])
        n = len(start)
        self.bounds = np.column_stack(
            [np.zeros(2 * n), np.concatenate([np.full(n, np.inf), start])]
        )

    def optimum(self, objective: FloatArray) -> tuple[FloatArray | None, list[int]]:
        """Minimise objective . x: the point, and the rows whose intervals bind it.

        The point is None when the objective has no minimum (a cell can grow without end).
        """
        n = len(self.start)
        result = linprog(
            np.concatenate([objective, -objective]),
            A_ub=self.stacked,
            b_ub=self.room,
            bounds=self.bounds,
            method="highs",
            options={"presolve": False},
        )
        if result.status == 3:
            return None, []
        if result.status != 0:
            raise DisclosureError(f"the attacker's linear program failed: {result.message}")
        point = np.maximum(self.start + result.x[:n] - result.x[n:], 0.0)
        marginals = np.abs(np.asarray(result.ineqlin.marginals)) > 1e-9
        binding = sorted({int(b) % len(self.lo) for b in np.flatnonzero(marginals)})
        return point, binding

    def integer_optimum(self, objective: FloatArray) -> FloatArray | None:
        """Minimise objective . x over whole numbers (None when it has no minimum)."""
        constraints = [LinearConstraint(self.matrix, self.lo, self.hi)] if len(self.lo) else []
        result = milp(
            objective,
            constraints=constraints,
            integrality=np.ones(len(objective)),
            bounds=Bounds(0, np.inf),
        )
        if result.status == 0:
            return np.asarray(result.x, dtype=np.float64)
        if result.status in (2, 3):  # the true counts fit, so "infeasible" means unbounded
            return None
        raise DisclosureError(f"the attacker's integer program failed: {result.message}")


def _wide(lo: FloatArray, hi: FloatArray, width: int) -> BoolArray:
    """Which intervals are wide enough, counting whole numbers only (rounded inwards)."""
    with np.errstate(invalid="ignore"):
        return np.asarray((np.floor(hi + TOLERANCE) - np.ceil(lo - TOLERANCE)) >= width)


# -- the complete attacker -------------------------------------------------------------------


class Attack:
    """The complete attacker: every table, now and in the previous publication, together."""

    def __init__(
        self,
        problem: Problem,
        publication: Publication,
        *,
        previous_publication: Publication | None = None,
        integer: bool = False,
    ) -> None:
        """Read the publications as intervals, and take the evidence the publication carries."""
        _check_publications(problem, publication, previous_publication)
        self.problem = problem
        self.width = publication.rule.width
        self.integer = integer
        self.reading = _read(problem, publication, previous_publication, range(len(problem.cells)))
        reading = self.reading
        full = problem.membership[reading.known_rows].astype(np.float64).tocsr()
        self.published_rows = full
        covered = np.zeros(problem.membership.shape[1], dtype=bool)
        covered[np.unique(full.indices)] = True
        self.columns = np.flatnonzero(covered)
        self.programs = _Programs(
            full[:, self.columns].tocsr(),
            reading.lo,
            reading.hi,
            problem.atom_counts[self.columns].astype(np.float64),
        )
        targets = problem.membership[reading.target_rows].astype(np.float64).tocsr()
        self.all_targets = targets  # over every atom, for points over every atom
        uncovered = np.flatnonzero(~covered)
        # A target with an atom no published cell holds can grow without end.
        self.unbounded = np.asarray(targets[:, uncovered].sum(axis=1)).reshape(-1) > 0
        self.targets = targets[:, self.columns].tocsr()
        n_targets = len(reading.target_rows)
        self.seen_lo = np.asarray(self.targets @ self.programs.start).reshape(-1)
        self.seen_hi = self.seen_lo.copy()
        self.points: list[FloatArray] = []  # points over every atom behind seen_lo, seen_hi
        self.lo_point = np.full(n_targets, -1, dtype=np.int64)
        self.hi_point = np.full(n_targets, -1, dtype=np.int64)
        self._found: list[Recovery] | None = None
        self.use_evidence(publication.evidence)

    # -- evidence: points that fit every published interval ---------------------------------

    def use_evidence(self, points: FloatArray | None) -> None:
        """Take points (atoms x k, from an earlier attack) that fit every interval here."""
        if points is None or points.size == 0 or self.integer:
            return
        if points.shape[0] != self.problem.membership.shape[1]:
            return
        rows = np.asarray(self.published_rows @ points)
        lo, hi = self.reading.lo[:, None], self.reading.hi[:, None]
        fits = (
            (rows >= lo - TOLERANCE).all(axis=0)
            & (rows <= hi + TOLERANCE).all(axis=0)
            & (points >= -TOLERANCE).all(axis=0)
        )
        for k in np.flatnonzero(fits):
            self._see(points[:, int(k)])

    def evidence(self) -> FloatArray:
        """The points behind every target's widest interval (atoms x k), for a later attack."""
        used = sorted({int(p) for p in (*self.lo_point, *self.hi_point) if p >= 0})
        if not used:
            return np.zeros((self.problem.membership.shape[1], 0))
        return np.column_stack([self.points[k] for k in used])

    def _see(self, point: FloatArray) -> None:
        """Record a feasible point (over every atom) and what it shows of every target."""
        values = np.asarray(self.all_targets @ point).reshape(-1)
        lower, higher = values < self.seen_lo, values > self.seen_hi
        if not (lower.any() or higher.any()):
            return
        self.points.append(point)
        k = len(self.points) - 1
        self.seen_lo[lower], self.lo_point[lower] = values[lower], k
        self.seen_hi[higher], self.hi_point[higher] = values[higher], k

    def _see_moved(self, moved: FloatArray) -> None:
        """Record a point over the covered atoms (the rest as they truly are)."""
        point = self.problem.atom_counts.astype(np.float64)
        point[self.columns] = moved
        self._see(point)

    # -- the attacker's intervals ---------------------------------------------------------

    def recoveries(self) -> list[Recovery]:
        """The suppressed cells whose interval is narrower than the protection."""
        if self._found is None:
            self._push_in_chunks()
            self._found = []
            for t in np.flatnonzero(self.open_targets()):
                self._found.extend(self._one_target(int(t)))
        return self._found

    def open_targets(self) -> BoolArray:
        """The targets not yet shown wide enough (by a point seen, or by growing without end)."""
        return ~self.unbounded & ~_wide(self.seen_lo, self.seen_hi, self.width)

    def _optimum(self, objective: FloatArray) -> tuple[FloatArray | None, list[int]]:
        if self.integer:
            return self.programs.integer_optimum(objective), []
        return self.programs.optimum(objective)

    def _push_in_chunks(self) -> None:
        """Push open cells up, then down, CHUNK at a time: one program shows many wide."""
        while True:
            open_ = np.flatnonzero(self.open_targets())
            if len(open_) <= 2:
                return
            for start in range(0, len(open_), CHUNK):
                chunk = [t for t in open_[start : start + CHUNK] if self.open_targets()[t]]
                if len(chunk) < 2:
                    continue
                objective = np.asarray(self.targets[chunk].sum(axis=0)).reshape(-1)
                for sign in (-1.0, 1.0):
                    moved, _ = self._optimum(sign * objective)
                    if moved is not None:
                        self._see_moved(moved)
            if len(open_) - int(self.open_targets().sum()) < max(2, len(open_) // 5):
                return

    def _one_target(self, t: int) -> list[Recovery]:
        """Solve one target's most and least; a recovery if it stays too narrow.

        First with only the published cells that share an atom with it (small programs): if
        that already pins it down, so does everything; if not, with every published cell.
        """
        if not self.integer:
            near = self._neighbours(t)
            if near:
                return near
        row = self.targets[t].toarray().reshape(-1)
        binding: set[int] = set()
        for sign in (-1.0, 1.0):
            if not self.open_targets()[t]:
                return []
            moved, rows = self._optimum(sign * row)
            if moved is None:  # it grows without end
                self.unbounded[t] = True
                return []
            binding.update(rows)
            self._see_moved(moved)
        if not self.open_targets()[t]:
            return []
        target = int(self.reading.target_rows[t])
        known_rows = self.reading.known_rows
        return [
            Recovery(
                cell=self.problem.cells[target],
                value=int(self.problem.values[target]),
                lo=math.ceil(self.seen_lo[t] - TOLERANCE),
                hi=math.floor(self.seen_hi[t] + TOLERANCE),
                how="integer" if self.integer else "linear",
                binding=tuple(self.problem.cells[int(known_rows[b])] for b in sorted(binding)),
            )
        ]

    def _neighbours(self, t: int) -> list[Recovery]:
        """Attack one target with the published cells that share an atom with it."""
        reading = self.reading
        atoms = self.all_targets[t].indices
        near = np.asarray(self.published_rows[:, atoms].sum(axis=1)).reshape(-1) > 0
        nearby = _Reading(
            known_groups=reading.known_groups[near],
            known_rows=reading.known_rows[near],
            lo=reading.lo[near],
            hi=reading.hi[near],
            target_rows=reading.target_rows[t : t + 1],
            out_before=reading.out_before,
        )
        return [
            replace(r, how="neighbours")
            for r in _subset_recoveries(self.problem, nearby, self.width)
        ]


# -- the weaker attackers: one sum, one table ------------------------------------------------


def margin_attack(problem: Problem, publication: Publication) -> list[Recovery]:
    """The quick attack: a suppressed cell alone in one of a table's sums is the rest's difference.

    Uses the current tables only, each sum on its own (a margin and the cells it adds up along
    one dimension), in plain arithmetic: independent of the linear programs, so it checks them.
    """
    rule = publication.rule
    found: dict[int, Recovery] = {}
    for line in _sums(problem):
        cells = [problem.cells[i] for i in line]
        values = [publication.value(c) for c in cells]
        hidden = [k for k, v in enumerate(values) if v is None]
        if len(hidden) != 1:
            continue
        k = hidden[0]
        bounds = [published_interval(v, rule) for v in values if v is not None]
        if k == 0:  # the margin is hidden: it is the sum of its parts
            lo, hi = sum(b[0] for b in bounds), sum(b[1] for b in bounds)
        else:
            (total_lo, total_hi), parts = bounds[0], bounds[1:]
            lo = max(0, total_lo - sum(b[1] for b in parts))
            hi = total_hi - sum(b[0] for b in parts)
        row = line[k]
        value = int(problem.values[row])
        if value > 0 and hi - lo < rule.width and row not in found:
            others = tuple(c for j, c in enumerate(cells) if j != k)
            found[row] = Recovery(problem.cells[row], value, lo, hi, "margin", others)
    return list(found.values())


def _sums(problem: Problem) -> Iterable[list[int]]:
    """Every sum of the current tables: a margin cell's row first, then its parts' rows."""
    for layout in problem.tables:
        if layout.previous:
            continue
        grid = layout.grid()
        for axis, size in enumerate(layout.shape):
            moved = np.moveaxis(grid, axis, -1).reshape(-1, size)
            for line in moved:
                yield [int(line[-1]), *(int(i) for i in line[:-1])]


def table_attack(
    problem: Problem,
    publication: Publication,
    *,
    previous_publication: Publication | None = None,
    slices: Sequence[tuple[str, str]] | None = None,
) -> list[Recovery]:
    """The attacker with one table and one measure at a time, now and as published before.

    For each (table, measure) (or only the `slices` given): its cells, margins included, and
    the same table's cells in the previous publication, if any, attacked together with
    small linear programs. A cell this attacker pins down, the complete one pins down too
    (it knows more); it finds most of what secondary suppression must answer, quickly.
    """
    _check_publications(problem, publication, previous_publication)
    wanted = None if slices is None else set(slices)
    before = {layout.spec.name: layout for layout in problem.tables if layout.previous}
    found: list[Recovery] = []
    for layout in problem.tables:
        if layout.previous:
            continue
        for m, measure in enumerate(layout.spec.measures):
            if wanted is not None and (layout.spec.name, measure) not in wanted:
                continue
            rows = list(layout.grid()[..., m].reshape(-1))
            old = before.get(layout.spec.name)
            if old is not None and measure in old.spec.measures:
                rows += list(old.grid()[..., old.spec.measures.index(measure)].reshape(-1))
            reading = _read(problem, publication, previous_publication, (int(r) for r in rows))
            found.extend(_subset_recoveries(problem, reading, publication.rule.width))
    return found


def _subset_recoveries(problem: Problem, reading: _Reading, width: int) -> list[Recovery]:
    """Attack the targets of a reading with only its own published rows.

    Atoms that no row here tells apart are one unknown (their sum), which keeps the programs
    small; knowing fewer rows, this attacker's intervals contain the complete one's.
    """
    if not len(reading.target_rows) or not len(reading.known_rows):
        return []  # nothing hidden, or nothing published to bound it
    rows = np.concatenate([reading.known_rows, reading.target_rows])
    part = problem.membership[rows].tocsc()
    touched = np.flatnonzero(np.diff(part.indptr) > 0)
    signature = np.packbits(part[:, touched].T.toarray().astype(bool), axis=1)
    _, first, unknown = np.unique(signature, axis=0, return_index=True, return_inverse=True)
    unknown = unknown.reshape(-1)
    start = np.bincount(
        unknown, weights=problem.atom_counts[touched].astype(np.float64), minlength=len(first)
    ).astype(np.float64)
    columns = touched[first]  # one atom stands for each unknown: they are in the same rows
    n_known = len(reading.known_rows)
    matrix = part[:, columns].astype(np.float64).tocsr()
    programs = _Programs(matrix[:n_known], reading.lo, reading.hi, start)
    targets = matrix[n_known:]
    seen_lo = np.asarray(targets @ start).reshape(-1)
    seen_hi = seen_lo.copy()
    found: list[Recovery] = []
    for t in range(targets.shape[0]):
        row = targets[t].toarray().reshape(-1)
        binding: set[int] = set()
        grows = False
        for sign in (-1.0, 1.0):
            if _wide(seen_lo[t : t + 1], seen_hi[t : t + 1], width)[0]:
                break
            point, bound = programs.optimum(sign * row)
            if point is None:
                grows = True
                break
            binding.update(bound)
            values = np.asarray(targets @ point).reshape(-1)
            seen_lo, seen_hi = np.minimum(seen_lo, values), np.maximum(seen_hi, values)
        if grows or _wide(seen_lo[t : t + 1], seen_hi[t : t + 1], width)[0]:
            continue
        target = int(reading.target_rows[t])
        found.append(
            Recovery(
                cell=problem.cells[target],
                value=int(problem.values[target]),
                lo=math.ceil(seen_lo[t] - TOLERANCE),
                hi=math.floor(seen_hi[t] + TOLERANCE),
                how="table",
                binding=tuple(problem.cells[int(reading.known_rows[b])] for b in sorted(binding)),
            )
        )
    return found


# -- what the rule does not cover: small differences of published cells ---------------------


@dataclass(frozen=True)
class Difference:
    """Two published cells, one holding every record of the other, a small count apart.

    The difference (the records in `larger` and not in `smaller`) is no cell of any table, so
    the rule does not protect it; the attacker reads it as `larger`'s interval minus
    `smaller`'s, lo..hi.
    """

    larger: Cell
    smaller: Cell
    value: int
    lo: int
    hi: int

    def __str__(self) -> str:
        return (
            f"{self.larger.label()} minus {self.smaller.label()} = {self.value}, read as "
            f"{self.lo}..{self.hi}"
        )


def small_differences(
    problem: Problem,
    publication: Publication,
    *,
    previous_publication: Publication | None = None,
) -> list[Difference]:
    """Pairs of published cells whose difference is a small count read too narrowly.

    One cell's records all in the other (a funnel's referred within its count, a category
    within a `where` of several, this year's cumulative total over last year's), the
    difference between 1 and threshold - 1, and the two intervals leaving it narrower than
    the protection. The 10-5 rule as specified protects cells, not these; this lists them.
    """
    _check_publications(problem, publication, previous_publication)
    reading = _read(problem, publication, previous_publication, range(len(problem.cells)))
    values = problem.values[reading.known_rows]
    live = np.flatnonzero(values > 0)
    rows = reading.known_rows[live]
    matrix = problem.membership[rows].astype(np.float64)
    shared = (matrix @ sp.diags(problem.atom_counts.astype(np.float64)) @ matrix.T).tocoo()
    small_value, big_value = values[live][shared.row], values[live][shared.col]
    inside = (np.abs(shared.data - small_value) < 0.5) & (big_value > small_value)
    gap = big_value - small_value
    rule = publication.rule
    found: list[Difference] = []
    for k in np.flatnonzero(inside & (gap < rule.threshold)):
        i, j = int(live[shared.row[k]]), int(live[shared.col[k]])
        lo = max(0.0, reading.lo[j] - reading.hi[i])
        hi = reading.hi[j] - reading.lo[i]
        if hi - lo < rule.width:
            found.append(
                Difference(
                    larger=problem.cells[int(reading.known_rows[j])],
                    smaller=problem.cells[int(reading.known_rows[i])],
                    value=int(gap[k]),
                    lo=int(lo),
                    hi=int(hi),
                )
            )
    return found
