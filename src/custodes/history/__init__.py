"""Officer histories (../shared/spec/officer-history.md): importers, validation and loading."""

from __future__ import annotations

from custodes.history.imports import SOURCES, import_history, validate_history
from custodes.history.load import FINDING_LAG_DAYS, load_history, serving_sql
from custodes.history.result import (
    REFUSED_FILE,
    HistoryImportError,
    ImportResult,
    Refusal,
    Unmapped,
)

__all__ = [
    "FINDING_LAG_DAYS",
    "REFUSED_FILE",
    "SOURCES",
    "HistoryImportError",
    "ImportResult",
    "Refusal",
    "Unmapped",
    "import_history",
    "load_history",
    "serving_sql",
    "validate_history",
]
