"""Synthetic force extracts with planted misconduct, deterministic by seed."""

from __future__ import annotations

from custodes.synth.caseload import Caseload, Failure, Matter, Step, generate_caseload
from custodes.synth.config import DECOY_PATTERNS, MISCONDUCT_PATTERNS, SynthConfig
from custodes.synth.generate import SynthResult, generate
from custodes.synth.histories import HistoryTruth, generate_history
from custodes.synth.vetting import Vetting, generate_vetting

__all__ = [
    "DECOY_PATTERNS",
    "MISCONDUCT_PATTERNS",
    "Caseload",
    "Failure",
    "HistoryTruth",
    "Matter",
    "Step",
    "SynthConfig",
    "SynthResult",
    "Vetting",
    "generate",
    "generate_caseload",
    "generate_history",
    "generate_vetting",
]
