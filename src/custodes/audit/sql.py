"""Quote names and literals for the few places DuckDB cannot take a bound parameter."""

from __future__ import annotations

__all__ = ["quote_identifier", "quote_literal"]


def quote_identifier(name: str) -> str:
    """Return `name` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """Return `text` as a single-quoted SQL string literal."""
    # DuckDB reads backslashes in '...' literally, so doubling quotes is the whole escape.
    return "'" + text.replace("'", "''") + "'"
