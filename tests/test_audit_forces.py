"""A national extract holds several forces: a team, and peers, belong to one force."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from custodes.audit.run import run_audit
from tests.audit_cases import case_extract

# u1 (force XF, unit response-1) looks up p1 during a job that x1 attended, not u1.
CASE = {
    "persons": [{"id": "p1", "sex": "M", "age": 40}],
    "assignments": [{"incident": "i1", "persons": ["p1"], "day": 2, "hours": 4}],
    "lookups": [{"day": 2, "hour": 1, "person": "p1"}],
}


def _give_the_job_to(extract: Path, force: str) -> None:
    """Add x1 in `force`'s unit response-1 and make them, not u1, the one assigned."""
    staff = pq.read_table(extract / "staff.parquet")
    x1 = {**staff.slice(0, 1).to_pylist()[0], "user_id": "x1", "force": force}
    assert x1["unit"] == "response-1"
    pq.write_table(
        pa.Table.from_pylist([*staff.to_pylist(), x1], staff.schema), extract / "staff.parquet"
    )
    assigned = pq.read_table(extract / "incident_staff.parquet")
    rows = [{**r, "user_id": "x1"} for r in assigned.to_pylist()]
    pq.write_table(pa.Table.from_pylist(rows, assigned.schema), extract / "incident_staff.parquet")


@pytest.mark.parametrize(("force", "explained_by"), [("XF", "team"), ("YF", "none")])
def test_only_a_colleague_of_the_same_force_explains_a_look_up(
    tmp_path: Path, force: str, explained_by: str
) -> None:
    extract = case_extract(tmp_path / "x", CASE)
    _give_the_job_to(extract, force)
    run_audit(extract, tmp_path / "out")
    with (tmp_path / "out" / "explained.csv").open(encoding="utf-8") as f:
        (overall,) = [r for r in csv.DictReader(f) if r["system"] == "ALL"]
    assert overall["look_ups"] == "1"
    assert overall[f"by_{explained_by}"] == "1"
