"""What the file library raises."""

from __future__ import annotations

from custodes.errors import CustodesError


class FileRefused(CustodesError):
    """An upload is not a kind of file the portal takes, or cannot be cleaned."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name or 'the file'} was refused: {reason}")
        self.name = name
        self.reason = reason


class ScrubberUnavailable(CustodesError):
    """mat2 or the system libraries it needs are missing on this machine."""
