"""`custodes risk score`: train (or load) a score, rank every serving officer, write the outputs.

The outputs go into a new folder beside `out` and are swapped in whole: a reader sees the last
complete run or this one, never half of either.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import lightgbm as lgb
import pandas as pd

from custodes.caserules import check_history
from custodes.folders import swap_folder
from custodes.history import load_history, serving_sql
from custodes.risk.errors import RiskError
from custodes.risk.model import HORIZON_DAYS, LABELS, RiskModel, train_model
from custodes.risk.report import write_report
from custodes.risk.rules import load_rules, rule_flags
from custodes.risk.score import score_officers

__all__ = ["RISK_COLUMNS", "ScoreResult", "open_history", "score_history"]

RISK_COLUMNS = ("rank", "officer_ref", "score", "reasons")
OFFICER_COLUMNS = ("officer_ref", "agency", "first_name", "last_name", "rank", "unit", "rules")


@dataclass(frozen=True)
class ScoreResult:
    """What a scoring run wrote: where, how many officers, the top of the list and the run."""

    out: Path
    officers_scored: int
    top: list[dict[str, Any]]
    run: dict[str, Any]


def open_history(history: Path) -> duckdb.DuckDBPyConnection:
    """Check a history folder against the format and load it into a new DuckDB connection."""
    problems = check_history(history)
    if problems:
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise RiskError(f"{history} does not meet the officer-history format: {shown}{more}")
    con = duckdb.connect()
    load_history(history, con)
    return con


def _officers(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, flags: dict[str, set[str]]
) -> pd.DataFrame:
    frame = con.execute(
        f"""SELECT o.officer_ref, o.agency, o.first_name, o.last_name, o.rank, o.unit
            FROM officers o WHERE o.officer_ref IN ({serving_sql()})
            ORDER BY o.officer_ref""",  # noqa: S608
        {"as_of": as_of},
    ).df()
    met: dict[str, list[str]] = {}
    for rule_id, refs in flags.items():
        for ref in refs:
            met.setdefault(ref, []).append(rule_id)
    frame["rules"] = [";".join(met.get(str(ref), [])) for ref in frame["officer_ref"]]
    return frame


def _write_csv(path: Path, frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in frame[list(columns)].itertuples(index=False):
            writer.writerow(["" if pd.isna(v) else v for v in row])


def score_history(
    history: Path,
    as_of: dt.date,
    out: Path,
    *,
    model_path: Path | None = None,
    save_model: Path | None = None,
    label: str | None = None,
    horizon_days: int = HORIZON_DAYS,
    on_step: Callable[[str], None] | None = None,
) -> ScoreResult:
    """Score every officer serving at `as_of` in `history`; write risk.csv, officers.csv,
    run.json and report.html into `out`. Trains on what was known by `as_of` unless given a
    saved model (whose label then holds)."""
    say = on_step or (lambda _: None)
    if label is not None and label not in LABELS:
        raise RiskError(f"{label!r} is not a label; use one of: {', '.join(LABELS)}")
    say(f"checking {history}")
    con = open_history(history)
    if model_path is not None:
        say(f"reading the model {model_path}")
        model = RiskModel.load(model_path)
        if label is not None and label != model.label:
            raise RiskError(f"{model_path} predicts {model.label!r}, not {label!r}")
        if model.as_of > as_of:
            # A model trained later has learned from outcomes after the date scored.
            raise RiskError(
                f"{model_path} was trained as of {model.as_of}, after {as_of}: it knows what "
                f"happened after the date it would score"
            )
    else:
        model = train_model(
            con, as_of, label or "substantiated", horizon_days=horizon_days, on_step=say
        )
    say(f"scoring the officers serving at {as_of}")
    ranked = score_officers(con, model, as_of)
    say("running the threshold rules")
    flags = rule_flags(con, load_rules(), as_of)
    officers = _officers(con, as_of, flags)
    run = {
        "as_of": as_of.isoformat(),
        "label": model.label,
        "horizon_days": model.horizon_days,
        "model_as_of": model.as_of.isoformat(),
        "trained_on": [d.isoformat() for d in model.trained_on],
        "held_out": model.held_out.isoformat(),
        "model": {
            "library": "lightgbm",
            "version": lgb.__version__,
            "loaded_from": str(model_path) if model_path else None,
        },
        "features": model.features,
        "officers_scored": len(ranked),
        "rules_flagged": {rule: len(refs) for rule, refs in flags.items()},
        "evaluation": model.evaluation,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        say("writing the list and the report")
        _write_csv(work / "risk.csv", ranked, RISK_COLUMNS)
        _write_csv(work / "officers.csv", officers, OFFICER_COLUMNS)
        (work / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
        write_report(work / "report.html", con, ranked, officers, run)
        write_report(work / "summary.html", con, ranked, officers, run, named=False)
        if save_model is not None:
            model.save(save_model)
        swap_folder(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        con.close()
    top = ranked.head(10)[list(RISK_COLUMNS)].to_dict("records")
    return ScoreResult(out=out, officers_scored=len(ranked), top=top, run=run)
