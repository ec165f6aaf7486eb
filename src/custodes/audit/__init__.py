"""Access audit: read and check a force extract, explain look-ups, rank staff for review."""

from __future__ import annotations

from custodes.audit.catalogue import load_catalogue
from custodes.audit.extract import read_extract_columns
from custodes.audit.manifest import ManifestError, VerifiedRun, verify_run
from custodes.audit.outputs import (
    ALERT_COLUMNS,
    ALERTS_CSV,
    ALERTS_PARQUET,
    EVIDENCE_COLUMNS,
    EVIDENCE_PARQUET,
    EXPLAINED_COLUMNS,
    EXPLAINED_CSV,
    OUTPUT_FILES,
    REPORT_HTML,
    ExplainedRow,
    RunOutputError,
    RunOutputs,
    read_run_outputs,
    refuse_marked,
    require_outputs,
    row_label,
)
from custodes.audit.schema import arrow_schema

__all__ = [
    "ALERTS_CSV",
    "ALERTS_PARQUET",
    "ALERT_COLUMNS",
    "EVIDENCE_COLUMNS",
    "EVIDENCE_PARQUET",
    "EXPLAINED_COLUMNS",
    "EXPLAINED_CSV",
    "OUTPUT_FILES",
    "REPORT_HTML",
    "ExplainedRow",
    "ManifestError",
    "RunOutputError",
    "RunOutputs",
    "VerifiedRun",
    "arrow_schema",
    "load_catalogue",
    "read_extract_columns",
    "read_run_outputs",
    "refuse_marked",
    "require_outputs",
    "row_label",
    "verify_run",
]
