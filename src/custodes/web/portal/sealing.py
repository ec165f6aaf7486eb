"""Per-report envelope encryption: each report's own data key, sealed under the field keys.

A report's data key (32 random bytes) encrypts, with AES-256-GCM, everything the reporter
and the handlers wrote: the content, the messages, the file names and the files. Each sealed
value carries associated data naming its table, column and row, so a value copied to another
row or column does not open. The data key itself is sealed with `custodes.web.encryption.seal`
for `portal_report.data_key_encrypted`, so key rotation (`custodes keys rotate`) re-wraps data
keys without touching what they sealed, and deleting the wrapped key erases a report for good.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import uuid
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import models

from custodes.crypto import DecryptionError
from custodes.web.encryption import open_value, seal

__all__ = [
    "DATA_KEY_BYTES",
    "DecryptionError",
    "new_data_key",
    "open_bytes",
    "open_json",
    "seal_bytes",
    "seal_json",
    "unwrap_data_key",
    "wrap_data_key",
]

DATA_KEY_BYTES = 32
_NONCE_BYTES = 12
_TAG_BYTES = 16
_FORMAT = 1  # the first byte of every sealed value: room to change the format later
_AAD_DOMAIN = "custodes-portal-v1"
# Sealed text is padded to a multiple of this, so its length says little about what it says.
_PAD_TO = 256

RowId = str | int | uuid.UUID


def new_data_key() -> bytes:
    """Return a fresh random data key for one report."""
    return secrets.token_bytes(DATA_KEY_BYTES)


def wrap_data_key(report_model: type[models.Model], report_id: RowId, key: bytes) -> str:
    """Seal a report's data key under the newest field key, bound to the report's row."""
    if len(key) != DATA_KEY_BYTES:
        raise ValueError(f"a data key is {DATA_KEY_BYTES} bytes")
    text = base64.urlsafe_b64encode(key).decode("ascii")
    return seal(report_model, "data_key_encrypted", report_id, text)


def unwrap_data_key(report_model: type[models.Model], report_id: RowId, wrapped: str) -> bytes:
    """Open a report's sealed data key; raise `DecryptionError` if it is not this report's."""
    if not wrapped:
        raise DecryptionError(f"report {report_id} has no data key (its content has expired)")
    text = open_value(report_model, "data_key_encrypted", report_id, wrapped)
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii"))
    except (binascii.Error, ValueError):
        raise DecryptionError(f"report {report_id}'s data key is malformed") from None
    if len(key) != DATA_KEY_BYTES:
        raise DecryptionError(f"report {report_id}'s data key is malformed")
    return key


def _aad(model: type[models.Model], field: str, row_id: RowId) -> bytes:
    table = model._meta.db_table
    column = model._meta.get_field(field).column  # type: ignore[union-attr]
    return json.dumps(
        [_AAD_DOMAIN, _FORMAT, table, column, str(row_id)], separators=(",", ":")
    ).encode("utf-8")


def seal_bytes(
    key: bytes, model: type[models.Model], field: str, row_id: RowId, data: bytes
) -> bytes:
    """Encrypt bytes under a report's data key, bound to one table, column and row."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, data, _aad(model, field, row_id))
    return bytes([_FORMAT]) + nonce + sealed


def open_bytes(
    key: bytes, model: type[models.Model], field: str, row_id: RowId, blob: bytes | memoryview
) -> bytes:
    """Decrypt bytes made by `seal_bytes` for exactly this table, column and row."""
    data = bytes(blob)
    where = f"{model._meta.db_table}.{field} of row {row_id}"
    if len(data) < 1 + _NONCE_BYTES + _TAG_BYTES or data[0] != _FORMAT:
        raise DecryptionError(f"{where} is not a sealed portal value")
    nonce, sealed = data[1 : 1 + _NONCE_BYTES], data[1 + _NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, sealed, _aad(model, field, row_id))
    except InvalidTag:
        raise DecryptionError(
            f"{where} does not authenticate: altered, moved from another row or column, "
            "or sealed under another report's key"
        ) from None


def seal_json(
    key: bytes, model: type[models.Model], field: str, row_id: RowId, value: Any
) -> bytes:
    """Seal a JSON document, padded with trailing spaces (which JSON ignores) to hide its size."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % _PAD_TO)
    return seal_bytes(key, model, field, row_id, text)


def open_json(
    key: bytes, model: type[models.Model], field: str, row_id: RowId, blob: bytes | memoryview
) -> Any:
    """Open a JSON document made by `seal_json`."""
    plain = open_bytes(key, model, field, row_id, blob)
    try:
        return json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):  # pragma: no cover - only with a forged valid tag
        raise DecryptionError(
            f"{model._meta.db_table}.{field} of row {row_id} is not JSON"
        ) from None
