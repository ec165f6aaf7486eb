"""Evaluate early intervention the DSSG way on the CCRB records and on a synthetic department.

Run: .venv/bin/python bench/risk_eval.py [--ccrb-history DIR] [--officers 20000]

For each date T: a model trained only on what was known by T scores every officer serving at T;
the outcome is what the records hold for (T, T + 2 years]: (a) any allegation later
substantiated, (b) any allegation of sexual misconduct. Precision and recall among the top 1,
2 and 5% are set against the threshold rules (`custodes/risk/rules.toml`) at each rule's own
number flagged, and against plain counts of allegations (all time; last 12 months).

The CCRB records (../shared/data/nypd-ccrb) are imported with `custodes.history.import_history`
unless --ccrb-history names an imported folder; they end in early 2021, so T + 2 years <= 2020.
The synthetic department (`generate_history`, seed 18) knows each officer's latent risk, so
the bench also reports how many of the officers whose high risk had begun by T each ranking
puts in its top 5%.

The aim (issue 18): at the same number flagged, the model finds at least 1.30 times as many of
the officers who go on to a substantiated allegation as the best threshold rule, on the CCRB
records. "Best" is the rule whose recall comes nearest the model's at its own number flagged,
pooled over the dates, among rules that find at least 10 such officers in all; the bench
prints every rule's ratio, and PASS or MISS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from custodes.history import import_history
from custodes.risk import open_history, score_officers, train_model
from custodes.risk.evaluate import Evaluation, evaluate_history, evaluation_tables
from custodes.synth.histories import generate_history

HERE = Path(__file__).resolve().parent
# The shared real records, where the tests find them too (CUSTODES_SHARED_DATA).
DATA = Path(os.environ.get("CUSTODES_SHARED_DATA", "/work/shared/data")) / "nypd-ccrb"
CCRB_DATES = [dt.date(2012, 1, 1), dt.date(2014, 1, 1), dt.date(2016, 1, 1), dt.date(2018, 1, 1)]
SYNTH_END = dt.date(2021, 12, 31)
SYNTH_DATES = [dt.date(2014, 1, 1), dt.date(2016, 1, 1), dt.date(2018, 1, 1)]
AIM = 1.30
MIN_RULE_HITS = 10


def aim(evaluation: Evaluation) -> dict[str, Any]:
    """Return the model-to-best-rule recall ratio at the same number flagged (substantiated)."""
    pooled = [p for p in evaluation.pooled_rules("substantiated") if p["ratio"] is not None]
    measured = [p for p in pooled if p["rule_hits"] >= MIN_RULE_HITS]
    if not measured:
        return {"verdict": "not measurable", "rules": pooled}
    best = min(measured, key=lambda p: p["ratio"])
    return {
        "best_rule": best["rule"],
        "ratio": best["ratio"],
        "aim": AIM,
        "verdict": "PASS" if best["ratio"] >= AIM else "MISS",
        "rules": pooled,
    }


def known_risk(history: Path, truth: Any, dates: list[dt.date]) -> list[dict[str, Any]]:
    """Return, per date, the share of the officers whose high risk had begun that the model's
    and the count's top 5% hold."""
    rows = []
    con = open_history(history)
    for day in dates:
        ranked = score_officers(con, train_model(con, day), day, reasons=False)
        refs = ranked["officer_ref"].astype(str).tolist()
        n = math.ceil(len(refs) * 0.05)
        high = truth.high_risk_at(day) & set(refs)
        by_count = (
            ranked.sort_values(
                ["allegations_all", "allegations_12m", "officer_ref"],
                ascending=[False, False, True],
            )["officer_ref"]
            .astype(str)
            .tolist()
        )
        by_recent = (
            ranked.sort_values(
                ["allegations_12m", "allegations_all", "officer_ref"],
                ascending=[False, False, True],
            )["officer_ref"]
            .astype(str)
            .tolist()
        )
        rows.append(
            {
                "as_of": day.isoformat(),
                "officers": len(refs),
                "high_risk": len(high),
                "top_5pct": n,
                "model": len(set(refs[:n]) & high),
                "allegations all time": len(set(by_count[:n]) & high),
                "allegations last 12 months": len(set(by_recent[:n]) & high),
            }
        )
    return rows


def print_aim(result: dict[str, Any]) -> None:
    print(
        "\nThe aim, substantiated, pooled over the dates (model hits / rule hits at the rule's n):"
    )
    for p in sorted(result["rules"], key=lambda p: p["ratio"]):
        print(
            f"  {p['rule']:32s} flagged {p['flagged']:6,}  rule {p['rule_hits']:5,}  "
            f"model {p['model_hits']:5,}  ratio {p['ratio']:.2f}"
        )
    if "ratio" in result:
        print(
            f"best threshold rule: {result['best_rule']}; model / rule recall = "
            f"{result['ratio']:.2f} (aim >= {AIM:.2f}): {result['verdict']}"
        )
    else:
        print(f"aim: {result['verdict']}")


def main() -> None:
    """Run both evaluations and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ccrb-history", type=Path, default=None)
    parser.add_argument("--officers", type=int, default=20_000)
    parser.add_argument("--skip-synthetic", action="store_true")
    args = parser.parse_args()
    out: dict[str, Any] = {}
    markdown = []
    with tempfile.TemporaryDirectory(prefix="risk-eval-") as tmp:
        history = args.ccrb_history
        if history is None:
            history = Path(tmp) / "ccrb"
            files = [
                DATA / "ccrb-2021-03-20.zip",
                DATA / "ccrb-penalties.csv",
                DATA / "departure-letters.json",
            ]
            imported = import_history("ccrb", files, history)
            print(f"imported the CCRB records: {imported.counts}")
        t = time.perf_counter()
        ccrb = evaluate_history(
            open_history(history),
            CCRB_DATES,
            on_step=lambda s: print(f"  {time.perf_counter() - t:5.0f}s {s}"),
        )
        tables = evaluation_tables(ccrb)
        print("\n## CCRB records\n")
        print(tables)
        result = aim(ccrb)
        print_aim(result)
        out["ccrb"] = {"results": ccrb.results, "aim": result, "seconds": time.perf_counter() - t}
        markdown += ["## CCRB records", "", tables]
        if not args.skip_synthetic:
            synthetic = Path(tmp) / "synthetic"
            truth = generate_history(
                synthetic, officers=args.officers, years=20, seed=18, end=SYNTH_END, fmt="parquet"
            )
            t = time.perf_counter()
            synth = evaluate_history(
                open_history(synthetic),
                SYNTH_DATES,
                on_step=lambda s: print(f"  {time.perf_counter() - t:5.0f}s {s}"),
            )
            tables = evaluation_tables(synth)
            print(f"\n## Synthetic department ({args.officers:,} officers, 20 years)\n")
            print(tables)
            synth_aim = aim(synth)
            print_aim(synth_aim)
            latent = known_risk(synthetic, truth, SYNTH_DATES)
            print("\nOfficers whose high risk had begun by T, found in each ranking's top 5%:")
            for row in latent:
                print(
                    f"  {row['as_of']}: {row['high_risk']:,} high-risk of {row['officers']:,}; "
                    f"top 5% ({row['top_5pct']:,}) holds model {row['model']}, "
                    f"all-time count {row['allegations all time']}, "
                    f"12-month count {row['allegations last 12 months']}"
                )
            out["synthetic"] = {
                "officers": args.officers,
                "results": synth.results,
                "aim": synth_aim,
                "known_risk": latent,
            }
            markdown += [f"## Synthetic department ({args.officers:,} officers)", "", tables]
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "risk_eval.json").write_text(
        json.dumps(out, indent=2) + "\n", encoding="utf-8"
    )
    (HERE / "results" / "risk_eval.md").write_text("\n".join(markdown) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
