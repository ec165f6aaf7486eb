"""Read and check a risk run folder (`custodes risk score --out DIR`) before anything is stored.

The folder holds `risk.csv` (rank, officer_ref, score, reasons: every serving officer ranked),
`officers.csv` (officer_ref, agency, first_name, last_name, rank, unit, rules), `run.json` (as_of,
label, horizon_days, officers_scored, model, evaluation) and, if the run wrote one, `summary.html`:
the run's report without the officers (`report.html`, which names the top of the list, is the
analyst's own and is not imported: one page cannot be cut to what each viewer may see).
Every problem names the file, the column and the line.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custodes.errors import CustodesError

__all__ = [
    "LABELS",
    "OFFICER_COLUMNS",
    "REPORT_FILE",
    "RISK_COLUMNS",
    "LoadedOfficer",
    "LoadedRiskRun",
    "RiskImportError",
    "mentioned",
    "name_key",
    "read_risk_run",
]

RISK_FILE, OFFICERS_FILE, RUN_FILE, REPORT_FILE = (
    "risk.csv",
    "officers.csv",
    "run.json",
    "summary.html",
)
RISK_COLUMNS = ("rank", "officer_ref", "score", "reasons")
OFFICER_COLUMNS = ("officer_ref", "agency", "first_name", "last_name", "rank", "unit", "rules")
LABELS = ("substantiated", "sexual")
# The longest value each officers.csv column may hold (the models' field lengths).
_LIMITS = {
    "officer_ref": 128,
    "agency": 100,
    "first_name": 100,
    "last_name": 100,
    "rank": 100,
    "unit": 100,
    "rules": 500,
}


class RiskImportError(CustodesError):
    """A risk run folder cannot be read or does not hold what `custodes risk score` writes."""


@dataclass(frozen=True)
class LoadedOfficer:
    """One ranked officer, from risk.csv and officers.csv together."""

    rank: int
    officer_ref: str
    score: float
    reasons: str
    agency: str
    first_name: str
    last_name: str
    grade: str
    unit: str
    rules: str


@dataclass(frozen=True)
class LoadedRiskRun:
    """A checked run folder: its officers best first, what run.json says, and its report."""

    source: str
    fingerprint: str
    files: dict[str, str]
    as_of: dt.date
    label: str
    horizon_days: int
    model: dict[str, Any]
    evaluation: dict[str, Any]
    officers: list[LoadedOfficer]
    report: str = field(repr=False)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Return (line, row) for each data row, refusing a header without every column."""
    name = path.name
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, quotechar='"')
            header = reader.fieldnames or []
            missing = [c for c in columns if c not in header]
            if missing:
                raise RiskImportError(
                    f"{name} line 1: missing column {', '.join(repr(c) for c in missing)}"
                    f" (the header is {', '.join(header) or 'empty'})"
                )
            extra = [c for c in header if c not in columns]
            if extra:
                raise RiskImportError(
                    f"{name} line 1: unexpected column {', '.join(repr(c) for c in extra)}"
                )
            rows: list[tuple[int, dict[str, str]]] = []
            for row in reader:
                if None in row or any(row[c] is None for c in columns):
                    raise RiskImportError(
                        f"{name} line {reader.line_num}: {len(columns)} columns expected"
                    )
                rows.append((reader.line_num, {c: row[c].strip() for c in columns}))
    except UnicodeDecodeError as exc:
        raise RiskImportError(f"{name}: not UTF-8 text ({exc.reason})") from exc
    except csv.Error as exc:
        raise RiskImportError(f"{name}: not readable as CSV ({exc})") from exc
    return rows


def _run_json(path: Path, rows: int) -> dict[str, Any]:
    name = path.name
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RiskImportError(f"{name}: not JSON ({exc})") from exc
    if not isinstance(run, dict):
        raise RiskImportError(f"{name}: an object expected")
    for key in ("as_of", "label", "horizon_days", "officers_scored"):
        if key not in run:
            raise RiskImportError(f"{name}: missing field {key!r}")
    try:
        run["as_of"] = dt.date.fromisoformat(str(run["as_of"]))
    except ValueError as exc:
        raise RiskImportError(f"{name}, field as_of: {run['as_of']!r} is not a date") from exc
    if run["label"] not in LABELS:
        raise RiskImportError(
            f"{name}, field label: {run['label']!r} is not one of {', '.join(LABELS)}"
        )
    for key in ("horizon_days", "officers_scored"):
        if not isinstance(run[key], int) or isinstance(run[key], bool) or run[key] < 0:
            raise RiskImportError(f"{name}, field {key}: {run[key]!r} is not a whole number")
    if run["officers_scored"] != rows:
        raise RiskImportError(
            f"{name}, field officers_scored: says {run['officers_scored']}, but {RISK_FILE}"
            f" ranks {rows}"
        )
    for key in ("model", "evaluation"):
        if not isinstance(run.get(key, {}), dict):
            raise RiskImportError(f"{name}, field {key}: an object expected")
    return run


def _ranked(rows: list[tuple[int, dict[str, str]]]) -> list[tuple[int, int, str, float, str]]:
    """Return (line, rank, officer_ref, score, reasons) from risk.csv, checked."""
    out: list[tuple[int, int, str, float, str]] = []
    ranks: dict[int, int] = {}
    refs: dict[str, int] = {}
    for line, row in rows:
        where = f"{RISK_FILE} line {line}"
        try:
            rank = int(row["rank"])
        except ValueError:
            raise RiskImportError(
                f"{where}, column rank: {row['rank']!r} is not a whole number"
            ) from None
        if rank < 1:
            raise RiskImportError(f"{where}, column rank: {rank} is below 1")
        if rank in ranks:
            raise RiskImportError(f"{where}, column rank: {rank} is also on line {ranks[rank]}")
        ranks[rank] = line
        ref = row["officer_ref"]
        if not ref:
            raise RiskImportError(f"{where}, column officer_ref: empty")
        if len(ref) > _LIMITS["officer_ref"]:
            raise RiskImportError(f"{where}, column officer_ref: longer than 128 characters")
        if ref in refs:
            raise RiskImportError(
                f"{where}, column officer_ref: {ref!r} is also on line {refs[ref]}"
            )
        refs[ref] = line
        try:
            score = float(row["score"])
        except ValueError:
            score = -1.0
        if not 0.0 <= score <= 1.0:  # NaN fails this too
            raise RiskImportError(
                f"{where}, column score: {row['score']!r} is not a probability between 0 and 1"
            )
        out.append((line, rank, ref, score, row["reasons"]))
    out.sort(key=lambda r: r[1])
    return out


def _officers(rows: list[tuple[int, dict[str, str]]]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    lines: dict[str, int] = {}
    for line, row in rows:
        where = f"{OFFICERS_FILE} line {line}"
        ref = row["officer_ref"]
        if not ref:
            raise RiskImportError(f"{where}, column officer_ref: empty")
        if ref in lines:
            raise RiskImportError(
                f"{where}, column officer_ref: {ref!r} is also on line {lines[ref]}"
            )
        for column, limit in _LIMITS.items():
            if len(row[column]) > limit:
                raise RiskImportError(f"{where}, column {column}: longer than {limit} characters")
        lines[ref] = line
        found[ref] = row
    return found


def read_risk_run(folder: Path) -> LoadedRiskRun:
    """Read and check a whole run folder, or raise `RiskImportError` naming what is wrong."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RiskImportError(f"{folder}: not a folder")
    for name in (RISK_FILE, OFFICERS_FILE, RUN_FILE):
        if not (folder / name).is_file():
            raise RiskImportError(f"{folder / name}: missing (custodes risk score writes it)")
    names = [RISK_FILE, OFFICERS_FILE, RUN_FILE]
    if (folder / REPORT_FILE).is_file():
        names.append(REPORT_FILE)
    files = {name: _sha256(folder / name) for name in names}
    ranked = _ranked(_rows(folder / RISK_FILE, RISK_COLUMNS))
    officers = _officers(_rows(folder / OFFICERS_FILE, OFFICER_COLUMNS))
    run = _run_json(folder / RUN_FILE, len(ranked))
    loaded: list[LoadedOfficer] = []
    for line, rank, ref, score, reasons in ranked:
        who = officers.get(ref)
        if who is None:
            raise RiskImportError(
                f"{RISK_FILE} line {line}, column officer_ref: {ref!r} is not in {OFFICERS_FILE}"
            )
        loaded.append(
            LoadedOfficer(
                rank=rank,
                officer_ref=ref,
                score=score,
                reasons=reasons,
                agency=who["agency"],
                first_name=who["first_name"],
                last_name=who["last_name"],
                grade=who["rank"],
                unit=who["unit"],
                rules=who["rules"],
            )
        )
    report = ""
    if REPORT_FILE in files:
        try:
            report = (folder / REPORT_FILE).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise RiskImportError(f"{REPORT_FILE}: not UTF-8 text ({exc.reason})") from exc
    whole = "".join(f"{name}:{digest}\n" for name, digest in sorted(files.items()))
    return LoadedRiskRun(
        source=folder.resolve().name,
        fingerprint=hashlib.sha256(whole.encode()).hexdigest(),
        files=files,
        as_of=run["as_of"],
        label=str(run["label"]),
        horizon_days=int(run["horizon_days"]),
        model=dict(run.get("model") or {}),
        evaluation=dict(run.get("evaluation") or {}),
        officers=loaded,
        report=report,
    )


_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"[\w:.\-]+")


def name_key(first_name: str, last_name: str) -> str:
    """Return the casefolded "first last" a name is compared by, or "" for half a name."""
    if not first_name.strip() or not last_name.strip():
        return ""
    return " ".join(_WORD.findall(f"{first_name} {last_name}".casefold()))


def mentioned(report: str, officers: list[LoadedOfficer]) -> set[str]:
    """Return the refs of the officers a report names, by their ref or their name.

    By tokens of the whole text, scripts included (a chart's data names officers too): a ref
    found by chance (a number in the charts' code) only keeps the report from more people.
    """
    if not report:
        return set()
    tokens = set(_TOKEN.findall(report))
    # "XF:U001" is a token whole and in parts, however the report punctuates it.
    tokens |= {part for token in list(tokens) for part in re.split(r"[:.\-]", token) if part}
    words = _WORD.findall(report.casefold())
    pairs = {f"{a} {b}" for a, b in itertools.pairwise(words)}
    found: set[str] = set()
    for officer in officers:
        key = name_key(officer.first_name, officer.last_name)
        if officer.officer_ref in tokens or (key and key.count(" ") == 1 and key in pairs):
            found.add(officer.officer_ref)
    return found
