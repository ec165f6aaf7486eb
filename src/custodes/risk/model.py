"""The learned risk score: LightGBM on past snapshots of every officer, calibrated, with reasons.

Trained as of a date T on snapshots at dates t <= T - horizon, each labelled by what happened
to the officer in (t, t + horizon] as far as was known by T; the latest snapshot is held out to
calibrate the score (Platt scaling) and to measure it. Saved as LightGBM's own text model and a JSON
sidecar (never pickle), so a saved model is read, not run.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from custodes.risk.errors import RiskError
from custodes.risk.features import feature_list, features_sql, make_snapshots
from custodes.risk.metrics import ranking_metrics

__all__ = [
    "HORIZON_DAYS",
    "LABELS",
    "RiskModel",
    "labels_sql",
    "train_model",
]

#: What the score predicts: any allegation received in the horizon that is (eventually, as far
#: as known) substantiated; or any allegation of sexual misconduct received in it.
LABELS = ("substantiated", "sexual")
HORIZON_DAYS = 730
SNAPSHOTS = 6
STEP_DAYS = 365
# Training rows kept: every positive, and negatives sampled down to this many rows in all
# (weighted back up), which keeps 50,000 officers over 20 years inside the minute.
MAX_TRAINING_ROWS = 120_000
# Shallow trees: TreeSHAP's reasons cost grows with the square of the depth, and depth 4 scored
# as well as unbounded depth on held-out past snapshots of the CCRB records (not the test years).
_PARAMS: dict[str, Any] = {
    "n_estimators": 150,
    "learning_rate": 0.08,
    "num_leaves": 15,
    "max_depth": 4,
    "min_child_samples": 40,
    "colsample_bytree": 0.5,
    "max_bin": 63,
    "reg_lambda": 1.0,
    "n_jobs": 2,
    "deterministic": True,
    "force_row_wise": True,
    "random_state": 0,
    "verbose": -1,
}
_FAR = dt.date(9999, 12, 31)


def labels_sql(label: str) -> str:
    """Return a SELECT of `officer_ref, as_of, outcome` (true or false) for table `snapshots`.

    Bound: `$horizon` (days) and `$known_by` (a finding counts only if known by then).
    """
    if label == "substantiated":
        hit = "a.finding = 'substantiated' AND a.finding_known_on <= $known_by"
    elif label == "sexual":
        hit = "a.category_group = 'sexual'"
    else:
        raise RiskError(f"{label!r} is not a label; use one of: {', '.join(LABELS)}")
    return f"""
        SELECT s.officer_ref, s.as_of, count(a.officer_ref) > 0 AS outcome
        FROM snapshots s
        LEFT JOIN allegations a
          ON a.officer_ref = s.officer_ref
         AND a.received_date > s.as_of
         AND a.received_date <= s.as_of + to_days(CAST($horizon AS INTEGER))
         AND a.received_date <= $known_by
         AND {hit}
        GROUP BY s.officer_ref, s.as_of
    """  # noqa: S608


def labelled_snapshots(
    con: duckdb.DuckDBPyConnection,
    dates: Sequence[dt.date],
    label: str,
    horizon_days: int,
    known_by: dt.date,
) -> pd.DataFrame:
    """Return the features and outcome of every officer serving at each of `dates`."""
    make_snapshots(con, dates)
    features = con.execute(features_sql()).df()
    outcomes = con.execute(labels_sql(label), {"horizon": horizon_days, "known_by": known_by}).df()
    return features.merge(outcomes, on=["officer_ref", "as_of"], how="left", validate="1:1")


@dataclass
class RiskModel:
    """A trained score: the booster, its features, its calibration and what it was trained on."""

    booster: lgb.Booster
    features: list[str]
    label: str
    horizon_days: int
    as_of: dt.date
    trained_on: list[dt.date]
    held_out: dt.date
    # Platt scaling of the booster's log-odds: probability = sigmoid(slope * logit + intercept).
    calibration_slope: float
    calibration_intercept: float
    evaluation: dict[str, Any] = field(default_factory=dict)

    def raw(self, frame: pd.DataFrame) -> np.ndarray[Any, Any]:
        """Return the booster's uncalibrated probability for each row of `frame`."""
        values = frame[self.features].to_numpy(dtype=np.float64)
        return np.asarray(self.booster.predict(values), dtype=np.float64)

    def calibrate(self, raw: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Turn raw scores into probabilities of the outcome, as on the held-out snapshot."""
        logit = np.log(np.clip(raw, 1e-12, 1 - 1e-12)) - np.log1p(-np.clip(raw, 1e-12, 1 - 1e-12))
        z = self.calibration_slope * logit + self.calibration_intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def contributions(self, frame: pd.DataFrame) -> np.ndarray[Any, Any]:
        """Return each feature's TreeSHAP contribution (log-odds) for each row of `frame`."""
        values = frame[self.features].to_numpy(dtype=np.float64)
        out = np.asarray(self.booster.predict(values, pred_contrib=True), dtype=np.float64)
        return out[:, : len(self.features)]

    def save(self, path: Path) -> None:
        """Write the model as LightGBM text at `path` and its sidecar at `path`.json."""
        sidecar = self.sidecar_path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f".{path.name}.part")
        self.booster.save_model(str(part))
        part_json = sidecar.with_name(f".{sidecar.name}.part")
        part_json.write_text(json.dumps(self.describe(), indent=2), encoding="utf-8")
        part.replace(path)
        part_json.replace(sidecar)

    def describe(self) -> dict[str, Any]:
        """Return what the sidecar holds: everything but the trees."""
        return {
            "format": "custodes-risk-model/1",
            "library": f"lightgbm {lgb.__version__}",
            "label": self.label,
            "horizon_days": self.horizon_days,
            "as_of": self.as_of.isoformat(),
            "trained_on": [d.isoformat() for d in self.trained_on],
            "held_out": self.held_out.isoformat(),
            "features": self.features,
            "calibration": {
                "method": "platt",
                "slope": self.calibration_slope,
                "intercept": self.calibration_intercept,
            },
            "evaluation": self.evaluation,
        }

    @staticmethod
    def sidecar_path(path: Path) -> Path:
        """Return where the JSON sidecar of the model at `path` is."""
        return path.with_name(path.name + ".json")

    @classmethod
    def load(cls, path: Path) -> RiskModel:
        """Read a model saved by `save`, refusing one whose sidecar is missing or not ours."""
        sidecar = cls.sidecar_path(path)
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            booster = lgb.Booster(model_file=str(path))
        except FileNotFoundError as exc:
            raise RiskError(f"{exc.filename}: the saved model is incomplete (missing)") from None
        except (OSError, ValueError, lgb.basic.LightGBMError) as exc:
            raise RiskError(f"{path}: not a saved risk model: {exc}") from None
        if not isinstance(meta, dict) or meta.get("format") != "custodes-risk-model/1":
            raise RiskError(f"{sidecar}: not a custodes risk model's sidecar")
        known = {f.name for f in feature_list()}
        unknown = [f for f in meta["features"] if f not in known]
        if unknown:
            raise RiskError(f"{sidecar}: features this version does not compute: {unknown[:5]}")
        return cls(
            booster=booster,
            features=list(meta["features"]),
            label=str(meta["label"]),
            horizon_days=int(meta["horizon_days"]),
            as_of=dt.date.fromisoformat(meta["as_of"]),
            trained_on=[dt.date.fromisoformat(d) for d in meta["trained_on"]],
            held_out=dt.date.fromisoformat(meta["held_out"]),
            calibration_slope=float(meta["calibration"]["slope"]),
            calibration_intercept=float(meta["calibration"]["intercept"]),
            evaluation=dict(meta.get("evaluation", {})),
        )


def snapshot_dates(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    horizon_days: int = HORIZON_DAYS,
    snapshots: int = SNAPSHOTS,
    step_days: int = STEP_DAYS,
) -> list[dt.date]:
    """Return the past dates to train on as of `as_of`, latest first (the held-out one).

    Each is at least `horizon_days` before `as_of`, so its outcome window had closed by then,
    and at least a year after the first allegation, so there is history to learn from.
    """
    row = con.execute(
        "SELECT min(received_date) FROM allegations WHERE received_date <= ?", [as_of]
    ).fetchall()
    first = row[0][0]
    if first is None:
        raise RiskError(f"no allegation was received by {as_of}: nothing to learn from")
    earliest = first + dt.timedelta(days=365)
    latest = as_of - dt.timedelta(days=horizon_days)
    dates = [latest - dt.timedelta(days=k * step_days) for k in range(snapshots)]
    dates = [d for d in dates if d >= earliest]
    if len(dates) < 2:
        raise RiskError(
            f"too little history before {as_of} to train: the records start {first}, and "
            f"training needs two past dates at least {horizon_days} days before {as_of} and a "
            f"year after the start; give an earlier --as-of's model with --model, or more history"
        )
    return dates


def _sample(
    frame: pd.DataFrame, max_rows: int, seed: int
) -> tuple[pd.DataFrame, np.ndarray[Any, Any]]:
    """Keep every positive and a random share of negatives; weight negatives back up."""
    positives = frame["outcome"].to_numpy(dtype=bool)
    negatives = int((~positives).sum())
    room = max(max_rows - int(positives.sum()), 1)
    if negatives <= room:
        return frame, np.ones(len(frame))
    rate = room / negatives
    rng = np.random.default_rng(seed)
    keep = positives | (rng.random(len(frame)) < rate)
    kept = frame[keep]
    weights = np.where(kept["outcome"].to_numpy(dtype=bool), 1.0, 1.0 / rate)
    return kept, weights


def train_model(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    label: str = "substantiated",
    *,
    horizon_days: int = HORIZON_DAYS,
    snapshots: int = SNAPSHOTS,
    step_days: int = STEP_DAYS,
    max_rows: int = MAX_TRAINING_ROWS,
    seed: int = 0,
    on_step: Callable[[str], None] | None = None,
) -> RiskModel:
    """Train and calibrate a score on what the history in `con` knew by `as_of`.

    The score is learned from every past snapshot. Its check (the figures in `evaluation`) and
    its calibration come from a second model, of the same settings, that learned only from the
    snapshots whose outcome windows had closed by the latest snapshot's date, scoring that
    latest snapshot: with overlapping windows the check would see outcomes it learned from.
    """
    if label not in LABELS:
        raise RiskError(f"{label!r} is not a label; use one of: {', '.join(LABELS)}")
    say = on_step or (lambda _: None)
    dates = snapshot_dates(con, as_of, horizon_days, snapshots, step_days)
    held_out = dates[0]
    cutoff = held_out - dt.timedelta(days=horizon_days)
    if not any(d <= cutoff for d in dates):
        raise RiskError(
            f"too little history before {as_of} to train and check a score: the check needs a "
            f"snapshot {horizon_days} days before {held_out} (give --model a saved model, or "
            f"more history)"
        )
    say(f"features of {len(dates)} past snapshots ({dates[-1]} to {held_out})")
    frame = labelled_snapshots(con, dates, label, horizon_days, known_by=as_of)
    names = [f.name for f in feature_list()]
    early = frame[frame["as_of"] <= pd.Timestamp(cutoff)]
    hold = frame[frame["as_of"] == pd.Timestamp(held_out)]
    for part, what in (
        (early, f"the snapshots up to {cutoff}"),
        (hold, f"the latest snapshot {held_out}"),
    ):
        if not part["outcome"].any():
            raise RiskError(
                f"no officer in {what} had a {label} outcome within {horizon_days} days "
                f"known by {as_of}: nothing to learn from"
            )
    say(f"checking: training on the snapshots up to {cutoff}, scoring {held_out}")
    checker = _fit(early, names, max_rows, seed)
    values = hold[names].to_numpy(dtype=np.float64)
    raw = np.asarray(checker.predict(values), dtype=np.float64)
    outcome = hold["outcome"].to_numpy(dtype=bool)
    # Platt rather than isotonic: strictly increasing, so the calibrated scores keep the
    # ranking's order without ties; and negatives were weighted, so the raw scores need it.
    clipped = np.clip(raw, 1e-12, 1 - 1e-12)
    logit = (np.log(clipped) - np.log1p(-clipped)).reshape(-1, 1)
    platt = LogisticRegression(C=1e6).fit(logit, outcome.astype(int))
    say(f"training on every snapshot ({len(frame):,} officer-snapshots)")
    booster = _fit(frame, names, max_rows, seed)
    return RiskModel(
        booster=booster,
        features=names,
        label=label,
        horizon_days=horizon_days,
        as_of=as_of,
        trained_on=sorted(dates),
        held_out=held_out,
        calibration_slope=float(platt.coef_[0][0]),
        calibration_intercept=float(platt.intercept_[0]),
        evaluation={
            "snapshot": held_out.isoformat(),
            "learned_up_to": cutoff.isoformat(),
            "officers": len(hold),
            "with_outcome": int(outcome.sum()),
            **ranking_metrics(raw, outcome, hold["officer_ref"].tolist()),
        },
    )


def _fit(frame: pd.DataFrame, names: list[str], max_rows: int, seed: int) -> lgb.Booster:
    """Fit LightGBM on labelled snapshots, negatives sampled down past `max_rows`."""
    kept, weights = _sample(frame, max_rows, seed)
    classifier = lgb.LGBMClassifier(**dict(_PARAMS, random_state=seed))
    classifier.fit(
        kept[names].to_numpy(dtype=np.float64),
        kept["outcome"].to_numpy(dtype=int),
        sample_weight=weights,
    )
    booster: lgb.Booster = classifier.booster_
    return booster
