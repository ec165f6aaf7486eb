"""docs/configuration.md names every environment variable the code reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# env.string("NAME", ...), load_secret(env, "NAME", ...), os.environ.get("NAME", ...)
READS = re.compile(
    r"""(?:\benv\.\w+\(\s*|load_secret\(\s*env,\s*|os\.environ\.get\(\s*)"([A-Z][A-Z0-9_]+)\""""
)


def read_variables() -> set[str]:
    """Return every environment variable a module under src/ reads."""
    found: set[str] = set()
    for path in (ROOT / "src" / "custodes").rglob("*.py"):
        found |= set(READS.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_scan_finds_the_settings_it_must() -> None:
    # A scan that found nothing would pass the test below whatever the page says.
    assert {"DATABASE_URL", "CUSTODES_MODE", "CUSTODES_TRAIL_KEY", "CUSTODES_SPARK_MASTER"} <= (
        read_variables()
    )


def test_every_variable_read_is_documented() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", page))
    assert read_variables() - documented == set()
