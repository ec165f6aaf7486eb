"""Time `custodes synth` at ten million look-ups and report wall time and peak memory.

Run: make bench-synth  (or .venv/bin/python bench/synth_scale.py --staff 20500 --days 90)
Targets (issue 2): under 60 s and under 4 GiB for 10 million look-ups on a 2-core machine.
The baseline, measured in the same run on the same machine, is the input/output floor:
reading the generated access_events back and writing it out again with pyarrow.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CUSTODES = Path(sys.executable).with_name("custodes")

BASELINE = """
import sys, pyarrow.parquet as pq
table = pq.read_table(sys.argv[1])
pq.write_table(table, sys.argv[2], compression="zstd")
print(table.num_rows)
"""


def run(cmd: list[str]) -> tuple[float, float, str]:
    """Run a command; return wall seconds, its peak resident memory in GiB, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: run the biggest job first.
    return wall, max(peak_kib, before) / 2**20, done.stdout


def main() -> None:
    """Generate, time and record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=20500)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "synth-10m")
    args = parser.parse_args()

    import pyarrow.parquet as pq

    cmd = [
        str(CUSTODES),
        "synth",
        "--staff",
        str(args.staff),
        "--days",
        str(args.days),
        "--seed",
        str(args.seed),
        "--out",
        str(args.out),
    ]
    wall, peak, _ = run(cmd)
    events = pq.ParquetFile(args.out / "access_events.parquet").metadata.num_rows
    base_wall, _, _ = run(
        [
            sys.executable,
            "-c",
            BASELINE,
            str(args.out / "access_events.parquet"),
            str(args.out.parent / "baseline-copy.parquet"),
        ]
    )
    (args.out.parent / "baseline-copy.parquet").unlink()

    result = {
        "command": " ".join(["custodes", *cmd[1:]]),
        "look_ups": events,
        "wall_seconds": round(wall, 2),
        "look_ups_per_second": round(events / wall),
        "peak_memory_gib": round(peak, 2),
        "baseline_read_write_seconds": round(base_wall, 2),
        "ratio_to_baseline": round(wall / base_wall, 2),
        "targets": {"wall_seconds": 60, "peak_memory_gib": 4},
        "met": wall < 60 and peak < 4,
        "machine": f"{platform.machine()}, {platform.python_version()}, "
        f"{len(__import__('os').sched_getaffinity(0))} cores",
        "date": time.strftime("%Y-%m-%d"),
    }
    print(f"look-ups generated      {events:>14,}")
    print(f"wall time               {wall:>14.1f} s   (target < 60 s)")
    print(f"look-ups per second     {events / wall:>14,.0f}")
    print(f"peak memory             {peak:>14.2f} GiB (target < 4 GiB)")
    print(f"baseline read+write     {base_wall:>14.1f} s   (ratio {wall / base_wall:.1f}x)")
    print("targets met" if result["met"] else "TARGET MISSED")
    (HERE / "results" / "synth_scale.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
