"""Synthetic force extracts with planted misconduct, deterministic by seed."""

from __future__ import annotations

from custodes.synth.config import DECOY_PATTERNS, MISCONDUCT_PATTERNS, SynthConfig
from custodes.synth.generate import SynthResult, generate

__all__ = ["DECOY_PATTERNS", "MISCONDUCT_PATTERNS", "SynthConfig", "SynthResult", "generate"]
