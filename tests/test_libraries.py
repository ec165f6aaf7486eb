"""The libraries stand alone: importing them never loads Django; their public names are pinned."""

from __future__ import annotations

import subprocess
import sys

import pytest

LIBRARIES = {
    "custodes.synth": [
        "Caseload",
        "DECOY_PATTERNS",
        "Failure",
        "HistoryTruth",
        "MISCONDUCT_PATTERNS",
        "Matter",
        "Step",
        "SynthConfig",
        "SynthResult",
        "Vetting",
        "generate",
        "generate_caseload",
        "generate_history",
        "generate_vetting",
    ],
    "custodes.audit": [
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
    ],
    "custodes.audit.run": ["AuditResult", "run_audit"],
    "custodes.audit.validate": [
        "OPTIONAL_COLUMN_NOTES",
        "OPTIONAL_TABLE_NOTES",
        "Problem",
        "ValidationReport",
        "validate_added",
        "validate_extract",
    ],
    "custodes.audit.catalogue": ["Catalogue", "Signal", "load_catalogue"],
    "custodes.audit.evaluate": ["Evaluation", "evaluate_run"],
    "custodes.caserules": [
        "CATEGORY_GROUPS",
        "FINDINGS",
        "HISTORY_TABLES",
        "OUTCOME_GROUPS",
        "PROFILES",
        "PERIOD_KINDS",
        "TRIGGER_KINDS",
        "AcceleratedHearing",
        "CaseRulesError",
        "Category",
        "FactsError",
        "HistoryError",
        "HistoryMapping",
        "HistoryProblem",
        "ListReport",
        "MatterFacts",
        "NotInForce",
        "NotInProfile",
        "OutcomeOption",
        "Outcomes",
        "Panel",
        "ParamChange",
        "Profile",
        "RandomSampling",
        "Recording",
        "Referral",
        "Rule",
        "RulesFileError",
        "Severity",
        "TimelinessAccount",
        "VettingLevel",
        "VettingPeriod",
        "VettingRules",
        "VettingTrigger",
        "WorkingDays",
        "check_history",
        "history_mapping",
        "load_profile",
        "load_vetting",
        "write_history",
    ],
    "custodes.files": ["ALLOWED", "FileRefused", "ScrubberUnavailable", "scrub", "sniff"],
    "custodes.history": [
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
    ],
    "custodes.risk": [
        "HORIZON_DAYS",
        "LABELS",
        "RiskError",
        "RiskModel",
        "ScoreResult",
        "ThresholdRule",
        "describe_rule",
        "feature_list",
        "load_rules",
        "open_history",
        "rule_flags",
        "score_history",
        "score_officers",
        "snapshot_features",
        "train_model",
    ],
    "custodes.stats": [
        "ALL",
        "ALLEGATION_DIMENSIONS",
        "COUNT",
        "CellKey",
        "DisclosureError",
        "LIST_REPORT_STAGES",
        "MATTER_STAGES",
        "NOT_RECORDED",
        "Publication",
        "PublishError",
        "PublishResult",
        "Records",
        "Recovery",
        "Rule",
        "STAGES",
        "SUPPRESSED_MARK",
        "Stage",
        "TableSpec",
        "Wide",
        "WideRow",
        "age_band",
        "allegations_from_history",
        "attack",
        "build_problem",
        "days_band",
        "protect",
        "publish",
        "publish_history",
        "read_publication",
        "rule_from_options",
        "widen",
        "year_label",
    ],
    "custodes.lists": [
        "LIMITS",
        "LIST_TYPES",
        "REASON_CATEGORIES",
        "STATUSES",
        "ListFormatError",
        "ListRead",
        "ListRecord",
        "Rejected",
        "RosterPerson",
        "RosterRead",
        "Service",
        "categorise",
        "normalise_agency",
        "read_ccrb",
        "read_generic",
        "read_roster",
        "read_virginia",
        "spreadsheet_safe",
        "too_long",
    ],
    "custodes.linkage": [
        "LIKELY",
        "PEOPLE_SCHEMA",
        "SCREEN_SCHEMA",
        "WEAKER",
        "Candidate",
        "LinkageError",
        "Matcher",
        "ModelFileError",
        "PeopleConfig",
        "PeopleResult",
        "PeopleTableError",
        "generate_people",
        "people_table",
        "validate_people",
    ],
    "custodes.signing": [
        "AUDIT_RUN",
        "BadSignatureError",
        "PublicKey",
        "SigningError",
        "SigningKey",
        "TRAIL_CHECKPOINT",
        "UntrustedKeyError",
        "load_signing_key",
        "parse_public_key",
        "parse_public_keys",
        "read_json",
        "read_signing_key",
        "verify",
        "write_key_pair",
    ],
}


def test_importing_every_library_module_loads_no_django() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import custodes.audit, custodes.synth, custodes.crypto, custodes.lists, custodes.linkage\n"
        "import custodes.signing, custodes.caserules, custodes.files\n"
        "import custodes.history, custodes.risk, custodes.stats\n"
        "for pkg in (custodes.audit, custodes.synth, custodes.lists, custodes.linkage,\n"
        "            custodes.caserules, custodes.files, custodes.history, custodes.risk,\n"
        "            custodes.stats):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(f'{pkg.__name__}.{m.name}')\n"
        "print(sorted(n for n in sys.modules if n == 'django' or n.startswith('django.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(("module", "names"), sorted(LIBRARIES.items()))
def test_public_names_are_pinned(module: str, names: list[str]) -> None:
    imported = __import__(module, fromlist=["__all__"])
    assert sorted(imported.__all__) == sorted(names)


def test_linkage_stands_below_the_synthetic_force() -> None:
    # The matcher's name data and its synthetic registry live in linkage: nothing there may
    # reach up into the force generator.
    code = (
        "import importlib, pkgutil, sys\n"
        "import custodes.linkage\n"
        "for m in pkgutil.iter_modules(custodes.linkage.__path__):\n"
        "    importlib.import_module(f'custodes.linkage.{m.name}')\n"
        "print(sorted(n for n in sys.modules if n.startswith('custodes.synth')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
