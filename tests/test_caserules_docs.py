"""The documents about the case rules say what the rules files hold."""

from __future__ import annotations

import re
from pathlib import Path

from custodes.caserules import PROFILES, load_profile
from custodes.caserules.listing import markdown

ROOT = Path(__file__).resolve().parents[1]


def test_the_rules_tables_in_the_docs_are_the_rules_files() -> None:
    doc = (ROOT / "docs" / "caserules.md").read_text(encoding="utf-8")
    # Regenerate with `python -m custodes.caserules.listing docs/caserules.md`.
    assert markdown() in doc


def test_the_readme_gives_each_profiles_figures() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in PROFILES:
        profile = load_profile(name)
        cases = sum(len(rule.cases) for rule in profile.rules)
        row = re.search(rf"^\| `{name}` \| (\d+) \| (\d+) \|", readme, flags=re.MULTILINE)
        assert row is not None, name
        assert (int(row[1]), int(row[2])) == (len(profile.rules), cases), name
