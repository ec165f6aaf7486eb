"""The libraries stand alone: importing them never loads Django; their public names are pinned."""

from __future__ import annotations

import subprocess
import sys

import pytest

LIBRARIES = {
    "custodes.synth": [
        "DECOY_PATTERNS",
        "MISCONDUCT_PATTERNS",
        "SynthConfig",
        "SynthResult",
        "generate",
    ],
    "custodes.audit.run": ["AuditResult", "run_audit"],
    "custodes.audit.validate": [
        "OPTIONAL_COLUMN_NOTES",
        "OPTIONAL_TABLE_NOTES",
        "Problem",
        "ValidationReport",
        "validate_extract",
    ],
    "custodes.audit.catalogue": ["Catalogue", "Signal", "load_catalogue"],
    "custodes.audit.evaluate": ["Evaluation", "evaluate_run"],
    "custodes.lists": [
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
    ],
    "custodes.linkage": [
        "PEOPLE_SCHEMA",
        "SCREEN_SCHEMA",
        "Candidate",
        "LinkageError",
        "Matcher",
        "ModelFileError",
        "PeopleTableError",
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
        "import custodes.signing\n"
        "for pkg in (custodes.audit, custodes.synth, custodes.lists, custodes.linkage):\n"
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
