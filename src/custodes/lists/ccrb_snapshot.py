"""Find officers' shields and allegation texts in a CCRB database snapshot (zip of four CSVs)."""

# The snapshot (chatnoirsecurity/nypd-complaint-data, 2021-03-20) has headerless files of
# officers (id, command, last name, first name, rank, shield) and of allegations (officer id,
# complaint id, date, FADO type, allegation, CCRB disposition, ...). Its officer ids are the
# database's own, not NYPD Tax IDs, so an officer is found by name within the complaints the
# penalties file already ties to their Tax ID.

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from custodes.lists.names import tidy_name
from custodes.lists.records import ListFormatError

__all__ = ["Allegation", "LinkedOfficer", "Snapshot", "read_snapshot"]

_OFFICER_FIELDS = 6
_ALLEGATION_FIELDS = 6


@dataclass(frozen=True)
class Allegation:
    """One allegation against an officer in one complaint, with the CCRB's finding."""

    complaint_id: str
    fado_type: str
    allegation: str
    disposition: str

    def __str__(self) -> str:
        return f"{self.fado_type}: {self.allegation}"

    @property
    def substantiated(self) -> bool:
        """Say whether the CCRB found the allegation proved."""
        return self.disposition.startswith("Substantiated")


@dataclass(frozen=True)
class LinkedOfficer:
    """What the snapshot adds about one officer: shield, rank, command and allegations."""

    shield: str
    rank: str
    command: str
    allegations: tuple[Allegation, ...]


@dataclass(frozen=True)
class _Officer:
    """One officer as the snapshot lists them."""

    last_name: str
    first_name: str
    rank: str
    command: str
    shield: str

    def named(self, last_name: str, first_name: str) -> bool:
        """Say whether the officer has this name."""
        return (_name_key(self.last_name), _name_key(self.first_name)) == (
            _name_key(last_name),
            _name_key(first_name),
        )


@dataclass(frozen=True)
class Snapshot:
    """The snapshot's officers and allegations, for the complaints asked about."""

    officers: dict[str, _Officer]
    allegations: dict[str, list[tuple[str, Allegation]]]

    def find(
        self, last_name: str, first_name: str, complaints: Iterable[str]
    ) -> LinkedOfficer | None:
        """Return the one officer of that name on those complaints, or None (none, or two)."""
        complaints = sorted(set(complaints))
        found = {
            officer_id
            for complaint in complaints
            for officer_id, _ in self.allegations.get(complaint, [])
            if self.officers[officer_id].named(last_name, first_name)
        }
        # Two namesakes on one officer's complaints: guessing could pin one's record on the other.
        if len(found) != 1:
            return None
        (officer_id,) = found
        officer = self.officers[officer_id]
        allegations = tuple(
            allegation
            for complaint in complaints
            for who, allegation in self.allegations.get(complaint, [])
            if who == officer_id
        )
        return LinkedOfficer(officer.shield, officer.rank, officer.command, allegations)


def _officer(row: list[str]) -> _Officer:
    """Read an officer row: id, command, last name, first name, rank, shield."""
    _, command, last_name, first_name, rank, shield = (c.strip() for c in row[:_OFFICER_FIELDS])
    return _Officer(last_name, first_name, rank, command, shield)


def _name_key(name: str) -> str:
    """Return a name as compared across the CCRB's files."""
    return tidy_name(name).casefold()


def read_snapshot(path: Path, complaints: set[str]) -> Snapshot:
    """Read the snapshot's allegations in the given complaints, and the officers they name."""
    try:
        with zipfile.ZipFile(path) as archive:
            allegations: dict[str, list[tuple[str, Allegation]]] = defaultdict(list)
            for row in _rows(archive, "_complaint.csv", _ALLEGATION_FIELDS):
                officer_id, complaint, _, fado_type, allegation, disposition = row[:6]
                if complaint in complaints:
                    found = Allegation(complaint, fado_type, allegation, disposition)
                    allegations[complaint].append((officer_id, found))
            named = {officer_id for found in allegations.values() for officer_id, _ in found}
            officers = {
                row[0]: _officer(row)
                for row in _rows(archive, "_officer.csv", _OFFICER_FIELDS)
                if row[0] in named
            }
    except FileNotFoundError:
        raise ListFormatError(f"{path}: no such file") from None
    except zipfile.BadZipFile as error:
        raise ListFormatError(f"{path.name}: not a zip archive ({error})") from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise ListFormatError(f"{path.name}: a member is not readable CSV ({error})") from None
    missing = named - officers.keys()
    if missing:
        raise ListFormatError(
            f"{path.name}: allegations name officer {min(missing)}, who is not listed"
        )
    return Snapshot(officers, dict(allegations))


def _rows(archive: zipfile.ZipFile, suffix: str, width: int) -> Iterator[list[str]]:
    """Yield the rows of every member named with the suffix, refusing a short row."""
    members = [name for name in archive.namelist() if name.endswith(suffix)]
    if not members:
        raise ListFormatError(f"{archive.filename}: no *{suffix} file in the archive")
    for member in members:
        with archive.open(member) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            for line, row in enumerate(csv.reader(text), start=1):
                if len(row) < width:
                    raise ListFormatError(
                        f"{member}, line {line}: {len(row)} fields where {width} are expected"
                    )
                yield row
