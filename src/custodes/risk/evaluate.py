"""Evaluation the DSSG way: train on what was known by T, score at T, count what came after.

For each date T and each outcome: a model is trained only on what the history knew by T, every
officer serving at T is scored, and the outcome is what happened in (T, T + horizon] as the
history now records it. The model's top 1, 2 and 5% are set against each threshold rule at the
same number flagged, and against plain counts of allegations (all time, last 12 months); flag
rates and precision are broken down by sex and race where the history records them, by rank
otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate
from sklearn.metrics import precision_score, recall_score

from custodes.folders import swap_folder
from custodes.risk.errors import RiskError
from custodes.risk.features import make_snapshots
from custodes.risk.metrics import SHARES, at_n, ranking_metrics, top_n
from custodes.risk.model import HORIZON_DAYS, LABELS, labels_sql, train_model
from custodes.risk.rules import ThresholdRule, load_rules, rule_flags
from custodes.risk.score import score_officers

__all__ = [
    "FAIRNESS_SHARE",
    "Evaluation",
    "evaluate_history",
    "evaluation_tables",
    "outcomes_at",
    "write_evaluation",
]

#: The share of officers flagged when flag rates and precision are compared across groups.
FAIRNESS_SHARE = 0.05
# The evaluation's outcome uses everything the history now records.
_NOW = dt.date(9999, 12, 31)


@dataclass
class Evaluation:
    """The evaluation's results, one entry per (date, outcome), and the pooled comparison."""

    horizon_days: int
    results: list[dict[str, Any]] = field(default_factory=list)

    def pooled_rules(self, label: str) -> list[dict[str, Any]]:
        """Return, per rule, the model's and the rule's hits summed over every date, at the
        rule's own number flagged; the ratio is the model's recall over the rule's."""
        pooled: dict[str, dict[str, Any]] = {}
        for result in self.results:
            if result["label"] != label or "skipped" in result:
                continue
            for rule in result["rules"]:
                entry = pooled.setdefault(
                    rule["rule"],
                    {
                        "rule": rule["rule"],
                        "flagged": 0,
                        "rule_hits": 0,
                        "model_hits": 0,
                        "outcomes": 0,
                    },
                )
                entry["flagged"] += rule["n"]
                entry["rule_hits"] += rule["rule_hits"]
                entry["model_hits"] += rule["model_hits"]
                entry["outcomes"] += result["with_outcome"]
        for entry in pooled.values():
            entry["ratio"] = (
                entry["model_hits"] / entry["rule_hits"] if entry["rule_hits"] else None
            )
        return list(pooled.values())

    def pooled_tops(self, label: str) -> list[dict[str, Any]]:
        """Return, per ranking (the model, the counts, each rule then the count), the officers
        it found among its top 1, 2 and 5% summed over every date, with the pooled recall."""
        pooled: dict[str, dict[str, Any]] = {}
        for result in self.results:
            if result["label"] != label or "skipped" in result:
                continue
            rankings = {"model": result["model"], **result["baselines"]}
            for name, tops in rankings.items():
                entry = pooled.setdefault(name, {"ranking": name, "outcomes": 0})
                entry["outcomes"] += result["with_outcome"]
                for key in ("top_1pct", "top_2pct", "top_5pct"):
                    entry[key] = entry.get(key, 0) + tops[key]["hits"]
        for entry in pooled.values():
            for key in ("top_1pct", "top_2pct", "top_5pct"):
                entry[f"{key}_recall"] = entry[key] / entry["outcomes"] if entry["outcomes"] else 0
        return list(pooled.values())


def outcomes_at(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, label: str, horizon_days: int
) -> dict[str, bool]:
    """Return, for every officer serving at `as_of`, whether the outcome came in the horizon,
    by everything the history now records."""
    make_snapshots(con, [as_of])
    rows = con.execute(labels_sql(label), {"horizon": horizon_days, "known_by": _NOW}).fetchall()
    return {str(ref): bool(hit) for ref, _, hit in rows}


def _fairness(
    frame: pd.DataFrame, flagged: np.ndarray[Any, Any], outcome: np.ndarray[Any, Any]
) -> dict[str, list[dict[str, Any]]]:
    """Return flag rate, precision and recall by sex and race where recorded, else by rank."""
    recorded = [c for c in ("sex", "race") if frame[c].notna().mean() >= 0.5]
    out: dict[str, list[dict[str, Any]]] = {}
    for column in recorded or ["rank"]:
        groups = frame[column].fillna("not recorded").astype(str).to_numpy()
        metrics = MetricFrame(
            metrics={
                "flag_rate": selection_rate,
                "precision": lambda t, p: precision_score(t, p, zero_division=0),
                "recall": lambda t, p: recall_score(t, p, zero_division=0),
            },
            y_true=outcome.astype(int),
            y_pred=flagged.astype(int),
            sensitive_features=pd.Series(groups, name=column),
        )
        table = metrics.by_group
        sizes = pd.Series(groups).value_counts()
        out[column] = [
            {
                "group": str(group),
                "officers": int(sizes[group]),
                "flagged": int(flagged[groups == group].sum()),
                "with_outcome": int(outcome[groups == group].sum()),
                "flag_rate": float(table.loc[group, "flag_rate"]),
                "precision": float(table.loc[group, "precision"]),
                "recall": float(table.loc[group, "recall"]),
            }
            for group in sorted(sizes.index, key=lambda g: -int(sizes[g]))
        ]
    return out


def _evaluate_one(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    label: str,
    horizon_days: int,
    rules: Sequence[ThresholdRule],
    flags: dict[str, set[str]],
    say: Callable[[str], None],
) -> dict[str, Any]:
    say(f"{as_of} · {label}: training on what was known by {as_of}")
    model = train_model(con, as_of, label, horizon_days=horizon_days)
    say(f"{as_of} · {label}: scoring and counting what came after")
    scored = score_officers(con, model, as_of, reasons=False)
    happened = outcomes_at(con, as_of, label, horizon_days)
    refs = scored["officer_ref"].astype(str).tolist()
    outcome = np.array([happened.get(r, False) for r in refs], dtype=bool)
    # `scored` is already in the model's order.
    model_order = np.arange(len(refs))
    result: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "label": label,
        "officers": len(refs),
        "with_outcome": int(outcome.sum()),
        "trained_on": [d.isoformat() for d in model.trained_on],
        "model": ranking_metrics(-np.arange(len(refs), dtype=float), outcome, refs),
    }
    counts_all = scored["allegations_all"].to_numpy(dtype=float)
    counts_12 = scored["allegations_12m"].to_numpy(dtype=float)
    # Ties in a count are broken by the other count, then by officer_ref: the best a plain
    # count can do without a model.
    baselines = {
        "allegations all time": np.lexsort((np.array(refs), -counts_12, -counts_all)),
        "allegations last 12 months": np.lexsort((np.array(refs), -counts_all, -counts_12)),
    }
    # Each threshold rule as a ranking, so it can be set against the model at the top 1, 2 and
    # 5% too: the officers it flags first, then everyone else, each part in the order of the
    # 12-month count (then the whole record's) — the rule with the best tie-break a plain count
    # can give it.
    ref_array = np.array(refs)
    for rule in rules:
        # A rule that flags no one at T is the count alone there: kept, so every date pools.
        meets = np.array([r in flags.get(rule.id, set()) for r in refs], dtype=bool)
        baselines[f"rule {rule.id}, then count"] = np.lexsort(
            (ref_array, -counts_all, -counts_12, ~meets)
        )
    result["baselines"] = {
        name: {
            f"top_{round(s * 100)}pct": at_n(order, outcome, top_n(len(refs), s)) for s in SHARES
        }
        for name, order in baselines.items()
    }
    positives = {r for r, hit in zip(refs, outcome, strict=True) if hit}
    result["rules"] = []
    for rule in rules:
        flagged = flags.get(rule.id, set())
        n = len(flagged)
        model_hits = at_n(model_order, outcome, n)["hits"] if n else 0
        rule_hits = len(flagged & positives)
        total = int(outcome.sum())
        result["rules"].append(
            {
                "rule": rule.id,
                "title": rule.title,
                "n": n,
                "rule_hits": rule_hits,
                "model_hits": model_hits,
                "rule_precision": rule_hits / n if n else 0.0,
                "model_precision": model_hits / n if n else 0.0,
                "rule_recall": rule_hits / total if total else 0.0,
                "model_recall": model_hits / total if total else 0.0,
            }
        )
    people = (
        con.execute("SELECT officer_ref, sex, race, rank FROM officers")
        .df()
        .set_index("officer_ref")
    )
    frame = people.reindex(refs)
    flagged_top = np.zeros(len(refs), dtype=bool)
    flagged_top[: top_n(len(refs), FAIRNESS_SHARE)] = True
    result["fairness"] = {
        "share_flagged": FAIRNESS_SHARE,
        "by": _fairness(frame.reset_index(drop=True), flagged_top, outcome),
    }
    return result


def evaluate_history(
    con: duckdb.DuckDBPyConnection,
    dates: Sequence[dt.date],
    *,
    labels: Sequence[str] = LABELS,
    horizon_days: int = HORIZON_DAYS,
    rules: Sequence[ThresholdRule] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Evaluation:
    """Evaluate the score at each of `dates` for each outcome in `labels` (see the module)."""
    say = on_step or (lambda _: None)
    for label in labels:
        if label not in LABELS:
            raise RiskError(f"{label!r} is not a label; use one of: {', '.join(LABELS)}")
    last = con.execute("SELECT max(received_date) FROM allegations").fetchall()[0][0]
    for day in dates:
        end = day + dt.timedelta(days=horizon_days)
        if last is None or end > last:
            raise RiskError(
                f"the history's last allegation was received {last}: the {horizon_days} days "
                f"after {day} (to {end}) are not all in it; choose an earlier date"
            )
    rules = tuple(load_rules() if rules is None else rules)
    evaluation = Evaluation(horizon_days=horizon_days)
    for day in sorted(set(dates)):
        flags = rule_flags(con, rules, day)
        for label in labels:
            try:
                result = _evaluate_one(con, day, label, horizon_days, rules, flags, say)
            except RiskError as exc:
                # An outcome the records hold no example of before T (the CCRB's sexual
                # misconduct category begins in 2018) cannot be learned at T: said, not hidden.
                happened = outcomes_at(con, day, label, horizon_days)
                result = {
                    "as_of": day.isoformat(),
                    "label": label,
                    "officers": len(happened),
                    "with_outcome": sum(happened.values()),
                    "skipped": str(exc),
                }
                say(f"{day} · {label}: not evaluated: {exc}")
            evaluation.results.append(result)
    return evaluation


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def evaluation_tables(evaluation: Evaluation) -> str:
    """Return the evaluation as Markdown tables."""
    lines = [f"Outcome window: {evaluation.horizon_days} days after each date.", ""]
    for label in dict.fromkeys(r["label"] for r in evaluation.results):
        results = [r for r in evaluation.results if r["label"] == label and "skipped" not in r]
        lines += [f"### Outcome: {label}", ""]
        lines += [
            f"Not evaluated at {r['as_of']} ({r['with_outcome']:,} of {r['officers']:,} officers "
            f"had the outcome): {r['skipped']}"
            for r in evaluation.results
            if r["label"] == label and "skipped" in r
        ]
        if not results:
            lines.append("")
            continue
        lines.append(
            "| as of | officers | with outcome | ranking | top 1% P / R | top 2% P / R "
            "| top 5% P / R |"
        )
        lines.append("|---|---|---|---|---|---|---|")
        for r in results:
            rankings = {
                "model": {k: v for k, v in r["model"].items() if k.startswith("top_")},
                **r["baselines"],
            }
            for name, tops in rankings.items():
                cells = " | ".join(
                    f"{_pct(tops[k]['precision'])} / {_pct(tops[k]['recall'])}"
                    for k in ("top_1pct", "top_2pct", "top_5pct")
                )
                lines.append(
                    f"| {r['as_of']} | {r['officers']:,} | {r['with_outcome']:,} | "
                    f"{name} | {cells} |"
                )
        dates = ", ".join(r["as_of"] for r in results)
        lines += [
            "",
            f"Officers who went on to the outcome found in each ranking's top 1, 2 and 5%, summed "
            f"over {dates} (pooled recall):",
            "",
            "| ranking | top 1% | top 2% | top 5% |",
            "|---|---|---|---|",
        ]
        for p in evaluation.pooled_tops(label):
            lines.append(
                f"| {p['ranking']} | "
                + " | ".join(
                    f"{p[k]:,} ({_pct(p[k + '_recall'])})"
                    for k in ("top_1pct", "top_2pct", "top_5pct")
                )
                + " |"
            )
        lines += [
            "",
            "Threshold rules against the model at the same number flagged (recall: rule / model):",
            "",
        ]
        lines.append(
            "| rule | " + " | ".join(r["as_of"] for r in results) + " | pooled hits "
            "rule / model | ratio |"
        )
        lines.append("|---|" + "---|" * len(results) + "---|---|")
        pooled = {p["rule"]: p for p in evaluation.pooled_rules(label)}
        for rule_id, p in pooled.items():
            per_date: list[str] = []
            for r in results:
                rule = next(x for x in r["rules"] if x["rule"] == rule_id)
                per_date.append(
                    f"n={rule['n']:,}: {_pct(rule['rule_recall'])} / {_pct(rule['model_recall'])}"
                )
            ratio = f"{p['ratio']:.2f}" if p["ratio"] is not None else "–"
            lines.append(
                f"| {rule_id} | "
                + " | ".join(per_date)
                + f" | {p['rule_hits']:,} / {p['model_hits']:,} | {ratio} |"
            )
        lines.append("")
        for r in results:
            for column, groups in r["fairness"]["by"].items():
                lines += [
                    f"Fairness at {r['as_of']}, top {_pct(r['fairness']['share_flagged'])} "
                    f"flagged, by {column}:",
                    "",
                    "| group | officers | flagged | flag rate | precision | recall |",
                    "|---|---|---|---|---|---|",
                ]
                lines += [
                    f"| {g['group']} | {g['officers']:,} | {g['flagged']:,} | "
                    f"{_pct(g['flag_rate'])} | {_pct(g['precision'])} | {_pct(g['recall'])} |"
                    for g in groups[:8]
                ]
                lines.append("")
    return "\n".join(lines)


def write_evaluation(evaluation: Evaluation, out: Path) -> None:
    """Write evaluation.json and evaluation.md into `out`, whole or not at all."""
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        data = {
            "horizon_days": evaluation.horizon_days,
            "results": evaluation.results,
            "pooled_rules": {
                label: evaluation.pooled_rules(label)
                for label in dict.fromkeys(r["label"] for r in evaluation.results)
            },
        }
        (work / "evaluation.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
        (work / "evaluation.md").write_text(evaluation_tables(evaluation), encoding="utf-8")
        swap_folder(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
