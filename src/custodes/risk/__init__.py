"""Early intervention: threshold rules and a learned risk score over officer histories."""

from __future__ import annotations

from custodes.risk.errors import RiskError
from custodes.risk.features import feature_list, snapshot_features
from custodes.risk.model import HORIZON_DAYS, LABELS, RiskModel, train_model
from custodes.risk.rules import ThresholdRule, describe_rule, load_rules, rule_flags
from custodes.risk.run import ScoreResult, open_history, score_history
from custodes.risk.score import score_officers

__all__ = [
    "HORIZON_DAYS",
    "LABELS",
    "RiskError",
    "RiskModel",
    "ScoreResult",
    "ThresholdRule",
    "describe_rule",
    "feature_list",
    "load_rules",
    "open_history",
    "rule_flags",
    "score_history",
    "score_officers",
    "snapshot_features",
    "train_model",
]
