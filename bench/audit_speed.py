"""Time the access audit on 10 million (or 100 million) look-ups against a plain DuckDB baseline.

Run: .venv/bin/python bench/audit_speed.py --size 10m      (or --size 100m)

The baseline, measured in the same round on the same extract, is one DuckDB query: look-ups
left-joined to the incident assignments of the same user and person with the time-window
condition (1 day before to 7 days after), grouped per look-up. The aims (issue 4): the
explanation stage at least 3x faster than the baseline; the whole audit (explanation, signals,
scoring, outputs) no slower than the baseline alone; 100 million look-ups in under 6 GiB of
memory. Both readings of "whole" are printed: the four stages the aim names, and the command
end to end (which also validates the extract and codes its ids).

This machine is shared, and one pair of runs can differ from the next by a third. So the
baseline and the audit run in rounds, one after the other (five at 10m), each ratio is
taken within its round, and the figures are the medians over the rounds, with their range.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PY = sys.executable

BASELINE = """
import sys, duckdb
d = sys.argv[1]
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
con.execute("SET memory_limit = '4GB'")
con.execute("SET enable_progress_bar = false")
print(con.execute(f'''
WITH a AS (
  SELECT ip.person_id, s.user_id,
         coalesce(s.assigned_from, i.opened_at) - INTERVAL 1 DAY AS lo,
         coalesce(s.assigned_to, i.closed_at, TIMESTAMPTZ '9999-12-31') + INTERVAL 7 DAY AS hi
  FROM '{d}/incident_staff.parquet' s
  JOIN '{d}/incident_persons.parquet' ip USING (incident_id)
  JOIN '{d}/incidents.parquet' i USING (incident_id))
SELECT count(*), count(*) FILTER (WHERE explained) FROM (
  SELECT e.event_id, bool_or(a.user_id IS NOT NULL) AS explained
  FROM '{d}/access_events.parquet' e
  LEFT JOIN a ON a.user_id = e.user_id AND a.person_id = e.person_id AND e.ts BETWEEN a.lo AND a.hi
  GROUP BY e.event_id)
''').fetchall())
"""

AUDIT = """
import json, sys
from pathlib import Path
from typing import Any
from custodes.audit.run import run_audit
result = run_audit(Path(sys.argv[1]), Path(sys.argv[2]), memory_limit=sys.argv[3] or None)
print(json.dumps({"stages": result.stage_seconds, "look_ups": result.look_ups}))
"""


def run(cmd: list[str]) -> tuple[float, float, str]:
    """Run a command alone; return wall seconds, its peak resident memory in GiB, and stdout."""
    wrapped = [
        PY,
        "-c",
        (
            "import resource, subprocess, sys, json, time;"
            "t = time.perf_counter();"
            "p = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
            "w = time.perf_counter() - t;"
            "m = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
            "sys.stderr.write(p.stderr[-3000:]);"
            "print(json.dumps({'wall': w, 'kib': m, 'out': p.stdout, 'rc': p.returncode}))"
        ),
        *cmd,
    ]
    done = subprocess.run(wrapped, capture_output=True, text=True, check=True)
    info = json.loads(done.stdout.strip().splitlines()[-1])
    if info["rc"] != 0:
        raise SystemExit(f"{cmd[:3]} failed:\n{done.stderr}")
    return float(info["wall"]), info["kib"] / 2**20, str(info["out"])


def make_10m(folder: Path) -> None:
    """Generate one synthetic force of about ten million look-ups."""
    from custodes.synth import SynthConfig, generate

    generate(SynthConfig(staff=20500, days=90, seed=1), folder)


def quote(name: str) -> str:
    """Return a column name quoted for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def make_100m(folder: Path) -> None:
    """Generate ten forces of ten million look-ups and join them, as a national body holds them."""
    import duckdb

    from custodes.audit.schema import TABLES
    from custodes.synth import SynthConfig, generate

    parts = Path(tempfile.mkdtemp(prefix="forces-", dir=folder.parent))
    for k in range(1, 11):
        generate(SynthConfig(staff=20500, days=90, seed=k, force=f"F{k:02d}"), parts / f"f{k}")
        print(f"  force {k} of 10 generated", flush=True)
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET memory_limit = '4GB'")
    con.execute("SET preserve_insertion_order = false")
    for spec in TABLES:
        ids = {
            c.name
            for c in spec.columns
            if c.type == "string" and (c.unique or c.references or c.name in ("complaint_id",))
        }
        selects = []
        for k in range(1, 11):
            cols = ", ".join(
                f"'F{k:02d}-' || {quote(c.name)} AS {quote(c.name)}"
                if c.name in ids
                else quote(c.name)
                for c in spec.columns
            )
            selects.append(f"SELECT {cols} FROM '{parts}/f{k}/{spec.name}.parquet'")
        con.execute(
            f"COPY ({' UNION ALL '.join(selects)}) TO '{folder}/{spec.name}.parquet' "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
    subprocess.run(["rm", "-rf", str(parts)], check=True)


# What each round measures, in seconds and as ratios to its own baseline.
SECONDS = ("baseline_seconds", "audit_seconds", "named_stages_seconds")
RATIOS = ("explain_speedup_vs_baseline", "named_stages_vs_baseline", "audit_vs_baseline")


def one_round(extract: Path, out: Path, memory_limit: str) -> dict[str, Any]:
    """Time the baseline, then the audit, once each on the same extract."""
    base_wall, base_mem, base_out = run([PY, "-c", BASELINE, str(extract)])
    audit_wall, audit_mem, audit_out = run([PY, "-c", AUDIT, str(extract), str(out), memory_limit])
    info = json.loads(audit_out.strip().splitlines()[-1])
    stages = info["stages"]
    explain = stages["explain"]
    named = sum(stages[k] for k in ("explain", "signals", "score", "outputs"))
    return {
        "look_ups": int(info["look_ups"]),
        "baseline_seconds": round(base_wall, 2),
        "baseline_peak_gib": round(base_mem, 2),
        "baseline_result": base_out.strip(),
        "audit_seconds": round(audit_wall, 2),
        "audit_peak_gib": round(audit_mem, 2),
        "stage_seconds": {k: round(v, 2) for k, v in stages.items()},
        "named_stages_seconds": round(named, 2),
        "explain_speedup_vs_baseline": round(base_wall / explain, 2),
        "named_stages_vs_baseline": round(named / base_wall, 2),
        "audit_vs_baseline": round(audit_wall / base_wall, 2),
    }


def main() -> None:
    """Build the extract if needed, then time the baseline and the audit on it, in rounds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["10m", "100m"], default="10m")
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB memory limit for the audit")
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="rounds of baseline then audit, figures their medians (5 at 10m, 1 at 100m)",
    )
    args = parser.parse_args()
    rounds = args.rounds or (5 if args.size == "10m" else 1)
    out = HERE / "out"
    extract = out / f"audit-{args.size}"
    if not (extract / "access_events.parquet").exists():
        print(f"generating the {args.size} extract in {extract} …", flush=True)
        (make_10m if args.size == "10m" else make_100m)(extract)

    done = []
    for k in range(rounds):
        done.append(one_round(extract, out / f"audit-{args.size}-run", args.memory_limit))
        print(f"round {k + 1} of {rounds}: {json.dumps(done[-1])}", flush=True)

    def median(key: str) -> float:
        return round(float(statistics.median(r[key] for r in done)), 2)

    look_ups = done[0]["look_ups"]
    stage_names = list(done[0]["stage_seconds"])
    result = {
        "size": args.size,
        "look_ups": look_ups,
        "rounds": rounds,
        "medians": {
            **{key: median(key) for key in (*SECONDS, *RATIOS)},
            "stage_seconds": {
                name: round(statistics.median(r["stage_seconds"][name] for r in done), 2)
                for name in stage_names
            },
            "look_ups_per_second": round(look_ups / median("audit_seconds")),
        },
        "ranges": {key: [min(r[key] for r in done), max(r[key] for r in done)] for key in RATIOS},
        "peak_gib": {
            "baseline": max(r["baseline_peak_gib"] for r in done),
            "audit": max(r["audit_peak_gib"] for r in done),
        },
        "each_round": done,
        "aims": {
            "explain_speedup_at_least": 3.0,
            "audit_vs_baseline_at_most": 1.0,
            "peak_gib_under_for_100m": 6.0,
        },
        "machine": f"{platform.machine()}, Python {platform.python_version()}, "
        f"{len(os.sched_getaffinity(0))} cores",
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps({k: v for k, v in result.items() if k != "each_round"}, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"audit_speed_{args.size}.json").write_text(
        json.dumps(result, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
