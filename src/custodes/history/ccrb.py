"""Import the NYPD CCRB's public records (docs/history.md) into the officer-history format.

The records: the CCRB's officer lists and their complaints as of one day (four header-less
CSVs, in a zip or not), optionally the substantiated allegations' penalties keyed by Tax ID
(`ccrb-penalties.csv`) and the departure letters of officers who left while their case was
open (`departure-letters.json`). The mapping of categories, dispositions and penalties is data
(`ccrb.toml`); what the records lack, and how each gap is filled or left, is in the docs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple, TextIO

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from custodes.history.result import HistoryImportError, Refusal, Unmapped
from custodes.history.rules import MappingRules

__all__ = ["AGENCY", "LEFT_EVENT", "CcrbHistory", "ccrb_values", "read_ccrb"]

AGENCY = "NYPD"
_REF_PREFIX = "nypd:"
_OFFICER_COLUMNS = ("officer id", "command", "last name", "first name", "rank", "shield number")
_COMPLAINT_COLUMNS = (
    "officer id",
    "complaint id",
    "incident date",
    "FADO type",
    "allegation",
    "CCRB disposition",
    "NYPD disposition",
    "NYPD penalty",
)
_PENALTIES_HEADER = "Complaint Id,Tax ID"
_SNAPSHOT = re.compile(r"(\d{4}-\d{2}-\d{2})")
_TAX_IN_LINK = re.compile(r"_Tax(\d+)_")
_SUBSTANTIATED = "substantiated"
# The event a departure letter records, in the format's events table.
LEFT_EVENT = "left-under-investigation"
_RESIGNED = "resigned-under-investigation"
# The findings a departure makes "resigned-under-investigation": substantiated with no penalty,
# or closed with no finding; not an allegation found unfounded, exonerated or unsubstantiated.
_LEFT_FINDINGS = frozenset({"substantiated", "other", "open"})


@dataclass
class _Member:
    """One file of the records, on disk or in a zip, by the name a refusal gives it."""

    name: str
    open_bytes: Callable[[], IO[bytes]]

    def open(self) -> TextIO:
        """Open the file as text."""
        return io.TextIOWrapper(self.open_bytes(), encoding="utf-8", newline="")

    @property
    def base(self) -> str:
        return self.name.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


@dataclass
class _Files:
    officers: list[tuple[_Member, bool]] = field(default_factory=list)  # (file, active)
    complaints: list[_Member] = field(default_factory=list)
    penalties: _Member | None = None
    departures: _Member | None = None


class _Source(NamedTuple):
    """Where an allegation row came from, and what of it is kept for its outcome."""

    oid: str
    disposition: str
    zip_outcome: str | None
    file: str
    line: int


@dataclass
class CcrbHistory:
    """The CCRB's records as the format's rows, with what was refused and left unmapped."""

    officers: list[dict[str, Any]]
    allegations: list[dict[str, Any]]
    events: list[dict[str, Any]]
    refused: list[Refusal]
    unmapped: list[Unmapped]
    notes: list[str]
    figures: dict[str, int]


def _members(paths: Sequence[Path]) -> Iterator[_Member]:
    for path in paths:
        if not path.is_file():
            raise HistoryImportError(f"{path} is not a file")
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                names = [i.filename for i in archive.infolist() if not i.is_dir()]
            for name in names:

                def opener(path: Path = path, name: str = name) -> IO[bytes]:
                    return zipfile.ZipFile(path).open(name)

                yield _Member(f"{path.name}:{name}", opener)
        else:

            def opener_(path: Path = path) -> IO[bytes]:
                return path.open("rb")

            yield _Member(path.name, opener_)


def _first_line(member: _Member) -> str:
    with member.open() as handle:
        return handle.readline()


def _classify(paths: Sequence[Path]) -> _Files:
    """Recognise each file by its name and content; refuse one the importer does not know."""
    found = _Files()
    for member in _members(paths):
        base = member.base.lower()
        if base.endswith("_officer.csv"):
            active = not base.endswith("inactive_officer.csv")
            if not active or base.endswith("active_officer.csv"):
                found.officers.append((member, active))
                continue
            raise HistoryImportError(
                f"{member.name}: cannot tell whether it lists active or inactive officers "
                "(name it *_active_officer.csv or *_inactive_officer.csv)"
            )
        if base.endswith("_complaint.csv"):
            found.complaints.append(member)
        elif base.endswith(".csv") and _first_line(member).startswith(_PENALTIES_HEADER):
            found.penalties = member
        elif base.endswith(".json") and "departureLetters" in _load_json(member):
            found.departures = member
        elif base.startswith(".") or base.startswith("license"):
            continue  # a zip's licence or hidden files: not records
        else:
            raise HistoryImportError(
                f"{member.name} is none of the CCRB's files: *_active_officer.csv, "
                "*_inactive_officer.csv, *_complaint.csv, ccrb-penalties.csv (its header "
                "starting 'Complaint Id,Tax ID'), departure-letters.json"
            )
    if not found.officers or not found.complaints:
        raise HistoryImportError(
            "the CCRB import needs the officer files and the complaint files (the zip, or "
            "its *_officer.csv and *_complaint.csv)"
        )
    return found


def _load_json(member: _Member) -> dict[str, Any]:
    try:
        with member.open() as handle:
            data = json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HistoryImportError(f"{member.name} is not JSON: {exc}") from None
    return data if isinstance(data, dict) else {}


def _rows(member: _Member) -> Iterator[tuple[int, list[str]]]:
    with member.open() as handle:
        reader = csv.reader(handle, quotechar='"')
        for row in reader:
            yield reader.line_num, [value.strip() for value in row]


def _snapshot(files: _Files) -> str | None:
    for member, _active in files.officers:
        match = _SNAPSHOT.search(member.base)
        if match:
            return match.group(1)
    return None


def _read_officers(
    files: _Files, refused: list[Refusal], notes: list[str]
) -> dict[str, dict[str, Any]]:
    snapshot = _snapshot(files)
    inactive = f"inactive by {snapshot}" if snapshot else "inactive in the CCRB's records"
    officers: dict[str, dict[str, Any]] = {}
    first_seen: dict[str, tuple[str, int, list[str]]] = {}
    repeats = 0
    for member, active in files.officers:
        for line, row in _rows(member):
            if len(row) != len(_OFFICER_COLUMNS):
                refused.append(
                    Refusal(
                        member.name, line, "", f"has {len(row)} fields, not the 6 of an officer"
                    )
                )
                continue
            oid = row[0]
            if not oid:
                refused.append(Refusal(member.name, line, "officer id", "is empty"))
                continue
            if oid in first_seen:
                file, at, values = first_seen[oid]
                if values == row:
                    repeats += 1  # the same officer listed twice: one officer
                else:
                    refused.append(
                        Refusal(
                            member.name,
                            line,
                            "officer id",
                            f"{oid} repeats {file} line {at} with other details; the first is kept",
                        )
                    )
                continue
            first_seen[oid] = (member.name, line, row)
            officers[oid] = {
                "officer_ref": _REF_PREFIX + oid,
                "agency": AGENCY,
                "first_name": row[3] or None,
                "last_name": row[2] or None,
                "rank": row[4] or None,
                "unit": row[1] or None,
                "left_reason": None if active else inactive,
            }
    if repeats:
        notes.append(
            f"{repeats} officer row(s) repeat an officer id with identical details; "
            "each is one officer"
        )
    return officers


@dataclass
class _Penalty:
    disposition: str
    outcome: str | None


def _read_penalties(
    member: _Member | None, refused: list[Refusal]
) -> dict[tuple[str, str], _Penalty]:
    """Return the penalties file's rows by (complaint id, Tax ID)."""
    if member is None:
        return {}
    penalties: dict[tuple[str, str], _Penalty] = {}
    with member.open() as handle:
        reader = csv.DictReader(handle, quotechar='"')
        for row in reader:
            cid = (row.get("Complaint Id") or "").strip()
            tax = (row.get("Tax ID") or "").strip()
            if not cid or not tax:
                column = "Complaint Id" if not cid else "Tax ID"
                refused.append(Refusal(member.name, reader.line_num, column, "is empty"))
                continue
            outcome = (row.get("NYPD Officer Penalty") or "").strip() or (
                row.get("APU Case Status") or ""
            ).strip()
            disposition = (row.get("CCRB Substantiated Officer Disposition") or "").strip()
            penalties[(cid, tax)] = _Penalty(disposition, outcome or None)
    return penalties


@dataclass
class _Departure:
    line: int
    case: str
    tax: str | None
    first: str
    last: str
    day: dt.date | None


def _read_departures(member: _Member | None, refused: list[Refusal]) -> list[_Departure]:
    if member is None:
        return []
    letters = _load_json(member).get("departureLetters", [])
    departures = []
    for i, letter in enumerate(letters, start=1):
        # JSON has no useful line numbers once parsed: a letter is named by its place, from 1.
        case = str(letter.get("CaseNumber") or "").strip()
        link = _TAX_IN_LINK.search(str(letter.get("FileLink") or ""))
        try:
            day: dt.date | None = dt.date(int(letter["ReportYear"]), int(letter["ReportMonth"]), 1)
        except (KeyError, TypeError, ValueError):
            day = None
        if not case or day is None:
            column = "CaseNumber" if not case else "ReportYear/ReportMonth"
            refused.append(
                Refusal(member.name, i, column, "is missing or not a date (letter number)")
            )
            continue
        departures.append(
            _Departure(
                i,
                case,
                link.group(1) if link else None,
                str(letter.get("FirstName") or "").strip().casefold(),
                str(letter.get("LastName") or "").strip().casefold(),
                day,
            )
        )
    return departures


def _named(letter: _Departure, officers: set[str], names: dict[str, tuple[str, str]]) -> set[str]:
    """Return the officers of a letter's case with its name; failing that, with its first name
    and a surname one of which begins the other (a surname joined to another on marriage)."""
    exact = {oid for oid in officers if names.get(oid) == (letter.first, letter.last)}
    if exact or not letter.last:
        return exact
    return {
        oid
        for oid in officers
        if (name := names.get(oid)) is not None
        and name[0] == letter.first
        and name[1]
        and (name[1].startswith(letter.last) or letter.last.startswith(name[1]))
    }


def _link(
    substantiated: dict[tuple[str, str], set[str]],
    penalties: dict[tuple[str, str], _Penalty],
    departures: list[_Departure],
    names: dict[str, tuple[str, str]],
    officers_in: dict[str, set[str]],
) -> tuple[dict[str, str], dict[str, int]]:
    """Link Tax IDs to CCRB officer ids where only one officer can be meant; return the links
    (Tax ID -> officer id) and the figures of how.

    A Tax ID's candidates are the officers substantiated, with its disposition, in every one of
    its complaints that the records hold; a departure letter narrows them to the officer of its
    case with its name. An officer left the only candidate of one Tax ID is linked, and taken
    from every other Tax ID's candidates, until nothing changes.
    """
    by_complaint: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (cid, oid), dispositions in substantiated.items():
        for disposition in dispositions:
            by_complaint[cid].append((oid, disposition))
    candidates: dict[str, set[str]] = {}
    for (cid, tax), penalty in penalties.items():
        if cid not in by_complaint:
            continue  # a complaint the records do not hold says nothing about who this is
        here = {oid for oid, disposition in by_complaint[cid] if disposition == penalty.disposition}
        candidates[tax] = candidates[tax] & here if tax in candidates else here
    by_letter = 0
    for letter in departures:
        if letter.tax is None:
            continue
        named = _named(letter, officers_in.get(letter.case, set()), names)
        if len(named) == 1:
            by_letter += 1
            tax = letter.tax
            candidates[tax] = candidates[tax] & named if tax in candidates else named
    links: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        single = {
            tax: next(iter(c)) for tax, c in candidates.items() if len(c) == 1 and tax not in links
        }
        claimed = Counter(single.values())
        for tax, oid in single.items():
            if claimed[oid] == 1 and oid not in links.values():
                links[tax] = oid
                changed = True
        taken = set(links.values())
        for tax, c in candidates.items():
            if tax not in links and c & taken:
                candidates[tax] = c - taken
                changed = True
    taxes = {tax for _cid, tax in penalties} | {d.tax for d in departures if d.tax}
    figures = {
        "tax_ids": len(taxes),
        "tax_ids_linked": len(links),
        "tax_ids_not_in_records": len(taxes - set(candidates)),
        "departure_letters_named": by_letter,
    }
    return links, figures


def read_ccrb(paths: Sequence[Path], rules: MappingRules) -> CcrbHistory:
    """Read the CCRB's records into the format's rows, refusing (and naming) what cannot be read."""
    files = _classify(paths)
    refused: list[Refusal] = []
    notes: list[str] = []
    officers = _read_officers(files, refused, notes)
    penalties = _read_penalties(files.penalties, refused)
    departures = _read_departures(files.departures, refused)

    # The outcome rules, each distinct value matched once.
    cache: dict[tuple[str, str], str | None] = {}

    def mapped(table: str, value: str) -> str | None:
        key = (table, value)
        if key not in cache:
            cache[key] = getattr(rules, table)(value)
        return cache[key]

    # First pass, in DuckDB: each allegation row checked, its category and finding mapped.
    unmapped: Counter[tuple[str, str]] = Counter()
    rows = _read_allegations(files.complaints, officers, rules, refused, unmapped)

    # Linking Tax IDs to officers, through the substantiated allegations the two files share.
    substantiated: dict[tuple[str, str], set[str]] = defaultdict(set)
    officers_in: dict[str, set[str]] = defaultdict(set)
    for row_, source in rows:
        officers_in[row_["complaint_ref"]].add(source.oid)
        if row_["finding"] == _SUBSTANTIATED:
            substantiated[(row_["complaint_ref"], source.oid)].add(source.disposition)
    names = {
        oid: ((o["first_name"] or "").casefold(), (o["last_name"] or "").casefold())
        for oid, o in officers.items()
    }
    links, figures = _link(substantiated, penalties, departures, names, officers_in)
    penalty_of = {(cid, links[tax]): p for (cid, tax), p in penalties.items() if tax in links}

    # Second pass: outcomes, from the penalties file where linked, else the records' own.
    counts: Counter[str] = Counter()
    kept: list[tuple[dict[str, Any], _Source]] = []
    for row_, source in rows:
        outcome, origin = _outcome(row_, source, penalty_of)
        outcome_group: str | None = None
        if outcome is not None:
            outcome_group = mapped("outcome_group", outcome)
            if outcome_group is None:
                unmapped[("NYPD penalty", outcome)] += 1
                where = " (the penalties file's)" if origin == "penalties" else ""
                refused.append(
                    Refusal(
                        source.file,
                        source.line,
                        "NYPD penalty",
                        f"{outcome!r}{where} is not mapped",
                    )
                )
                continue
            counts[origin] += 1
        left = mapped("left", source.disposition)
        if left is not None and not outcome_group:
            outcome, outcome_group = source.disposition, left
        row_["outcome"], row_["outcome_group"] = outcome, outcome_group or None
        kept.append((row_, source))

    events = _departure_events(departures, links, kept, officers, figures)
    allegations = [row_ for row_, _source in kept]
    used = {a["officer_ref"] for a in allegations}
    officer_rows = list(officers.values())
    figures.update(
        officers=len(officer_rows),
        officers_with_allegations=len(used),
        outcomes_from_penalties_file=counts["penalties"],
        outcomes_from_records=counts["records"],
    )
    return CcrbHistory(
        officers=officer_rows,
        allegations=allegations,
        events=events,
        refused=refused,
        unmapped=[Unmapped(f, v, n) for (f, v), n in sorted(unmapped.items())],
        notes=notes,
        figures=figures,
    )


def _complaint_table(member: _Member, refused: list[Refusal]) -> pa.Table:
    """Parse one complaint file with pyarrow, each row with its line; refuse malformed lines."""
    with member.open_bytes() as handle:
        data = handle.read()
    bad: list[int] = []

    def invalid(row: pacsv.InvalidRow) -> str:
        refused.append(
            Refusal(
                member.name,
                row.number or 0,
                "",
                f"has {row.actual_columns} fields, not the 8 of an allegation",
            )
        )
        bad.append(row.number or 0)
        return "skip"

    names = [f"c{i}" for i in range(len(_COMPLAINT_COLUMNS))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False),
            # One row a line, blank lines kept (and refused), so a row's number is its line.
            parse_options=pacsv.ParseOptions(
                quote_char='"',
                newlines_in_values=False,
                ignore_empty_lines=False,
                invalid_row_handler=invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise HistoryImportError(f"{member.name} cannot be read as CSV: {exc}") from None
    skipped = set(bad)
    lines = [n for n in range(1, table.num_rows + len(bad) + 1) if n not in skipped]
    return table.append_column("line", pa.array(lines, pa.int64()))


_ALLEGATIONS_SQL = """
    WITH rows AS (
        SELECT trim(c0) AS oid, trim(c1) AS cid, trim(c2) AS day, trim(c3) AS fado,
               trim(c4) AS allegation, trim(c5) AS disposition, trim(c6) AS nypd,
               trim(c7) AS penalty, file, line, member
        FROM complaints
    ), checked AS (
        SELECT r.*, r.fado || ': ' || r.allegation AS category,
               try_strptime(r.day, '%Y-%m-%d')::DATE AS incident,
               o.oid IS NOT NULL AS known
        FROM rows r LEFT JOIN known_officers o USING (oid)
    ), judged AS (
        SELECT c.*, g.mapped AS category_group, f.mapped AS finding,
               CASE
                 WHEN c.oid = '' THEN 'officer id'
                 WHEN NOT c.known THEN 'officer id'
                 WHEN NOT regexp_full_match(c.cid, '[0-9]{9}') THEN 'complaint id'
                 WHEN c.incident IS NULL OR NOT regexp_full_match(c.day, $iso_day)
                   THEN 'incident date'
                 WHEN g.mapped IS NULL THEN 'FADO type, allegation'
                 WHEN f.mapped IS NULL THEN 'CCRB disposition'
               END AS bad_column
        FROM checked c
        LEFT JOIN mapping g ON g.field = 'category' AND g.value = c.category
        LEFT JOIN mapping f ON f.field = 'CCRB disposition' AND f.value = c.disposition
    )
    SELECT oid, cid, day, category, disposition, category_group, finding, incident,
           greatest(incident, make_date(TRY_CAST(substr(cid, 1, 4) AS INTEGER), 1, 1)) AS received,
           -- An allegation's place among its officer's in its complaint, refused rows apart.
           row_number() OVER (
               PARTITION BY cid, oid, bad_column IS NULL ORDER BY member, line
           ) AS sequence,
           nullif(penalty, '') AS penalty, nullif(nypd, '') AS nypd, file, line, bad_column
    FROM judged
    ORDER BY member, line
"""


def _read_allegations(
    members: Sequence[_Member],
    officers: dict[str, dict[str, Any]],
    rules: MappingRules,
    refused: list[Refusal],
    unmapped: Counter[tuple[str, str]],
) -> list[tuple[dict[str, Any], _Source]]:
    """Read the complaint files into allegation rows, checked and mapped in DuckDB."""
    tables = []
    for i, member in enumerate(members):
        table = _complaint_table(member, refused)
        n = table.num_rows
        table = table.append_column("file", pa.array([member.name] * n, pa.string()))
        tables.append(table.append_column("member", pa.array([i] * n, pa.int64())))
    con = duckdb.connect()
    con.register("complaints", pa.concat_tables(tables))
    con.register("known_officers", pa.table({"oid": pa.array(list(officers), pa.string())}))
    distinct = con.execute(
        "SELECT DISTINCT 'category', trim(c3) || ': ' || trim(c4) FROM complaints "
        "UNION SELECT DISTINCT 'CCRB disposition', trim(c5) FROM complaints"
    ).fetchall()
    mapped = [
        (field, value, rules.category_group(value) if field == "category" else rules.finding(value))
        for field, value in distinct
    ]
    con.register(
        "mapping",
        pa.table(
            {
                "field": pa.array([m[0] for m in mapped], pa.string()),
                "value": pa.array([m[1] for m in mapped], pa.string()),
                "mapped": pa.array([m[2] for m in mapped], pa.string()),
            }
        ),
    )
    rows: list[tuple[dict[str, Any], _Source]] = []
    for (
        oid,
        cid,
        day,
        category,
        disposition,
        group,
        finding,
        incident,
        received,
        sequence,
        penalty,
        nypd,
        file,
        line,
        bad_column,
    ) in con.execute(_ALLEGATIONS_SQL, {"iso_day": r"\d{4}-\d{2}-\d{2}"}).fetchall():
        if bad_column is not None:
            reason = _refusal_reason(bad_column, oid, cid, day, category, disposition)
            if bad_column == "FADO type, allegation":
                unmapped[("category", category)] += 1
            if finding is None and bad_column in ("FADO type, allegation", "CCRB disposition"):
                unmapped[("CCRB disposition", disposition)] += 1
            refused.append(Refusal(file, line, bad_column, reason))
            continue
        row = {
            "allegation_ref": f"{cid}-{oid}-{sequence}",
            "complaint_ref": cid,
            "officer_ref": _REF_PREFIX + oid,
            "received_date": received,
            "incident_date": incident,
            "closed_date": None,
            "source": "public",
            "category": category,
            "category_group": group,
            "finding": finding,
            "outcome": None,
            "outcome_group": None,
        }
        rows.append((row, _Source(oid, disposition, penalty or nypd, file, line)))
    con.close()
    return rows


def _refusal_reason(
    column: str, oid: str, cid: str, day: str, category: str, disposition: str
) -> str:
    """Say why an allegation row is refused, given the column at fault."""
    if column == "officer id":
        return "is empty" if not oid else f"{oid} is in no officer file"
    if column == "complaint id":
        return f"{cid!r} is not a 9-digit CCRB complaint id"
    if column == "incident date":
        if not day:
            return "is empty: the allegation has no date to place it in time"
        return f"{day!r} is not an ISO date"
    value = category if column == "FADO type, allegation" else disposition
    return f"{value!r} is not mapped"


def _outcome(
    row: dict[str, Any], source: _Source, penalty_of: dict[tuple[str, str], _Penalty]
) -> tuple[str | None, str]:
    """Return a substantiated allegation's outcome, verbatim, and where it came from.

    Only substantiated allegations have one: the NYPD disciplines on what the CCRB
    substantiates. The records' own penalty column is read only there, because the scraped
    records repeat a penalty down the rows that follow it (docs/history.md).
    """
    if row["finding"] != _SUBSTANTIATED:
        return None, ""
    linked = penalty_of.get((row["complaint_ref"], source.oid))
    if linked is not None and linked.outcome:
        return linked.outcome, "penalties"
    if source.zip_outcome:
        return source.zip_outcome, "records"
    return None, ""


def _departure_events(
    departures: list[_Departure],
    links: dict[str, str],
    rows: list[tuple[dict[str, Any], _Source]],
    officers: dict[str, dict[str, Any]],
    figures: dict[str, int],
) -> list[dict[str, Any]]:
    """Return a left-under-investigation event for each departure letter linked to an officer,
    and mark their allegations in its case as ended by their leaving where nothing else did."""
    events = []
    by_case: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row, source in rows:
        by_case[(row["complaint_ref"], source.oid)].append(row)
    marked = 0
    for letter in departures:
        oid = links.get(letter.tax) if letter.tax else None
        if oid is None or oid not in officers:
            continue
        events.append(
            {
                "officer_ref": _REF_PREFIX + oid,
                "date": letter.day,
                "kind": LEFT_EVENT,
                "detail": f"CCRB departure letter: left the NYPD while case {letter.case} was open",
            }
        )
        for allegation in by_case.get((letter.case, oid), []):
            # Only where the case did not end in the officer's favour: leaving is what ended it.
            if not allegation["outcome_group"] and allegation["finding"] in _LEFT_FINDINGS:
                allegation["outcome_group"] = _RESIGNED
                marked += 1
    figures.update(
        departure_letters=len(departures),
        departure_letters_linked=len(events),
        allegations_marked_left=marked,
    )
    return events


def ccrb_values(paths: Sequence[Path]) -> dict[str, Counter[str]]:
    """Return each mapped field's distinct values in the records, with their rows: the
    category, the CCRB and NYPD dispositions, and the penalties of both files."""
    files = _classify(paths)
    values: dict[str, Counter[str]] = defaultdict(Counter)
    for member in files.complaints:
        for _line, row in _rows(member):
            if len(row) == len(_COMPLAINT_COLUMNS):
                values["category"][f"{row[3]}: {row[4]}"] += 1
                values["CCRB disposition"][row[5]] += 1
                values["NYPD disposition"][row[6]] += 1
                values["NYPD penalty"][row[7]] += 1
    if files.penalties is not None:
        with files.penalties.open() as handle:
            for penalty in csv.DictReader(handle, quotechar='"'):
                for name in ("NYPD Officer Penalty", "APU Case Status"):
                    values[name][(penalty.get(name) or "").strip()] += 1
    for counter in values.values():
        counter.pop("", None)
    return dict(values)
