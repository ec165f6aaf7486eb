"""Officer histories for the early-intervention tests: a synthetic department, and copies of a
history with later records added."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

from custodes.synth.histories import generate_history

END = dt.date(2020, 12, 31)
AS_OF = dt.date(2018, 1, 1)


def department(out: Path, *, officers: int = 1200, years: int = 10, seed: int = 5) -> Path:
    """Write B's synthetic department (known risk, leavers, events) into `out`."""
    generate_history(out, officers=officers, years=years, seed=seed, end=END)
    return out


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def append_rows(path: Path, rows: list[dict[str, str]]) -> None:
    """Add rows to a history table's CSV, its columns in the file's own order."""
    with path.open(encoding="utf-8", newline="") as handle:
        columns = next(csv.reader(handle))
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writerows({c: row.get(c, "") for c in columns} for row in rows)


def with_later_records(history: Path, out: Path, after: dt.date) -> Path:
    """Copy `history` to `out` with records dated after `after` added for officers already in
    it: allegations received later (one substantiated), a finding known later, and events."""
    shutil.copytree(history, out)
    officers = [r["officer_ref"] for r in read_rows(out / "officers.csv")]
    later = after + dt.timedelta(days=10)
    chosen = officers[:40]
    append_rows(
        out / "allegations.csv",
        [
            {
                "allegation_ref": f"LATER{i:04d}",
                "complaint_ref": f"LATERC{i:04d}",
                "officer_ref": ref,
                "received_date": (later + dt.timedelta(days=i)).isoformat(),
                "category": "Sexual harassment",
                "category_group": "sexual" if i % 2 else "force",
                "finding": "substantiated" if i % 3 == 0 else "open",
                "closed_date": (later + dt.timedelta(days=i + 30)).isoformat()
                if i % 3 == 0
                else "",
            }
            for i, ref in enumerate(chosen)
        ],
    )
    append_rows(
        out / "events.csv",
        [
            {"officer_ref": ref, "date": later.isoformat(), "kind": kind}
            for ref in chosen
            for kind in ("access-audit-alert", "registry-match", "monitored")
        ],
    )
    return out
