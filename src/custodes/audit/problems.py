"""What validating a force extract found: problems that stop an audit, and notes that do not."""

from __future__ import annotations

from dataclasses import dataclass, field

from custodes.errors import ExtractError

__all__ = ["Problem", "ValidationReport"]


@dataclass(frozen=True)
class Problem:
    """One way an extract breaks the spec, at the first row where it does."""

    file: str
    column: str | None
    row: int | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.row is not None:
            where.append(f"row {self.row}")
        return f"{', '.join(where)}: {self.message}"


@dataclass
class ValidationReport:
    """Every problem found in an extract, the notes on what it lacks, and each table's rows."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    # Tables whose ids `checks.VALIDATOR_KEYS` codes, at its first coding, all apart.
    coded_apart: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        """Say whether an audit can use the extract."""
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise `ExtractError` listing every problem, if there is any."""
        if self.problems:
            lines = "\n".join(str(p) for p in self.problems)
            raise ExtractError(f"the force extract does not meet the spec:\n{lines}")
