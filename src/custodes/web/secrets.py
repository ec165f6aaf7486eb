"""Secrets for settings: from the environment, or made once and kept in the data directory."""

from __future__ import annotations

import base64
import os
import secrets as random_secrets
from pathlib import Path

from custodes.web.env import ConfigError, Env

__all__ = ["load_secret"]


def load_secret(env: Env, name: str, data_dir: Path, production: bool, nbytes: int = 32) -> str:
    """Return secret `name`; in development make one in the data directory if none is set."""
    value = env.secret(name)
    if value:
        return value
    if production:
        raise ConfigError(f"{name} (or {name}_FILE) must be set in production mode")
    # Development only: a random secret, written once with owner-only permissions.
    folder = data_dir / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name.lower()
    if not path.exists():
        token = base64.urlsafe_b64encode(random_secrets.token_bytes(nbytes)).decode()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(token)
    return path.read_text(encoding="utf-8").strip()
