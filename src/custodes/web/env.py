"""Read settings from the environment strictly: a bad value stops start-up with its name."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from custodes.errors import CustodesError

__all__ = ["ConfigError", "Env"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(CustodesError):
    """A setting in the environment is missing or malformed."""


class Env:
    """Typed, strict access to environment variables, with `NAME_FILE` for secrets."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def string(self, name: str, default: str | None = None) -> str:
        """Return a string setting, or `default`; missing without a default is an error."""
        value = self.environ.get(name)
        if value is None or value == "":
            if default is None:
                raise ConfigError(f"{name} must be set")
            return default
        return value

    def boolean(self, name: str, default: bool) -> bool:
        """Return a true/false setting; anything but 1/0, true/false, yes/no, on/off fails."""
        value = self.environ.get(name)
        if value is None or value == "":
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigError(f"{name}={value!r} is not a true/false value (use true or false)")

    def integer(self, name: str, default: int, minimum: int = 0) -> int:
        """Return a whole-number setting no smaller than `minimum`."""
        value = self.environ.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name}={value!r} is not a whole number") from None
        if number < minimum:
            raise ConfigError(f"{name}={number} is below the minimum of {minimum}")
        return number

    def items(self, name: str, default: list[str]) -> list[str]:
        """Return a comma-separated setting as a list, blanks dropped."""
        value = self.environ.get(name)
        if value is None or value == "":
            return default
        return [item.strip() for item in value.split(",") if item.strip()]

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        """Return a setting that must be one of `choices`."""
        value = self.string(name, default)
        if value not in choices:
            raise ConfigError(f"{name}={value!r} must be one of {', '.join(choices)}")
        return value

    def secret(self, name: str) -> str | None:
        """Return a secret from `NAME` or the file `NAME_FILE` names (not both); None if neither."""
        direct = self.environ.get(name)
        path = self.environ.get(f"{name}_FILE")
        if direct and path:
            raise ConfigError(f"set {name} or {name}_FILE, not both")
        if path:
            try:
                text = Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"{name}_FILE={path!r} cannot be read: {exc.strerror}") from None
            if not text:
                raise ConfigError(f"{name}_FILE={path!r} is empty")
            return text
        return direct or None
