"""Logging that cannot name a reporter: no client address, no browser, no time of a request.

Every handler the portal configures (Django's and gunicorn's) carries `ClientDetailsFilter`:

- a record that carries the request (Django's `django.request`, `django.security.*` and
  `django.server` loggers attach it) has that request's address, forwarded-for chain and user
  agent blanked out of its message, and the request itself taken off the record, so that no
  formatter or handler further on can reach `request.META`;
- any IPv4 or IPv6 address left in a message (gunicorn writes "Invalid request from ip=…" for a
  malformed request) is replaced with `[address removed]`.

`PortalGunicornLogger` is gunicorn's logger with that filter on its handlers and with no
timestamp on its error lines: a line about a request, stamped with the second it happened, is
the exact time of a reporter's visit.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import Any

__all__ = ["REMOVED", "ClientDetailsFilter", "PortalGunicornLogger", "scrub"]

REMOVED = "[address removed]"
# Candidates only: each is checked with `ipaddress`, so "12:30:45" or "1.2.3" stay as they are.
_CANDIDATE = re.compile(
    r"(?<![\w.:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]{0,15}|(?:\d{1,3}\.){3}\d{1,3}"
)
# What a request says about the client, by WSGI name.
_CLIENT_KEYS = (
    "REMOTE_ADDR",
    "REMOTE_HOST",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
    "HTTP_CLIENT_IP",
    "HTTP_TRUE_CLIENT_IP",
    "HTTP_CF_CONNECTING_IP",
    "HTTP_USER_AGENT",
    "HTTP_SEC_CH_UA",
    "HTTP_SEC_CH_UA_PLATFORM",
    "HTTP_SEC_CH_UA_MOBILE",
)


def _address(candidate: str) -> bool:
    try:
        ipaddress.ip_address(candidate.split("%", 1)[0])
    except ValueError:
        return False
    return True


def scrub(text: str, known: tuple[str, ...] = ()) -> str:
    """Return `text` with every value in `known` and every network address replaced."""
    for value in sorted((v for v in known if v), key=len, reverse=True):
        text = text.replace(value, REMOVED)
    return _CANDIDATE.sub(lambda m: REMOVED if _address(m.group(0)) else m.group(0), text)


def _client_values(request: Any) -> tuple[str, ...]:
    meta = getattr(request, "META", None)
    if not isinstance(meta, dict):
        return ()
    values: list[str] = []
    for key in _CLIENT_KEYS:
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            values.append(value)
            # A forwarded-for chain may be logged one entry at a time.
            values.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(values)


class ClientDetailsFilter(logging.Filter):
    """Take the client's address and user agent out of a record; never drop the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        known = _client_values(request)
        if request is not None:
            # django.server attaches the socket; Django's request loggers the HttpRequest.
            record.request = None
        message = record.getMessage()
        record.msg = scrub(message, known)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text, known)
        # A traceback's frames are rendered into exc_text above; the live objects are dropped.
        record.exc_info = None
        return True


def _gunicorn_logger_base() -> type:
    from gunicorn.glogging import Logger

    return Logger  # type: ignore[no-any-return]


class PortalGunicornLogger(_gunicorn_logger_base()):  # type: ignore[misc]
    """gunicorn's logger, with no time on its lines and the client filter on every handler."""

    error_fmt = r"[%(process)d] [%(levelname)s] %(message)s"
    syslog_fmt = r"[%(process)d] %(message)s"

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, ClientDetailsFilter) for f in handler.filters):
                    handler.addFilter(ClientDetailsFilter())
