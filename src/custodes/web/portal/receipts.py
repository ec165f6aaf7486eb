"""Receipts: 16 random digits, kept only as an Argon2id hash keyed with a server secret.

The reporter is shown the receipt once. The database keeps `receipt_lookup(receipt)`: Argon2id
(memory-hard, so each guess costs) with the server's secret `PORTAL_RECEIPT_SECRET` as its
salt, so a dump of the database alone cannot be searched for guessed receipts, and the same
receipt always gives the same value, so it can be looked up by an index.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from argon2.low_level import Type, hash_secret_raw
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "RECEIPT_DIGITS",
    "format_receipt",
    "lookups_match",
    "new_receipt",
    "normalise_receipt",
    "receipt_lookup",
]

RECEIPT_DIGITS = 16  # 10**16 ≈ 2**53.15
# RFC 9106's second recommended option (64 MiB, 3 passes), with one lane: about a tenth of a
# second a guess, on top of the throttle.
_TIME_COST = 3
_MEMORY_KIB = 64 * 1024
_PARALLELISM = 1
_HASH_BYTES = 32
_SALT_DOMAIN = b"custodes-portal-receipt-v1\x00"
# What a reporter may type between the digits: spaces (of any kind), dashes, dots.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―.]+")


def new_receipt() -> str:
    """Return a new receipt: 16 digits, each from `secrets`, leading zeros included."""
    return "".join(secrets.choice("0123456789") for _ in range(RECEIPT_DIGITS))


def format_receipt(receipt: str) -> str:
    """Return a receipt in groups of four, as it is shown: '1234 5678 9012 3456'."""
    digits = normalise_receipt(receipt)
    if digits is None:
        raise ValueError("not a receipt")
    return " ".join(digits[i : i + 4] for i in range(0, RECEIPT_DIGITS, 4))


def normalise_receipt(typed: str) -> str | None:
    """Return the 16 digits a reporter typed (spaces and dashes dropped), or None if not one."""
    if not isinstance(typed, str) or len(typed) > 4 * RECEIPT_DIGITS:
        return None
    digits = _SEPARATORS.sub("", typed)
    # ASCII digits only: str.isdigit would take other scripts' digits, and int() would map them.
    if len(digits) != RECEIPT_DIGITS or not all("0" <= c <= "9" for c in digits):
        return None
    return digits


def _salt() -> bytes:
    secret = getattr(settings, "PORTAL_RECEIPT_SECRET", "")
    if not secret:
        raise ImproperlyConfigured(
            "PORTAL_RECEIPT_SECRET is not set: give CUSTODES_PORTAL_RECEIPT_SECRET "
            "(or CUSTODES_PORTAL_RECEIPT_SECRET_FILE); receipts cannot be looked up without it"
        )
    return hashlib.sha256(_SALT_DOMAIN + str(secret).encode("utf-8")).digest()


def receipt_lookup(receipt: str) -> str:
    """Return the value a receipt is stored and looked up by (hex); ValueError if not one."""
    digits = normalise_receipt(receipt)
    if digits is None:
        raise ValueError(f"a receipt is {RECEIPT_DIGITS} digits")
    return hash_secret_raw(
        secret=digits.encode("ascii"),
        salt=_salt(),
        time_cost=_TIME_COST,
        memory_cost=_MEMORY_KIB,
        parallelism=_PARALLELISM,
        hash_len=_HASH_BYTES,
        type=Type.ID,
    ).hex()


def lookups_match(stored: str | None, computed: str) -> bool:
    """Compare two lookup values in constant time; a missing one matches nothing."""
    if not stored:
        return False
    return hmac.compare_digest(stored.encode("ascii"), computed.encode("ascii"))
