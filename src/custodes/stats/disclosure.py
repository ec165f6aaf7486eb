"""Disclosure control for published counts: the 10-5 rule, secondary suppression, cell-key noise.

Everything is a linear system over atoms. An atom is one combination of every classifying
column the tables use (year, category, referred, sex, ...), as it occurs in the records; its
count is known to the publisher only. Every published cell is the sum of a set of atoms. The
attacker (`custodes.stats.audit`) sees the published cells, each as an interval (rounding and
noise widen it), and looks for the narrowest interval a suppressed cell can have;
`protect` suppresses more cells until that interval is at least the rule's protection wide
for every suppressed cell. `docs/disclosure-control.md` explains the rule, the attacker, the
algorithm and its limits in plain words.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp  # type: ignore[import-untyped]

from custodes.stats.audit import (
    Attack,
    Difference,
    DisclosureError,
    Recovery,
    attack,
    cell_ref,
    margin_attack,
    published_interval,
    small_differences,
    table_attack,
)

__all__ = [
    "ALL",
    "COUNT",
    "Cell",
    "CellKey",
    "Difference",
    "DisclosureError",
    "Problem",
    "Publication",
    "Recovery",
    "Rule",
    "TableSpec",
    "attack",
    "build_problem",
    "margin_attack",
    "percent",
    "protect",
    "published_interval",
    "round_to_base",
    "small_differences",
    "suppress_primary",
    "table_attack",
]

ALL = "All"
"""The value a margin cell shows for a dimension it sums over."""
COUNT = "count"
"""The measure that counts every record in a cell (any other measure is a boolean column)."""

Reason = Literal["primary", "secondary", "published", "zero", "suppressed"]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
PRESENT = "\x00present"
"""The code column that marks a record as there in a publication (no real column's name)."""
KEY_RANGE = 2**32
"""Record and cell keys are whole numbers below this; a cell's key is its records' sum mod it."""


# -- what is published -----------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    """One published table: counts by some dimensions, with every margin ("All").

    `measures`: "count" counts every record in the group; any other name is a boolean column
    of the records and counts the rows where it is true. `where` keeps only the records whose
    column equals the value (a tuple, list or frozenset of values keeps any of them).
    """

    name: str
    by: tuple[str, ...]
    measures: tuple[str, ...] = (COUNT,)
    where: tuple[tuple[str, object], ...] = ()

    def __post_init__(self) -> None:
        if not self.name:
            raise DisclosureError("a table needs a name")
        if len(set(self.by)) != len(self.by):
            raise DisclosureError(f"table {self.name}: a dimension is named twice in {self.by}")
        if not self.measures or len(set(self.measures)) != len(self.measures):
            raise DisclosureError(f"table {self.name}: measures must be distinct and not empty")
        clash = set(self.by) & set(self.measures)
        if clash:
            raise DisclosureError(
                f"table {self.name}: {sorted(clash)} is both a dimension and a measure"
            )


@dataclass(frozen=True)
class CellKey:
    """Cell-key perturbation (the ABS/ONS method): the same records always get the same noise.

    Each record's key is HMAC-SHA256 of its id under the secret, read as a whole number below
    2**32; a cell's key is the sum of its records' keys modulo 2**32, so it depends only on
    which records are in the cell. The noise is a fixed function of the cell's key and count
    (`noise`). Keep the secret for a whole series of publications: a cell repeated with the
    same records then repeats its noise, and averaging two publications gains nothing.
    """

    secret: bytes = field(repr=False)
    max_noise: int = 2

    def __post_init__(self) -> None:
        if len(self.secret) < 16:
            raise DisclosureError("the cell-key secret must be at least 16 bytes")
        if self.max_noise < 0:
            raise DisclosureError(f"max_noise must be 0 or more, not {self.max_noise}")

    def record_keys(self, record_ids: Iterable[object]) -> IntArray:
        """Each record's key: the first four bytes of HMAC-SHA256(secret, id), below 2**32."""
        return np.fromiter(
            (
                int.from_bytes(
                    hmac.new(self.secret, str(rid).encode(), hashlib.sha256).digest()[:4], "big"
                )
                for rid in record_ids
            ),
            dtype=np.int64,
        )

    def noise(self, key: int, value: int) -> int:
        """The noise for a cell of this count and key: a zero stays 0, a count stays above 0.

        The noise lies in -m..m with m = min(max_noise, value - 1), and its chances fall off
        in a triangle from 0 (for max_noise 2: 0 one time in three, +-1 two in nine each,
        +-2 one in nine each), so it averages 0 at every count. The key, read as a fraction
        of 2**32, picks the noise from those chances.
        """
        if value <= 0:
            return 0
        spread = min(self.max_noise, value - 1)
        weights = [spread + 1 - abs(n) for n in range(-spread, spread + 1)]
        point = key * sum(weights)  # compare key/2**32 with cumulative/total in whole numbers
        cumulative = 0
        for n, weight in zip(range(-spread, spread + 1), weights, strict=True):
            cumulative += weight
            if point < cumulative * KEY_RANGE:
                return n
        return spread


@dataclass(frozen=True)
class Rule:
    """The disclosure rule of one publication (the spec's 10-5 rule by default).

    Counts 1..threshold-1 are suppressed (primary); 0 is published as 0 unless `suppress_zero`
    (an empty cell names no one, and hiding zeros would force far more suppression). Published
    counts are rounded to the nearest multiple of `rounding`, halves up. A suppressed cell must
    keep an interval at least `protection` wide (default: the threshold) against the attacker.
    With `perturbation`, each published count gets its cell-key noise before rounding.
    """

    threshold: int = 10
    rounding: int = 5
    protection: int | None = None
    suppress_zero: bool = False
    perturbation: CellKey | None = None

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise DisclosureError(f"threshold must be 1 or more, not {self.threshold}")
        if self.rounding < 1:
            raise DisclosureError(f"rounding must be 1 or more, not {self.rounding}")
        if self.protection is not None and self.protection < 1:
            raise DisclosureError(f"protection must be 1 or more, not {self.protection}")

    @property
    def width(self) -> int:
        """How wide the attacker's interval for a suppressed cell must stay."""
        return self.threshold if self.protection is None else self.protection

    @property
    def max_noise(self) -> int:
        """The most the cell-key noise moves a count (0 without perturbation)."""
        return 0 if self.perturbation is None else self.perturbation.max_noise


def round_to_base(value: int, base: int) -> int:
    """Round a count to the nearest multiple of base, halves up (7 -> 5, 8 -> 10 for base 5)."""
    return ((2 * value + base) // (2 * base)) * base


# -- the problem: atoms, cells and which atoms each cell sums -------------------------------


@dataclass(frozen=True)
class Cell:
    """One published number: a table, its dimensions' values ("All" in a margin), a measure.

    `previous` marks the cell as it stood in the previous publication.
    """

    table: str
    values: tuple[object, ...]
    measure: str
    previous: bool = False

    def label(self) -> str:
        """The cell in words, for messages: table[values] measure."""
        values = ", ".join(str(v) for v in self.values)
        when = " (previous publication)" if self.previous else ""
        return f"{self.table}[{values}] {self.measure}{when}"

    def is_margin(self) -> bool:
        """True when the cell sums over at least one dimension."""
        return any(isinstance(v, str) and v == ALL for v in self.values)


@dataclass(frozen=True)
class TableLayout:
    """Where one table's cells sit in a problem: a grid of (values + "All") per dimension.

    The table's cells are `cells[start:stop]`, in the order of the grid (each dimension's
    values, then "All", the last dimension fastest), the measures fastest of all.
    """

    spec: TableSpec
    previous: bool
    start: int
    shape: tuple[int, ...]

    @property
    def stop(self) -> int:
        """One past the table's last cell."""
        return self.start + math.prod(self.shape) * len(self.spec.measures)

    def grid(self) -> IntArray:
        """The table's cell indices as an array shaped (shape..., measures)."""
        cells = np.arange(self.start, self.stop, dtype=np.int64)
        return cells.reshape((*self.shape, len(self.spec.measures)))


@dataclass(frozen=True, eq=False)
class Problem:
    """The publication as a linear system: atoms, cells, and which atoms each cell sums.

    `membership` is a cells x atoms 0/1 matrix (CSR); `values` the true value of each cell;
    `group` gives cells with the same set of atoms (the same number, in two tables or two
    publications) the same id, so they share one decision. `record_ids` and `record_atoms`
    place each current record in its atom, for cell-key noise.
    """

    specs: tuple[TableSpec, ...]
    previous_specs: tuple[TableSpec, ...]
    cells: tuple[Cell, ...]
    tables: tuple[TableLayout, ...]
    atom_counts: IntArray
    membership: sp.csr_matrix
    values: IntArray
    group: IntArray
    record_ids: npt.NDArray[np.object_] | None
    record_atoms: IntArray | None
    index: dict[Cell, int] = field(repr=False, compare=False)

    @property
    def has_previous(self) -> bool:
        """True when the problem also holds the previous publication's cells."""
        return bool(self.previous_specs)

    def value(self, cell: Cell) -> int:
        """The true value of a cell."""
        return int(self.values[self.position(cell)])

    def position(self, cell: Cell) -> int:
        """The cell's row in `cells`, `membership` and `values`."""
        try:
            return self.index[cell]
        except KeyError:
            raise DisclosureError(f"no cell {cell.label()} in this problem") from None


def build_problem(
    records: pd.DataFrame,
    specs: Sequence[TableSpec],
    *,
    previous: pd.DataFrame | None = None,
    record_id: str = "record_id",
    previous_specs: Sequence[TableSpec] | None = None,
) -> Problem:
    """Build the linear system of a publication from its records and its tables.

    `records` has one row per counted unit with every column the tables use. `previous` is
    the records as they stood at the previous publication (joined on `record_id`); its cells
    (the same tables, or `previous_specs`) are added, marked previous, so the attacker can use
    the previous publication exactly, including a record classified differently then.
    """
    specs = tuple(specs)
    _check_specs(specs, "tables")
    old_specs: tuple[TableSpec, ...] = ()
    if previous is not None:
        old_specs = tuple(specs if previous_specs is None else previous_specs)
        _check_specs(old_specs, "previous tables")
    dims, flags = _classifying_columns(specs + old_specs)
    _check_records(records, dims, flags, "records")
    if previous is not None:
        _check_records(previous, dims, flags, "previous records")
        for frame, what in ((records, "records"), (previous, "previous records")):
            _check_ids(frame, record_id, what)
    encoded = _encode(records, previous, dims, flags, record_id)
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    cells: list[Cell] = []
    tables: list[TableLayout] = []
    parts = [(encoded.current, False, specs)]
    if encoded.previous is not None:
        parts.append((encoded.previous, True, old_specs))
    for codes, is_previous, part_specs in parts:
        for spec in part_specs:
            layout, table_cells, r, c = _table_cells(spec, codes, encoded, len(cells), is_previous)
            tables.append(layout)
            cells.extend(table_cells)
            rows.append(r)
            cols.append(c)
    n_atoms = len(encoded.counts)
    all_rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    all_cols = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    membership = sp.csr_matrix(
        (np.ones(len(all_rows), dtype=np.int64), (all_rows, all_cols)),
        shape=(len(cells), n_atoms),
    )
    membership.sort_indices()
    values = np.asarray(membership @ encoded.counts, dtype=np.int64)
    return Problem(
        specs=specs,
        previous_specs=old_specs,
        cells=tuple(cells),
        tables=tuple(tables),
        atom_counts=encoded.counts,
        membership=membership,
        values=values,
        group=_groups(membership),
        record_ids=encoded.record_ids,
        record_atoms=encoded.record_atoms,
        index={cell: i for i, cell in enumerate(cells)},
    )


def _check_specs(specs: tuple[TableSpec, ...], what: str) -> None:
    """Refuse an empty list of tables or two tables with one name."""
    if not specs:
        raise DisclosureError(f"no {what} to publish")
    names = [s.name for s in specs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise DisclosureError(f"{what}: table name {twice[0]!r} is used twice")


def _classifying_columns(specs: tuple[TableSpec, ...]) -> tuple[list[str], list[str]]:
    """The columns the tables classify by (dimensions, `where`) and their boolean measures.

    A boolean measure may also be a dimension or a `where` column (outcomes where
    substantiated is true); it is then one column, coded False/True.
    """
    dims: dict[str, None] = {}
    flags: dict[str, None] = {}
    for spec in specs:
        for measure in spec.measures:
            if measure != COUNT:
                flags.setdefault(measure, None)
    for spec in specs:
        for column in (*spec.by, *(c for c, _ in spec.where)):
            if column not in flags:
                dims.setdefault(column, None)
    return list(dims), list(flags)


def _check_records(frame: pd.DataFrame, dims: list[str], flags: list[str], what: str) -> None:
    """Refuse records without a column the tables use, with a gap, or with a non-boolean flag."""
    for column in (*dims, *flags):
        if column not in frame.columns:
            raise DisclosureError(f"{what}: no column {column!r} (the tables use it)")
        missing = frame[column].isna().to_numpy()
        if missing.any():
            raise DisclosureError(
                f"{what}: column {column!r} is empty in row {_row(frame, missing)!r}; give it a "
                "value such as 'unknown' so it is counted"
            )
    for column in dims:
        is_all = (frame[column].astype(str) == ALL).to_numpy()
        if is_all.any():
            raise DisclosureError(
                f"{what}: column {column!r} holds {ALL!r} in row {_row(frame, is_all)!r}, the "
                "margins' label"
            )
    for column in flags:
        wrong = ~frame[column].isin([True, False]).to_numpy()
        if wrong.any():
            value = frame[column].iloc[int(np.argmax(wrong))]
            raise DisclosureError(
                f"{what}: measure column {column!r} must be true or false, not {value!r} in "
                f"row {_row(frame, wrong)!r}"
            )


def _check_ids(frame: pd.DataFrame, record_id: str, what: str) -> None:
    """Refuse records without their id column or with one id twice."""
    if record_id not in frame.columns:
        raise DisclosureError(f"{what}: no column {record_id!r} to join the publications on")
    twice = frame[record_id].duplicated().to_numpy()
    if twice.any():
        value = frame[record_id].iloc[int(np.argmax(twice))]
        raise DisclosureError(
            f"{what}: record id {_plain(value)!r} appears twice (row {_row(frame, twice)!r})"
        )


def _row(frame: pd.DataFrame, flagged: npt.NDArray[np.bool_]) -> object:
    """The index label of the first flagged row, as a plain value for messages."""
    return _plain(frame.index[int(np.argmax(flagged))])


def _plain(value: object) -> object:
    """A numpy scalar as the plain Python value it holds."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True, eq=False)
class _Encoded:
    """The records as atoms: each column's values, and each atom's codes per publication."""

    columns: list[str]
    domains: dict[str, list[object]]
    current: IntArray  # atoms x columns, the code of each value now (-1: not a record now)
    previous: IntArray | None  # the same as the records stood at the previous publication
    counts: IntArray
    record_ids: npt.NDArray[np.object_] | None
    record_atoms: IntArray | None


def _encode(
    records: pd.DataFrame,
    previous: pd.DataFrame | None,
    dims: list[str],
    flags: list[str],
    record_id: str,
) -> _Encoded:
    """Code every column's values (sorted), join the publications and count the atoms.

    The first code of every atom is PRESENT's: 0 for a record there, -1 (like every other
    code) for a record absent from that publication.
    """
    columns = [PRESENT, *dims, *flags]
    frames = [records] if previous is None else [records, previous]
    domains: dict[str, list[object]] = {PRESENT: [True]}
    coded: list[dict[str, IntArray]] = [
        {PRESENT: np.zeros(len(frame), dtype=np.int64)} for frame in frames
    ]
    for column in columns[1:]:
        series = pd.concat([f[column] for f in frames], ignore_index=True)
        if column in flags:
            series = series.astype(bool)
        codes, uniques = _factorize(series)
        domains[column] = uniques
        start = 0
        for i, frame in enumerate(frames):
            coded[i][column] = codes[start : start + len(frame)]
            start += len(frame)
    now = np.column_stack([coded[0][c] for c in columns]).astype(np.int64)
    ids = records[record_id].to_numpy(dtype=object) if record_id in records.columns else None
    if previous is None:
        joint = now
        present_now = np.arange(len(records))
    else:
        then = np.column_stack([coded[1][c] for c in columns]).astype(np.int64)
        joint, present_now, ids = _join(records, previous, now, then, record_id)
    atoms, inverse, counts = np.unique(joint, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    k = len(columns)
    return _Encoded(
        columns=columns,
        domains=domains,
        current=atoms[:, :k].astype(np.int64),
        previous=None if previous is None else atoms[:, k:].astype(np.int64),
        counts=counts.astype(np.int64),
        record_ids=None if ids is None else ids[present_now],
        record_atoms=inverse[present_now].astype(np.int64),
    )


def _factorize(series: pd.Series) -> tuple[IntArray, list[object]]:
    """Code a column's values 0..n-1 in sorted order (by their text if they do not sort)."""
    try:
        codes, uniques = pd.factorize(series, sort=True)
    except TypeError:
        codes, uniques = pd.factorize(series.astype(str), sort=True)
    values = [_plain(v) for v in list(uniques)]
    return np.asarray(codes, dtype=np.int64), values


def _join(
    records: pd.DataFrame,
    previous: pd.DataFrame,
    now: IntArray,
    then: IntArray,
    record_id: str,
) -> tuple[IntArray, IntArray, npt.NDArray[np.object_]]:
    """Join the current and previous codes on the record id; -1 where a record is absent."""
    ids_now = pd.Index(records[record_id])
    ids_then = pd.Index(previous[record_id])
    every = ids_now.append(ids_then).unique()
    k = now.shape[1]
    joint = np.full((len(every), 2 * k), -1, dtype=np.int64)
    where_now = every.get_indexer(ids_now)
    where_then = every.get_indexer(ids_then)
    joint[where_now, :k] = now
    joint[where_then, k:] = then
    return joint, where_now.astype(np.int64), every.to_numpy(dtype=object)


def _table_cells(
    spec: TableSpec,
    codes: IntArray,
    encoded: _Encoded,
    start: int,
    previous: bool,
) -> tuple[TableLayout, list[Cell], IntArray, IntArray]:
    """One table's cells and the (cell, atom) pairs of its membership.

    Each dimension's values are those of the table's records (after `where`), sorted, then
    "All"; every combination is a cell, empty ones included, so a published table shows its
    zeros.
    """
    column = {c: i for i, c in enumerate(encoded.columns)}
    kept = codes[:, 0] >= 0  # PRESENT's code: the record is there in this publication
    for name, wanted in spec.where:
        kept &= _matches(codes[:, column[name]], encoded.domains[name], wanted)
    local: list[IntArray] = []
    domains: list[list[object]] = []
    for dim in spec.by:
        present = np.unique(codes[kept, column[dim]])
        lookup = np.full(len(encoded.domains[dim]) + 1, -1, dtype=np.int64)
        lookup[present] = np.arange(len(present))
        local.append(lookup[codes[:, column[dim]]])
        domains.append([encoded.domains[dim][int(c)] for c in present])
    shape = tuple(len(d) + 1 for d in domains)
    layout = TableLayout(spec=spec, previous=previous, start=start, shape=shape)
    n_measures = len(spec.measures)
    cells = [
        Cell(spec.name, values, measure, previous)
        for values in itertools.product(*[[*d, ALL] for d in domains])
        for measure in spec.measures
    ]
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    atoms = np.flatnonzero(kept)
    for m, measure in enumerate(spec.measures):
        chosen = atoms
        if measure != COUNT:
            true_code = (
                encoded.domains[measure].index(True) if True in encoded.domains[measure] else -2
            )
            chosen = atoms[codes[atoms, column[measure]] == true_code]
        for subset in itertools.product((False, True), repeat=len(spec.by)):
            position = np.zeros(len(chosen), dtype=np.int64)
            for d, summed in enumerate(subset):
                index = np.full(len(chosen), shape[d] - 1) if summed else local[d][chosen]
                position = position * shape[d] + index
            rows.append(start + position * n_measures + m)
            cols.append(chosen)
    return layout, cells, np.concatenate(rows), np.concatenate(cols)


def _matches(codes: IntArray, domain: list[object], wanted: object) -> npt.NDArray[np.bool_]:
    """Which atoms' value is the wanted one (or any of them, for a tuple, list or frozenset)."""
    options = list(wanted) if isinstance(wanted, tuple | list | frozenset | set) else [wanted]
    keep = [i for i, v in enumerate(domain) if any(_same(v, o) for o in options)]
    return np.isin(codes, keep)


def _same(value: object, wanted: object) -> bool:
    """A value equals what `where` asks for (text compared with text, so 2020 matches '2020')."""
    return bool(value == wanted) or str(value) == str(wanted)


def _groups(membership: sp.csr_matrix) -> IntArray:
    """Give cells with the same set of atoms the same group id (first seen, first numbered)."""
    seen: dict[bytes, int] = {}
    group = np.empty(membership.shape[0], dtype=np.int64)
    indptr, indices = membership.indptr, membership.indices
    for row in range(membership.shape[0]):
        key = indices[indptr[row] : indptr[row + 1]].astype(np.int64).tobytes()
        group[row] = seen.setdefault(key, len(seen))
    return group


# -- the publication ------------------------------------------------------------------------


@dataclass(frozen=True)
class Publication:
    """What is published for each current cell: its value or None, and why.

    Reasons: "published", "zero" (an empty cell), "primary" (a small count), "secondary"
    (suppressed to protect another cell), "suppressed" (read back from files, which do not
    say why). Only the value and whether it is suppressed are ever written out.
    """

    rule: Rule
    specs: tuple[TableSpec, ...]
    cells: tuple[Cell, ...]
    values: tuple[int | None, ...]
    reasons: tuple[Reason, ...]
    evidence: FloatArray | None = field(default=None, repr=False, compare=False)
    by_ref: dict[tuple[str, tuple[str, ...], str], int] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_ref", {cell_ref(c): i for i, c in enumerate(self.cells)})

    def _at(self, cell: Cell) -> int:
        try:
            return self.by_ref[cell_ref(cell)]
        except KeyError:
            raise DisclosureError(f"the publication has no cell {cell.label()}") from None

    def has(self, cell: Cell) -> bool:
        """True when the publication holds this cell (matched by table, values as text, measure)."""
        return cell_ref(cell) in self.by_ref

    def value(self, cell: Cell) -> int | None:
        """The published value, or None when the cell is suppressed."""
        return self.values[self._at(cell)]

    def suppressed(self, cell: Cell) -> bool:
        """True when the cell is not published."""
        return self.values[self._at(cell)] is None

    def reason(self, cell: Cell) -> Reason:
        """Why the cell is published or not (never to be published itself)."""
        return self.reasons[self._at(cell)]

    def count(self, reason: Reason) -> int:
        """How many cells have this reason."""
        return sum(1 for r in self.reasons if r == reason)

    def frames(self) -> dict[str, pd.DataFrame]:
        """One DataFrame per table: its dimensions, measure, value (empty if hidden), suppressed."""
        out: dict[str, pd.DataFrame] = {}
        for spec in self.specs:
            picked = [i for i, c in enumerate(self.cells) if c.table == spec.name]
            data: dict[str, object] = {
                dim: [self.cells[i].values[d] for i in picked] for d, dim in enumerate(spec.by)
            }
            data["measure"] = [self.cells[i].measure for i in picked]
            data["value"] = pd.array([self.values[i] for i in picked], dtype="Int64")
            data["suppressed"] = [self.values[i] is None for i in picked]
            out[spec.name] = pd.DataFrame(
                data, columns=[*spec.by, "measure", "value", "suppressed"]
            )
        return out

    @classmethod
    def from_frames(
        cls, frames: Mapping[str, pd.DataFrame], specs: Sequence[TableSpec], rule: Rule
    ) -> Publication:
        """Read a publication back from its tables (as `frames` wrote them), under its rule.

        Read CSV files with `dtype=str, keep_default_na=False` so values match as text.
        """
        cells: list[Cell] = []
        values: list[int | None] = []
        for spec in specs:
            if spec.name not in frames:
                raise DisclosureError(f"the publication has no table {spec.name!r}")
            frame = frames[spec.name]
            needed = [*spec.by, "measure", "value", "suppressed"]
            missing = [c for c in needed if c not in frame.columns]
            if missing:
                raise DisclosureError(f"table {spec.name}: no column {missing[0]!r}")
            for row, record in enumerate(frame[needed].itertuples(index=False, name=None)):
                *dims, measure, value, suppressed = record
                hidden = _read_flag(suppressed, spec.name, row)
                cells.append(Cell(spec.name, tuple(dims), str(measure)))
                values.append(None if hidden else _read_count(value, spec.name, row))
        reasons: tuple[Reason, ...] = tuple(
            "suppressed" if v is None else "published" for v in values
        )
        return cls(
            rule=rule, specs=tuple(specs), cells=tuple(cells), values=tuple(values), reasons=reasons
        )


def _read_flag(text: object, table: str, row: int) -> bool:
    """Read the suppressed column: true/false, 1/0, or a boolean."""
    if isinstance(text, bool | np.bool_):
        return bool(text)
    word = str(text).strip().lower()
    if word in ("true", "1", "yes"):
        return True
    if word in ("false", "0", "no"):
        return False
    raise DisclosureError(
        f"table {table}, row {row + 1}: suppressed is {text!r}, not true or false"
    )


def _read_count(text: object, table: str, row: int) -> int:
    """Read a published value: a whole number of 0 or more."""
    try:
        number = float(str(text))
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise DisclosureError(f"table {table}, row {row + 1}: value {text!r} is not a count")
    return int(number)


def percent(numerator: Cell, denominator: Cell, publication: Publication) -> int | None:
    """A whole-number percentage from the published counts, or None where it would disclose.

    Computed from the published (rounded, perhaps noisy) counts, never the true ones, so it
    tells an attacker nothing the counts do not. None when either count is suppressed or the
    denominator is published as 0, so a percentage is as small a cell as its denominator.
    """
    top = publication.value(numerator)
    bottom = publication.value(denominator)
    if top is None or bottom is None or bottom == 0:
        return None
    return (200 * top + bottom) // (2 * bottom)


# -- protecting a publication --------------------------------------------------------------


def suppress_primary(problem: Problem, rule: Rule) -> Publication:
    """The rule without secondary suppression: small counts out, the rest noisy and rounded.

    Unsafe on its own (a row total gives away a lone suppressed cell); `protect` starts here.
    """
    _check_rule_fits(problem, rule)
    return _Decisions.primary(problem, rule, None).publication()


def protect(
    problem: Problem, rule: Rule, *, previous_publication: Publication | None = None
) -> Publication:
    """Publish under the rule, suppressing more cells until the attacker recovers none.

    Primary suppression first. Then rounds: while the attacker on one table and one measure
    at a time (`table_attack`, small linear programs) recovers a cell, suppress one more
    published cell for each, chosen among the cells that bind its interval (a non-margin
    cell first, then the smallest); when it recovers nothing, the complete attacker
    (`Attack`: every table and the previous publication) has its turn, and its recoveries
    are answered the same way. The previous publication's cells are never changed. The
    publication carries the points that show every suppressed cell wide enough, so the
    check that follows (`attack`) need not find them again.

    Raises DisclosureError when a cell cannot be protected: when what was published before
    already pins it (a record reclassified since can turn an old difference into a cell).
    """
    _check_rule_fits(problem, rule)
    if problem.has_previous and previous_publication is None:
        raise DisclosureError(
            "the problem holds the previous publication's cells: pass previous_publication"
        )
    decisions = _Decisions.primary(problem, rule, previous_publication)
    evidence: FloatArray | None = None
    slices: set[tuple[str, str]] | None = None  # None: every table and measure
    for _ in range(len(problem.cells) + 1):
        publication = decisions.publication(evidence)
        found = table_attack(
            problem,
            publication,
            previous_publication=previous_publication,
            slices=None if slices is None else sorted(slices),
        )
        if not found:
            attacker = Attack(problem, publication, previous_publication=previous_publication)
            found = attacker.recoveries()
            evidence = attacker.evidence()
            if not found:
                return decisions.publication(evidence)
        slices = decisions.suppress_more(found)
    raise DisclosureError("secondary suppression did not finish")  # each round adds a cell


def _check_rule_fits(problem: Problem, rule: Rule) -> None:
    """Refuse cell-key noise without record ids to key it on."""
    if rule.perturbation is not None and problem.record_ids is None:
        raise DisclosureError(
            "cell-key perturbation needs record ids: give the records a record_id column"
        )


@dataclass
class _Decisions:
    """The decision for each group of identical current cells: suppressed or published, why."""

    problem: Problem
    rule: Rule
    rows: dict[int, list[int]]  # group -> its current rows, in order
    published: dict[int, int]  # group -> published value
    reason: dict[int, Reason]  # group -> reason, for every current group
    known: set[int]  # groups the previous publication published: no use suppressing them

    @classmethod
    def primary(
        cls, problem: Problem, rule: Rule, previous_publication: Publication | None
    ) -> _Decisions:
        """Suppress the small counts (and zeros, if the rule says so); noise and round the rest."""
        rows: dict[int, list[int]] = {}
        for i, cell in enumerate(problem.cells):
            if not cell.previous:
                rows.setdefault(int(problem.group[i]), []).append(i)
        known = set()
        if previous_publication is not None:
            known = {
                int(problem.group[i])
                for i, c in enumerate(problem.cells)
                if c.previous
                and previous_publication.has(c)
                and not previous_publication.suppressed(c)
            }
        decisions = cls(problem, rule, rows, {}, {}, known)
        keys = _cell_keys(problem, rule, [members[0] for members in rows.values()])
        for group, members in rows.items():
            value = int(problem.values[members[0]])
            if value == 0:
                decisions.reason[group] = "zero"
                if not rule.suppress_zero:
                    decisions.published[group] = 0
            elif value < rule.threshold:
                decisions.reason[group] = "primary"
            else:
                decisions.reason[group] = "published"
                noise = 0
                if rule.perturbation is not None:
                    noise = rule.perturbation.noise(keys[members[0]], value)
                decisions.published[group] = round_to_base(value + noise, rule.rounding)
        return decisions

    def publication(self, evidence: FloatArray | None = None) -> Publication:
        """The publication these decisions make."""
        order = sorted((row, group) for group, members in self.rows.items() for row in members)
        return Publication(
            rule=self.rule,
            specs=self.problem.specs,
            cells=tuple(self.problem.cells[row] for row, _ in order),
            values=tuple(self.published.get(group) for _, group in order),
            reasons=tuple(self.reason[group] for _, group in order),
            evidence=evidence,
        )

    def cost(self, group: int) -> tuple[int, int, int]:
        """What suppressing a group loses: margins last, then the smaller count first."""
        members = self.rows[group]
        margin = all(self.problem.cells[r].is_margin() for r in members)
        return (int(margin), int(self.problem.values[members[0]]), members[0])

    def can_take(self, group: int) -> bool:
        """A group may become secondary if it is published now, above 0 and new."""
        return (
            group in self.rows
            and self.reason[group] == "published"
            and group in self.published
            and group not in self.known
        )

    def suppress_more(self, recoveries: list[Recovery]) -> set[tuple[str, str]]:
        """For each recovered cell, suppress one published cell that binds its interval.

        Returns the (table, measure) of every cell newly suppressed: the tables to look at
        again.
        """
        chosen: list[int] = []
        for recovery in sorted(recoveries, key=lambda r: (r.value, self.problem.position(r.cell))):
            binding = [int(self.problem.group[self.problem.position(c)]) for c in recovery.binding]
            if any(g in chosen for g in binding):
                continue
            options = [g for g in binding if self.can_take(g)]
            if not options:
                options = [g for g in self._touching(recovery.cell) if self.can_take(g)]
            if not options:
                raise DisclosureError(_cannot_protect(recovery))
            pick = min(options, key=self.cost)
            chosen.append(pick)
            del self.published[pick]
            self.reason[pick] = "secondary"
        return {
            (self.problem.cells[row].table, self.problem.cells[row].measure)
            for group in chosen
            for row in self.rows[group]
        }

    def _touching(self, cell: Cell) -> list[int]:
        """The current groups that share an atom with the cell."""
        membership = self.problem.membership
        row = membership[self.problem.position(cell)]
        shared = np.asarray(membership @ row.T.toarray()).reshape(-1) > 0
        return sorted({int(self.problem.group[i]) for i in np.flatnonzero(shared)} & set(self.rows))


def _cannot_protect(recovery: Recovery) -> str:
    """Why a recovered cell cannot be protected: nothing left to suppress would widen it."""
    pinned = ", ".join(c.label() for c in recovery.binding[:3])
    more = f" and {len(recovery.binding) - 3} more" if len(recovery.binding) > 3 else ""
    return (
        f"cannot protect {recovery.cell.label()}: the attacker puts it between {recovery.lo} "
        f"and {recovery.hi} from {pinned or 'the published cells'}{more}, and no cell still "
        "to be published would widen that (a cell the previous publication showed stays "
        "shown): nothing was published"
    )


def _cell_keys(problem: Problem, rule: Rule, rows: Sequence[int]) -> dict[int, int]:
    """Each cell's key (its records' keys summed mod 2**32), when the rule perturbs counts."""
    if rule.perturbation is None or problem.record_ids is None or problem.record_atoms is None:
        return {}
    record_keys = rule.perturbation.record_keys(problem.record_ids)
    atom_keys = np.zeros(len(problem.atom_counts), dtype=np.int64)
    np.add.at(atom_keys, problem.record_atoms, record_keys)
    atom_keys %= KEY_RANGE
    picked = np.asarray(rows, dtype=np.int64)
    cell_keys = np.asarray(problem.membership[picked] @ atom_keys, dtype=np.int64) % KEY_RANGE
    return {int(r): int(k) for r, k in zip(picked, cell_keys, strict=True)}
