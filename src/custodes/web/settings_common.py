"""Settings both surfaces read the same way: the data directory, the database, portal limits.

The staff settings (`custodes.web.settings`) and the portal's (`custodes.web.portal_settings`)
run in different processes but share one database and one data directory; what they must agree
on is read here, once, so the two cannot drift apart.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import dj_database_url

from custodes.web.env import ConfigError, Env

__all__ = ["PORTAL_FILE_TYPES", "data_dir", "databases", "owner_only"]

# The kinds of file a reporter may give, as found by reading the file (not by its name).
PORTAL_FILE_TYPES = [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "text/plain",
]


def owner_only(path: Path, mode: int) -> None:
    """Give `path` exactly `mode` (owner-only), or stop start-up saying why not."""
    try:
        if stat.S_IMODE(path.stat().st_mode) != mode:
            path.chmod(mode)
    except OSError as exc:
        raise ConfigError(f"{path} cannot be made owner-only: {exc.strerror}") from None


def data_dir(env: Env) -> Path:
    """Return CUSTODES_DATA_DIR, made (owner-only) if it is not there yet."""
    folder = Path(env.string("CUSTODES_DATA_DIR", str(Path.cwd() / "var" / "web"))).resolve()
    # Owner-only: it holds the development database (session keys among it) and secrets.
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    owner_only(folder, 0o700)
    return folder


def databases(env: Env, folder: Path) -> dict[str, dict[str, Any]]:
    """Return Django's DATABASES from DATABASE_URL (or _FILE), else SQLite in `folder`."""
    # A secret too (it may hold the role's password): DATABASE_URL or DATABASE_URL_FILE.
    url = env.secret("DATABASE_URL") or f"sqlite:///{folder / 'custodes.sqlite3'}"
    default: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    default["ATOMIC_REQUESTS"] = True
    if default["ENGINE"] == "django.db.backends.sqlite3":
        default["OPTIONS"] = {"transaction_mode": "IMMEDIATE"}
        sqlite = Path(str(default["NAME"]))
        if str(sqlite) not in ("", ":memory:"):
            # Made empty (a valid database) before SQLite makes it world-readable; journals
            # and write-ahead logs take the database file's mode.
            if not sqlite.exists():
                os.close(os.open(sqlite, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            owner_only(sqlite, 0o600)
    return {"default": default}
