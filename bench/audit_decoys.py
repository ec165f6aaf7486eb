"""Count who fills the 1% review budget across 22 synthetic forces, with and without "nearby".

Run: .venv/bin/python bench/audit_decoys.py
The six forces of audit_quality.py, eight more used while choosing the 30-minute window, and
eight held out from that choice. Each force is audited twice in the same run: with the
"nearby" explanation (a look-up nothing else explains, made within 30 minutes of one the
user's own assignment explains) and with it turned off. Printed per kind of staff: how many
there are and how many the budget reaches: planted misconduct, each kind of decoy, staff who
manage others (sergeants and above), and everyone else.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from pathlib import Path

import duckdb

from audit_quality import FORCES
from custodes.audit.config import AuditConfig
from custodes.audit.run import run_audit
from custodes.synth import SynthConfig, generate

HERE = Path(__file__).resolve().parent
SHOWN = FORCES
TUNED = [(3000, 60, 21), (3000, 60, 22), (4000, 60, 23), (4000, 45, 24)]
TUNED += [(2500, 90, 25), (3500, 60, 26), (5000, 60, 27), (4000, 90, 28)]
HELD_OUT = [(3000, 60, 31), (2000, 90, 32), (4000, 60, 33), (4500, 45, 34)]
HELD_OUT += [(3000, 90, 35), (5000, 60, 36), (2500, 60, 37), (4000, 60, 38)]

KINDS = """
SELECT coalesce(t.pattern, CASE WHEN s.user_id IN (SELECT line_manager_id FROM '{x}/staff.parquet')
                                THEN 'manages others' ELSE 'everyone else' END) AS kind,
       count(*) AS staff, count(*) FILTER (WHERE a.rank <= {budget}) AS in_budget
FROM '{x}/staff.parquet' s
LEFT JOIN read_csv('{truth}') t USING (user_id)
LEFT JOIN '{run}/alerts.parquet' a USING (user_id)
GROUP BY 1
"""


def main() -> None:
    """Audit each force with and without nearby; print who the review budget reaches."""
    con = duckdb.connect()
    totals: dict[str, dict[str, Counter[str]]] = {}
    decoys: dict[str, list[str]] = {"nearby": [], "off": []}
    with tempfile.TemporaryDirectory() as tmp:
        for group, forces in (("shown", SHOWN), ("tuned", TUNED), ("held out", HELD_OUT)):
            for staff, days, seed in forces:
                x = Path(tmp) / f"force-{seed}"
                generate(SynthConfig(staff=staff, days=days, seed=seed), x)
                for label, config in (("nearby", AuditConfig()), ("off", AuditConfig(nearby=0))):
                    run = Path(tmp) / f"audit-{seed}-{label}"
                    run_audit(x, run, config=config)
                    sql = KINDS.format(
                        x=x, truth=f"{x}.truth.csv", run=run, budget=config.budget(staff)
                    )
                    into = totals.setdefault(label, {}).setdefault(group, Counter())
                    for kind, n, reached in con.execute(sql).fetchall():
                        into[f"{kind}: staff"] += n
                        into[f"{kind}: in budget"] += reached
                        if kind.startswith("decoy") and reached:
                            decoys[label].append(f"seed {seed} ({group}): {reached} {kind}")
                print(f"force {seed} done", flush=True)
    result = {
        "budget": "1% of staff",
        "totals": {
            lab: {g: dict(sorted(c.items())) for g, c in t.items()} for lab, t in totals.items()
        },
        "decoys_in_budget": decoys,
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(result, indent=2))
    (HERE / "results" / "audit_decoys.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
