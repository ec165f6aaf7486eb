"""The access audit as SQL: load, explain, signal, score. One definition for every engine."""

from __future__ import annotations

from custodes.audit.pipeline.explain import explain_steps
from custodes.audit.pipeline.load import KEYED, OPTIONAL_INPUTS, key_clashes_sql, load_steps
from custodes.audit.pipeline.score import score_steps
from custodes.audit.pipeline.signals import signal_steps
from custodes.audit.pipeline.step import Step, kind_code

__all__ = [
    "KEYED",
    "OPTIONAL_INPUTS",
    "Step",
    "explain_steps",
    "key_clashes_sql",
    "kind_code",
    "load_steps",
    "score_steps",
    "signal_steps",
]
