"""Score every officer serving at a date with a trained model, each with their reasons."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from custodes.risk.features import features_sql, make_snapshots
from custodes.risk.metrics import rank_order
from custodes.risk.model import RiskModel
from custodes.risk.reasons import reasons_for

__all__ = ["score_officers"]


def score_officers(
    con: duckdb.DuckDBPyConnection, model: RiskModel, as_of: dt.date, *, reasons: bool = True
) -> pd.DataFrame:
    """Return `rank, officer_ref, score, reasons` for every officer serving at `as_of`, from
    the highest score down (ties by officer_ref), with the features beside them."""
    make_snapshots(con, [as_of])
    frame = con.execute(features_sql()).df()
    if frame.empty:
        return pd.DataFrame(columns=["rank", "officer_ref", "score", "reasons"])
    raw = model.raw(frame)
    frame["raw_score"] = raw
    frame["score"] = model.calibrate(raw)
    values = frame[model.features].to_numpy(dtype=np.float64)
    # The reasons (TreeSHAP) cost more than the score; an evaluation needs only the order.
    frame["reasons"] = (
        reasons_for(values, model.contributions(frame), model.features) if reasons else ""
    )
    # The raw score orders the list: calibration keeps its order but may tie what it had apart.
    order = rank_order(raw, frame["officer_ref"].tolist())
    frame = frame.iloc[order].reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame
