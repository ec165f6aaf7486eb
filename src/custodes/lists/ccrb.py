"""Read the CCRB's letters on officers who left the NYPD under investigation into list records."""

# Each letter (departure-letters.json) names an officer, the open case and, in the letter's file
# name, the officer's NYPD Tax ID. An officer with several letters is one record. The penalties
# file (ccrb-penalties.csv) lists, by Tax ID, every complaint the CCRB substantiated against the
# officer, with the NYPD's penalty; it holds no allegation text. Where the 2021 database
# snapshot is given, the officer's shield and the texts of their substantiated allegations come
# from it, and the reason's category is the most serious among those allegations. The letters
# give the month the CCRB reported, not the day the officer left, so action_date stays empty
# and the month is kept in extra["report_months"].

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from custodes.lists.agencies import normalise_agency
from custodes.lists.ccrb_snapshot import Allegation, LinkedOfficer, read_snapshot
from custodes.lists.names import tidy_name
from custodes.lists.reasons import categorise, most_serious
from custodes.lists.records import (
    ListFormatError,
    ListRead,
    ListRecord,
    Rejected,
    Service,
    oversized,
)

__all__ = ["NYPD", "PUBLISHER", "read_ccrb"]

PUBLISHER = "New York City Civilian Complaint Review Board"
NYPD = "New York City Police Department"
JURISDICTION = "US-NY"
# The letters' file names read "<case>_Tax<Tax ID>_RedactedDepartureLetter.pdf".
_TAX_ID = re.compile(r"_Tax(\d+)_")
_LETTER_FIELDS = ("CaseNumber", "FirstName", "LastName", "FileLink")
# Where each record field comes from, for a rejected officer: the letters, or the snapshot.
_FIELDS = {
    "first_name": "FirstName",
    "last_name": "LastName",
    "source_ref": "FileLink",
    "badge": "shield (complaints snapshot)",
    "source": "(file name)",
}
# Columns of the penalties file this reader uses, by what they hold.
_PENALTY_COLUMNS = {
    "complaint": "Complaint Id",
    "tax_id": "Tax ID",
    "disposition": "CCRB Substantiated Officer Disposition",
    "penalty": "NYPD Officer Penalty",
}


@dataclass(frozen=True)
class _Letter:
    """One departure letter: who left, with which case open."""

    line: int
    tax_id: str
    case: str
    first_name: str
    last_name: str
    report_month: str
    link: str


@dataclass(frozen=True)
class _Penalty:
    """One complaint the CCRB substantiated against an officer, and what the NYPD did."""

    complaint: str
    disposition: str
    penalty: str


def read_ccrb(departures: Path, penalties: Path, snapshot: Path | None = None) -> ListRead:
    """Read one left-under-investigation record per officer, with their substantiated complaints."""
    source = f"{departures.name} ({PUBLISHER})"
    letters, rejected = _read_letters(departures)
    officers: dict[str, list[_Letter]] = defaultdict(list)
    for letter in letters:
        officers[letter.tax_id].append(letter)
    found = _read_penalties(penalties, set(officers))
    linked = _link(snapshot, officers, found) if snapshot else {}
    records = []
    for tax_id, own in officers.items():
        record = _record(own, found.get(tax_id, []), linked.get(tax_id), source)
        too_long = oversized(record)
        if too_long is None:
            records.append(record)
        else:
            field = _FIELDS.get(too_long[0], too_long[0])
            rejected.append(Rejected(departures.name, record.line, field, too_long[1]))
    return ListRead(records=records, rejected=rejected, source=source)


def _read_letters(path: Path) -> tuple[list[_Letter], list[Rejected]]:
    """Return the usable letters, and why each other one is not."""
    entries = _letter_entries(path)
    letters: list[_Letter] = []
    rejected: list[Rejected] = []
    for line, entry in enumerate(entries, start=1):
        letter = _letter(path.name, line, entry)
        if isinstance(letter, Rejected):
            rejected.append(letter)
        else:
            letters.append(letter)
    return letters, rejected


def _letter_entries(path: Path) -> list[object]:
    """Return the JSON list of letters, refusing a file that is not one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ListFormatError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ListFormatError(f"{path.name}: not JSON ({error})") from None
    entries = document.get("departureLetters") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ListFormatError(f"{path.name}: no 'departureLetters' list at the top level")
    return entries


def _letter(file: str, line: int, entry: object) -> _Letter | Rejected:
    """Read one letter, or say why it cannot name an officer."""
    if not isinstance(entry, dict):
        return Rejected(file, line, "", "not an object with the letter's fields")
    values = {name: str(entry.get(name) or "").strip() for name in _LETTER_FIELDS}
    for name in ("FirstName", "LastName"):
        if not tidy_name(values[name]):
            return Rejected(file, line, name, "empty: the letter names no officer")
    tax_id = _TAX_ID.search(values["FileLink"])
    if not tax_id:
        return Rejected(
            file, line, "FileLink", "no Tax ID (_Tax<digits>_) in the letter's file name"
        )
    year, month = (str(entry.get(name) or "").strip() for name in ("ReportYear", "ReportMonth"))
    return _Letter(
        line=line,
        tax_id=tax_id.group(1),
        case=values["CaseNumber"],
        first_name=tidy_name(values["FirstName"]),
        last_name=tidy_name(values["LastName"]),
        report_month=f"{year}-{month.zfill(2)}" if year and month else "",
        link=values["FileLink"],
    )


def _read_penalties(path: Path, tax_ids: set[str]) -> dict[str, list[_Penalty]]:
    """Return the substantiated complaints of the given officers, by Tax ID."""
    found: dict[str, list[_Penalty]] = defaultdict(list)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = csv.DictReader(handle)
            missing = [c for c in _PENALTY_COLUMNS.values() if c not in (rows.fieldnames or [])]
            if missing:
                raise ListFormatError(
                    f"{path.name}, line 1: no {missing[0]!r} column in the header"
                )
            for row in rows:
                tax_id = (row[_PENALTY_COLUMNS["tax_id"]] or "").strip()
                if tax_id in tax_ids:
                    values = {k: (row[c] or "").strip() for k, c in _PENALTY_COLUMNS.items()}
                    found[tax_id].append(
                        _Penalty(values["complaint"], values["disposition"], values["penalty"])
                    )
    except FileNotFoundError:
        raise ListFormatError(f"{path}: no such file") from None
    except csv.Error as error:
        raise ListFormatError(f"{path.name}: unreadable CSV ({error})") from None
    return found


def _link(
    snapshot: Path, officers: dict[str, list[_Letter]], found: dict[str, list[_Penalty]]
) -> dict[str, LinkedOfficer]:
    """Find each officer in the database snapshot, by name within their own complaints."""
    complaints = {
        tax_id: _complaints(officers[tax_id], found.get(tax_id, [])) for tax_id in officers
    }
    read = read_snapshot(snapshot, set().union(*complaints.values()))
    linked: dict[str, LinkedOfficer] = {}
    for tax_id, letters in officers.items():
        officer = read.find(letters[0].last_name, letters[0].first_name, complaints[tax_id])
        if officer:
            linked[tax_id] = officer
    return linked


def _complaints(letters: list[_Letter], penalties: list[_Penalty]) -> set[str]:
    """Return the complaint numbers tied to one officer by their letters and penalties."""
    return {letter.case for letter in letters if letter.case} | {p.complaint for p in penalties}


def _record(
    letters: list[_Letter], penalties: list[_Penalty], linked: LinkedOfficer | None, source: str
) -> ListRecord:
    """Build one officer's record from their letters, penalties and snapshot entry."""
    # A name can be cut short in one letter ("Christophe"): the fullest spelling is kept and
    # the others are other names.
    names = sorted({(x.first_name, x.last_name) for x in letters}, key=lambda n: -len("".join(n)))
    first_name, last_name = names[0]
    substantiated = {p.complaint for p in penalties}
    allegations = [
        a
        for a in (linked.allegations if linked else ())
        if a.substantiated and a.complaint_id in substantiated
    ]
    # The snapshot writes "00000" where it has no shield number.
    shield = linked.shield if linked and linked.shield.strip("0") else None
    return ListRecord(
        source_ref=f"us-ny-ccrb-tax-{letters[0].tax_id}",
        list_type="left-under-investigation",
        jurisdiction=JURISDICTION,
        first_name=first_name,
        middle_name=None,
        last_name=last_name,
        other_names=tuple(" ".join(n) for n in names[1:]),
        birth_date=None,
        birth_year=None,
        sex=None,
        services=(Service(normalise_agency(NYPD, JURISDICTION), NYPD, shield),),
        reason=_reason(letters, penalties, allegations),
        reason_category=most_serious(categorise(str(a)) for a in allegations),
        action_date=None,
        status="active",
        source=source,
        line=letters[0].line,
        extra=_extra(letters, penalties, allegations, linked),
    )


def _reason(
    letters: list[_Letter], penalties: list[_Penalty], allegations: list[Allegation]
) -> str:
    """Say why the officer is listed: the open cases, then what the CCRB substantiated."""
    cases = sorted({letter.case for letter in letters if letter.case})
    said = f"Left the NYPD while CCRB case {', '.join(cases)} was open"
    if len(cases) > 1:
        said = f"Left the NYPD while CCRB cases {', '.join(cases)} were open"
    findings = []
    for penalty in sorted(penalties, key=lambda p: p.complaint):
        texts = ", ".join(str(a) for a in allegations if a.complaint_id == penalty.complaint)
        outcome = penalty.disposition + (
            f", NYPD penalty: {penalty.penalty}" if penalty.penalty else ""
        )
        findings.append(
            f"complaint {penalty.complaint}: " + (f"{texts} ({outcome})" if texts else outcome)
        )
    return f"{said}. Substantiated: {'; '.join(findings)}" if findings else said


def _extra(
    letters: list[_Letter],
    penalties: list[_Penalty],
    allegations: list[Allegation],
    linked: LinkedOfficer | None,
) -> dict[str, str]:
    """Keep the source fields a reviewer needs to find the letters and complaints."""
    extra = {
        "tax_id": letters[0].tax_id,
        "ccrb_cases": ";".join(letter.case for letter in letters),
        "report_months": ";".join(letter.report_month for letter in letters),
        "letters": ";".join(letter.link for letter in letters),
        "substantiated_complaints": ";".join(p.complaint for p in penalties),
        "dispositions": ";".join(p.disposition for p in penalties),
        "nypd_penalties": ";".join(p.penalty for p in penalties),
    }
    if linked:
        extra |= {"rank": linked.rank, "command": linked.command}
        extra["allegations"] = ";".join(f"{a.complaint_id} {a}" for a in allegations)
    return extra
