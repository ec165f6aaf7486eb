"""The force extract's tables and columns, exactly as spec/force-extract.md fixes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

ColumnType = Literal["string", "bool", "date", "timestamp"]

__all__ = [
    "TABLES",
    "Column",
    "ColumnType",
    "Table",
    "arrow_schema",
    "table",
]


@dataclass(frozen=True)
class Column:
    """One column of an extract table and the rules its values obey."""

    name: str
    type: ColumnType
    nullable: bool = False
    present: Literal["required", "optional"] = "required"
    unique: bool = False
    values: frozenset[str] | None = None
    references: tuple[str, str] | None = None

    @property
    def required(self) -> bool:
        """Say whether the column must be present in its file."""
        return self.present == "required"


@dataclass(frozen=True)
class Table:
    """One table of an extract: its columns and whether the audit can run without it."""

    name: str
    required: bool
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        """Return the column called `name`."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def key(self) -> Column | None:
        """Return the table's unique id column, if it has one."""
        return next((c for c in self.columns if c.unique), None)


def _values(*names: str) -> frozenset[str]:
    return frozenset(names)


STAFF_ROLES = _values("officer", "pcso", "special", "staff", "contractor")
PERSON_SEX = _values("F", "M", "X")
INCIDENT_PERSON_ROLES = _values("victim", "suspect", "witness", "reporter", "other")
INCIDENT_STAFF_ROLES = _values(
    "attending", "investigating", "supervising", "call-handling", "reviewing"
)
ACTIONS = _values("search", "view", "print", "export", "update")
ASSOCIATION_KINDS = _values(
    "family", "partner", "former-partner", "friend", "notifiable-association"
)

_STAFF = ("staff", "user_id")
_PERSON = ("persons", "person_id")
_INCIDENT = ("incidents", "incident_id")

TABLES: tuple[Table, ...] = (
    Table(
        "staff",
        True,
        (
            Column("user_id", "string", unique=True),
            Column("force", "string"),
            Column("role", "string", values=STAFF_ROLES),
            Column("unit", "string"),
            Column("line_manager_id", "string", nullable=True, references=_STAFF),
            Column("broad_access", "bool", nullable=True, present="optional"),
        ),
    ),
    Table(
        "persons",
        True,
        (
            Column("person_id", "string", unique=True),
            Column("birth_date", "date", nullable=True),
            Column("sex", "string", nullable=True, values=PERSON_SEX),
            Column("staff_user_id", "string", nullable=True, references=_STAFF),
        ),
    ),
    Table(
        "incidents",
        True,
        (
            Column("incident_id", "string", unique=True),
            Column("kind", "string"),
            Column("opened_at", "timestamp"),
            Column("closed_at", "timestamp", nullable=True),
        ),
    ),
    Table(
        "incident_persons",
        True,
        (
            Column("incident_id", "string", references=_INCIDENT),
            Column("person_id", "string", references=_PERSON),
            Column("role", "string", values=INCIDENT_PERSON_ROLES),
        ),
    ),
    Table(
        "incident_staff",
        True,
        (
            Column("incident_id", "string", references=_INCIDENT),
            Column("user_id", "string", references=_STAFF),
            Column("role", "string", values=INCIDENT_STAFF_ROLES),
            Column("assigned_from", "timestamp", nullable=True),
            Column("assigned_to", "timestamp", nullable=True),
        ),
    ),
    Table(
        "access_events",
        True,
        (
            Column("event_id", "string", unique=True),
            Column("ts", "timestamp"),
            Column("user_id", "string", references=_STAFF),
            Column("system", "string"),
            Column("action", "string", values=ACTIONS),
            Column("person_id", "string", nullable=True, references=_PERSON),
            Column("incident_id", "string", nullable=True, references=_INCIDENT),
            Column(
                "reason_incident_id",
                "string",
                nullable=True,
                present="optional",
                references=_INCIDENT,
            ),
        ),
    ),
    Table(
        "person_markers",
        False,
        (
            Column("person_id", "string", references=_PERSON),
            Column("marker", "string"),
            Column("valid_from", "date", nullable=True),
            Column("valid_to", "date", nullable=True),
        ),
    ),
    Table(
        "shifts",
        False,
        (
            Column("user_id", "string", references=_STAFF),
            Column("start", "timestamp"),
            Column("end", "timestamp"),
        ),
    ),
    Table(
        "complaints",
        False,
        (
            Column("complaint_id", "string"),
            Column("subject_user_id", "string", references=_STAFF),
            Column("complainant_person_id", "string", nullable=True, references=_PERSON),
            Column("received_at", "timestamp"),
        ),
    ),
    Table(
        "declared_associations",
        False,
        (
            Column("user_id", "string", references=_STAFF),
            Column("person_id", "string", references=_PERSON),
            Column("kind", "string", values=ASSOCIATION_KINDS),
            Column("declared_at", "date"),
        ),
    ),
)

_BY_NAME = {t.name: t for t in TABLES}

_ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    "string": pa.string(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def table(name: str) -> Table:
    """Return the spec of the table called `name`."""
    return _BY_NAME[name]


def arrow_schema(name: str) -> pa.Schema:
    """Return the Arrow schema custodes writes the table called `name` with."""
    return pa.schema(
        [pa.field(c.name, _ARROW_TYPES[c.type], nullable=c.nullable) for c in table(name).columns]
    )
