"""Early intervention's own error."""

from __future__ import annotations

from custodes.errors import CustodesError

__all__ = ["RiskError"]


class RiskError(CustodesError):
    """A risk score cannot be trained, read, or written as asked."""
