"""Measure the audit's recall and precision per planted pattern at a 1% review budget.

Run: .venv/bin/python bench/audit_quality.py
Synthetic forces of several sizes and seeds (custodes synth) are audited; the staff in the top
1% of each ranking are compared with the truth written beside each extract.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from custodes.audit.evaluate import evaluate_run
from custodes.audit.run import run_audit
from custodes.synth import SynthConfig, generate

HERE = Path(__file__).resolve().parent
FORCES = [
    (1500, 60, 11),
    (1500, 60, 12),
    (2500, 45, 13),
    (1000, 90, 14),
    (2000, 90, 1),
    (4000, 60, 2),
]


def main() -> None:
    """Audit each force and print recall per pattern, precision and the explained share."""
    runs: list[dict[str, Any]] = []
    recall_sum: dict[str, float] = defaultdict(float)
    with tempfile.TemporaryDirectory() as tmp:
        for staff, days, seed in FORCES:
            extract = Path(tmp) / f"force-{seed}"
            generate(SynthConfig(staff=staff, days=days, seed=seed), extract)
            run_audit(extract, Path(tmp) / f"audit-{seed}")
            e = evaluate_run(
                extract, Path(tmp) / f"force-{seed}.truth.csv", Path(tmp) / f"audit-{seed}"
            )
            runs.append(
                {
                    "staff": staff,
                    "days": days,
                    "seed": seed,
                    "budget": e.budget,
                    "recall": e.recall,
                    "overall_recall": round(e.overall_recall, 3),
                    "precision": round(e.precision, 3),
                    "decoys_in_budget": e.decoys_in_budget,
                    "legitimate_explained": round(e.legitimate_explained, 4),
                }
            )
            for pattern, r in e.recall.items():
                recall_sum[pattern] += r
            print(json.dumps(runs[-1]), flush=True)
    summary = {
        "forces": runs,
        "mean_recall_per_pattern": {p: round(v / len(FORCES), 3) for p, v in recall_sum.items()},
        "mean_precision": round(sum(r["precision"] for r in runs) / len(runs), 3),
        "decoys_in_any_budget": sum(len(r["decoys_in_budget"]) for r in runs),
        "min_legitimate_explained": min(r["legitimate_explained"] for r in runs),
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(summary, indent=2))
    (HERE / "results" / "audit_quality.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
