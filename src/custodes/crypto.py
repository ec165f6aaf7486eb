"""Field encryption bound to where a value lives, and keyed pseudonyms for analytics outputs."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from custodes.errors import CustodesError

__all__ = [
    "KEY_BYTES",
    "CryptoError",
    "DecryptionError",
    "Keyring",
    "KeyringError",
    "decrypt",
    "encrypt",
    "new_key_line",
    "pseudonym",
    "token_version",
]

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits, the size GCM is specified for
TAG_BYTES = 16
_AAD_DOMAIN = "custodes-field-v1"
_PSEUDONYM_DOMAIN = b"custodes-pseudonym-v1\x00"
_VERSION = re.compile(r"[1-9][0-9]{0,8}")
_URLSAFE_B64 = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_TOKEN = re.compile(r"v([1-9][0-9]{0,8}):([A-Za-z0-9_-]+={0,2})")

RowId = str | int | uuid.UUID


class CryptoError(CustodesError):
    """Field encryption or pseudonymisation cannot go ahead."""


class KeyringError(CryptoError):
    """A keyring string is malformed; the message names the entry and never the key."""


class DecryptionError(CryptoError):
    """A ciphertext cannot be decrypted where it was found; never carries plaintext or keys."""


def _b64decode(text: str) -> bytes:
    # Strict alphabet: the lenient decoder would skip stray characters and accept a typo.
    if not _URLSAFE_B64.fullmatch(text):
        raise ValueError("not urlsafe base64")
    bare = text.rstrip("=")
    try:
        return base64.b64decode(bare + "=" * (-len(bare) % 4), altchars=b"-_", validate=True)
    except binascii.Error:
        raise ValueError("not urlsafe base64") from None


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


@dataclass(frozen=True, repr=False, eq=False)
class Keyring:
    """Field-encryption keys by version; the highest version encrypts, any listed one decrypts."""

    keys: Mapping[int, bytes]

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyringError("the keyring is empty: give at least one 'version:key' entry")
        seen: dict[bytes, int] = {}
        for version, key in sorted(self.keys.items()):
            if not isinstance(version, int) or isinstance(version, bool) or version < 1:
                raise KeyringError(f"key version {version!r} is not a whole number from 1 up")
            if len(key) != KEY_BYTES:
                raise KeyringError(
                    f"key version {version} is {len(key)} bytes; AES-256 needs {KEY_BYTES}"
                )
            if key in seen:
                # A copied key would make rotation to it a no-op while looking done.
                raise KeyringError(f"key versions {seen[key]} and {version} hold the same key")
            seen[key] = version
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """Parse `version:urlsafe-base64-key` entries separated by commas, strictly."""
        if not text.strip():
            raise KeyringError("the keyring is empty: give at least one 'version:key' entry")
        keys: dict[int, bytes] = {}
        for position, raw in enumerate(text.split(","), start=1):
            entry = raw.strip()
            if not entry:
                raise KeyringError(f"entry {position} is empty (a stray comma?)")
            version_text, colon, key_text = entry.partition(":")
            version_text, key_text = version_text.strip(), key_text.strip()
            if not colon:
                raise KeyringError(f"entry {position} has no 'version:' in front of the key")
            if not _VERSION.fullmatch(version_text):
                raise KeyringError(
                    f"entry {position} has version {version_text!r}; "
                    "versions are whole numbers from 1 up"
                )
            version = int(version_text)
            if version in keys:
                raise KeyringError(f"key version {version} appears more than once")
            try:
                key = _b64decode(key_text)
            except ValueError:
                raise KeyringError(f"key version {version} is not valid urlsafe base64") from None
            if len(key) != KEY_BYTES:
                raise KeyringError(
                    f"key version {version} decodes to {len(key)} bytes; AES-256 needs {KEY_BYTES}"
                )
            keys[version] = key
        return cls(keys)

    @property
    def current(self) -> int:
        """Return the version new values are encrypted under: the highest."""
        return max(self.keys)

    @property
    def versions(self) -> tuple[int, ...]:
        """Return the versions held, oldest first."""
        return tuple(sorted(self.keys))

    def __contains__(self, version: object) -> bool:
        return version in self.keys

    def __repr__(self) -> str:
        return f"Keyring(versions={self.versions}, current={self.current})"


def _aad(table: str, column: str, row_id: RowId, version: int) -> bytes:
    # JSON keeps the parts unambiguous: no choice of names can make two places collide.
    return json.dumps(
        [_AAD_DOMAIN, table, column, str(row_id), version], separators=(",", ":")
    ).encode("utf-8")


def encrypt(keyring: Keyring, plaintext: str, *, table: str, column: str, row_id: RowId) -> str:
    """Encrypt `plaintext` for one table, column and row under the keyring's newest key."""
    version = keyring.current
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(keyring.keys[version]).encrypt(
        nonce, plaintext.encode("utf-8"), _aad(table, column, row_id, version)
    )
    return f"v{version}:{_b64encode(nonce + sealed)}"


def token_version(token: str) -> int:
    """Return the key version a ciphertext says it was made with."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise DecryptionError("not a custodes ciphertext (expected 'v<version>:<base64>')")
    return int(match.group(1))


def decrypt(keyring: Keyring, token: str, *, table: str, column: str, row_id: RowId) -> str:
    """Decrypt a value made by `encrypt` for exactly this table, column and row."""
    where = f"{table}.{column} of row {row_id}"
    version = token_version(token)
    if version not in keyring:
        raise DecryptionError(
            f"{where} is encrypted under key version {version}, which is not in the keyring"
        )
    body = token.partition(":")[2]
    try:
        blob = _b64decode(body)
    except ValueError:
        raise DecryptionError(f"{where} is not valid base64") from None
    # One spelling per ciphertext: stray low bits in the last character are not ignored.
    if _b64encode(blob) != body.rstrip("="):
        raise DecryptionError(f"{where} is not valid base64")
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError(f"{where} is too short to be a ciphertext")
    nonce, sealed = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
    try:
        plain = AESGCM(keyring.keys[version]).decrypt(
            nonce, sealed, _aad(table, column, row_id, version)
        )
    except InvalidTag:
        raise DecryptionError(
            f"{where} does not authenticate: altered, moved from another row or column, "
            "or made with another key"
        ) from None
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:  # pragma: no cover - only reachable with a forged valid tag
        raise DecryptionError(f"{where} is not UTF-8 text") from None


def new_key_line(version: int) -> str:
    """Return a fresh random key as a `version:key` keyring entry."""
    if version < 1:
        raise ValueError("key versions are whole numbers from 1 up")
    return f"{version}:{base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode('ascii')}"


def pseudonym(key: bytes | str, value: str, *, purpose: str, length: int = 16) -> str:
    """Return a stable keyed pseudonym (hex) for `value`, unlinkable across purposes and keys."""
    secret = key.encode("utf-8") if isinstance(key, str) else key
    if not secret:
        raise ValueError("a pseudonym key cannot be empty")
    if not purpose:
        raise ValueError(
            "a pseudonym needs a purpose, so outputs for different uses cannot be joined"
        )
    if not 8 <= length <= 64:
        raise ValueError("a pseudonym is 8 to 64 hex characters long")
    # A key per purpose (HMAC as a KDF), so no value/purpose split can make two inputs meet.
    purpose_key = hmac.new(secret, _PSEUDONYM_DOMAIN + purpose.encode("utf-8"), hashlib.sha256)
    digest = hmac.new(purpose_key.digest(), value.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:length]
