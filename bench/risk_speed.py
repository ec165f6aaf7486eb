"""Time early intervention's train-and-score on 50,000 officers over 20 years.

Run: .venv/bin/python bench/risk_speed.py [--officers 50000] [--years 20] [--rounds 3]

The department is custodes' synthetic one (`custodes.synth.histories.generate_history`, seed
18), written as Parquet. Timed, as `custodes risk score` does it without its output files:
loading the history into DuckDB, the features of every past snapshot, training and
calibrating LightGBM, and scoring every officer serving at the last day with their reasons
(TreeSHAP). The baseline, timed in the same round on the same connection, is the naive ranking
an early-warning system without a model uses: every serving officer by their count of
allegations (all time, then the last 12 months). The aim (issue 18): train-and-score under 60 s.
The machine is shared, so the figures are medians over rounds, with their range.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from custodes.history import load_history, serving_sql
from custodes.risk import score_officers, train_model
from custodes.synth.histories import generate_history

HERE = Path(__file__).resolve().parent
END = dt.date(2021, 12, 31)
AIM_SECONDS = 60.0

COUNT_RANKING = f"""
    SELECT s.officer_ref,
           count(a.received_date) AS allegations,
           count(a.received_date) FILTER (WHERE a.received_date > $as_of - INTERVAL 365 DAY)
             AS recent
    FROM ({serving_sql()}) s
    LEFT JOIN allegations a ON a.officer_ref = s.officer_ref AND a.received_date <= $as_of
    GROUP BY s.officer_ref
    ORDER BY allegations DESC, recent DESC, s.officer_ref
"""


def one_round(history: Path) -> dict[str, float]:
    """Time the load, the baseline and the model's train-and-score once each."""
    started = time.perf_counter()
    con = duckdb.connect()
    load_history(history, con)
    loaded = time.perf_counter()
    ranked = con.execute(COUNT_RANKING, {"as_of": END}).fetchall()
    baseline = time.perf_counter()
    model = train_model(con, END)
    trained = time.perf_counter()
    scored = score_officers(con, model, END)
    done = time.perf_counter()
    assert len(scored) == len(ranked)
    return {
        "load_s": loaded - started,
        "baseline_s": baseline - loaded,
        "train_s": trained - baseline,
        "score_s": done - trained,
        "train_and_score_s": done - baseline,
        "officers_scored": float(len(scored)),
    }


def main() -> None:
    """Generate the department, time the rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=50_000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="risk-speed-") as tmp:
        history = Path(tmp) / "history"
        t = time.perf_counter()
        generate_history(
            history, officers=args.officers, years=args.years, seed=18, end=END, fmt="parquet"
        )
        generated = time.perf_counter() - t
        con = duckdb.connect()
        counts = load_history(history, con)
        con.close()
        rounds = [one_round(history) for _ in range(args.rounds)]
    figures: dict[str, Any] = {}
    for key in rounds[0]:
        values = [r[key] for r in rounds]
        figures[key] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
    total = figures["train_and_score_s"]["median"]
    ratio = total / figures["baseline_s"]["median"]
    verdict = "PASS" if total < AIM_SECONDS else "MISS"
    print(
        f"department: {args.officers:,} officers over {args.years} years "
        f"({counts['allegations']:,} allegations, {counts['events']:,} events), generated in "
        f"{generated:.1f}s; {int(figures['officers_scored']['median']):,} serving on {END}"
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs; {args.rounds} rounds, medians "
        "(min-max)"
    )
    for key, label in (
        ("load_s", "load the history"),
        ("baseline_s", "baseline: count-of-allegations ranking"),
        ("train_s", "train + calibrate (6 snapshots)"),
        ("score_s", "score every serving officer with reasons"),
        ("train_and_score_s", "train and score"),
    ):
        f = figures[key]
        print(f"  {label:45s} {f['median']:7.2f}s ({f['min']:.2f}-{f['max']:.2f})")
    print(
        f"train-and-score is {ratio:,.0f}x the baseline's time; aim < {AIM_SECONDS:.0f}s: "
        f"{verdict} ({total:.1f}s)"
    )
    out = {
        "officers": args.officers,
        "years": args.years,
        "allegations": counts["allegations"],
        "events": counts["events"],
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "figures": figures,
        "ratio_to_baseline": ratio,
        "aim_seconds": AIM_SECONDS,
        "verdict": verdict,
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "risk_speed.json").write_text(
        json.dumps(out, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
