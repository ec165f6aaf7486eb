"""One table the pipeline materialises, and the number each kind of explanation goes by."""

from __future__ import annotations

from dataclasses import dataclass

from custodes.audit.catalogue import EXPLANATION_KINDS

__all__ = ["Step", "kind_code"]


@dataclass(frozen=True)
class Step:
    """One table the pipeline materialises, and the SQL that makes it."""

    name: str
    sql: str
    stage: str


def kind_code(kind: str) -> int:
    """Return the number that stands for a kind of explanation: its place in the list."""
    return EXPLANATION_KINDS.index(kind)
