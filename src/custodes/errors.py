"""The one exception hierarchy every custodes library raises from."""


class CustodesError(Exception):
    """Base of every error custodes raises on purpose."""


class ExtractError(CustodesError):
    """A force extract cannot be read or does not meet the spec."""


class EngineError(CustodesError):
    """A query failed inside an analytics engine; carries the SQL that failed."""

    def __init__(self, message: str, sql: str = "") -> None:
        super().__init__(f"{message}\n-- SQL:\n{sql}" if sql else message)
        self.sql = sql
