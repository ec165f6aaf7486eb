"""Ed25519 signatures: key pairs kept apart, one-line public keys, signatures bound to a purpose.

Whoever holds a private key (the audit machine, the oversight body) signs; the web app holds
only public keys, so nobody with its configuration or its database can sign in their place.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from custodes.errors import CustodesError

__all__ = [
    "AUDIT_RUN",
    "TRAIL_CHECKPOINT",
    "BadSignatureError",
    "PublicKey",
    "SigningError",
    "SigningKey",
    "UntrustedKeyError",
    "load_signing_key",
    "parse_public_key",
    "parse_public_keys",
    "read_json",
    "read_signing_key",
    "verify",
    "write_key_pair",
]

# What a signature is for: signed with it, so a signature made for one use is never valid for
# another, even when an operator gives both uses the same key.
AUDIT_RUN = "custodes-audit-run-v1"
TRAIL_CHECKPOINT = "custodes-trail-checkpoint-v1"
_PURPOSES = (AUDIT_RUN, TRAIL_CHECKPOINT)

_ALGORITHM = "ed25519"
_KEY_ID_HEX = 16
_KEY_BYTES = 32
_SIGNATURE_BYTES = 64
_KEY_ID = re.compile(rf"[0-9a-f]{{{_KEY_ID_HEX}}}")
_B64 = re.compile(r"[A-Za-z0-9_-]+")


class SigningError(CustodesError):
    """A key or signature is malformed, or cannot be made or read; never carries a private key."""


class UntrustedKeyError(SigningError):
    """A signature was made by a key that is not among the trusted ones."""


class BadSignatureError(SigningError):
    """A signature does not match what it signs under the key it names."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64decode(text: str, size: int) -> bytes:
    # Strict: one spelling per value, and exactly the size expected.
    if not _B64.fullmatch(text):
        raise ValueError("not urlsafe base64")
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except binascii.Error:
        raise ValueError("not urlsafe base64") from None
    if len(data) != size or _b64encode(data) != text:
        raise ValueError(f"not {size} bytes of urlsafe base64")
    return data


def _message(purpose: str, message: bytes) -> bytes:
    if purpose not in _PURPOSES:
        raise ValueError(f"unknown signature purpose {purpose!r}")
    return purpose.encode("ascii") + b"\x00" + message


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key, written as one line: `ed25519:<key id>:<base64>`."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != _KEY_BYTES:
            raise SigningError(f"an Ed25519 public key is {_KEY_BYTES} bytes, not {len(self.raw)}")

    @property
    def key_id(self) -> str:
        """Return the key's short id: the start of its SHA-256, so a key cannot claim another's."""
        return hashlib.sha256(self.raw).hexdigest()[:_KEY_ID_HEX]

    @property
    def line(self) -> str:
        """Return the key as the one line custodes reads back."""
        return f"{_ALGORITHM}:{self.key_id}:{_b64encode(self.raw)}"

    def __str__(self) -> str:
        return self.line


class SigningKey:
    """An Ed25519 private key; its repr and str never show it."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public = PublicKey(raw)

    @classmethod
    def generate(cls) -> SigningKey:
        """Return a fresh random key."""
        return cls(Ed25519PrivateKey.generate())

    @property
    def key_id(self) -> str:
        """Return the id of the key's public half."""
        return self.public.key_id

    def sign(self, purpose: str, message: bytes) -> str:
        """Return a one-line signature of `message` for `purpose`: `ed25519:<key id>:<base64>`."""
        signature = self._private.sign(_message(purpose, message))
        return f"{_ALGORITHM}:{self.key_id}:{_b64encode(signature)}"

    def pem(self) -> bytes:
        """Return the private key as unencrypted PKCS#8 PEM, the form `openssl pkey` reads."""
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id!r})"

    __str__ = __repr__


def read_signing_key(text: str, source: str) -> SigningKey:
    """Read a private key from PKCS#8 PEM text; `source` names where it came from in errors."""
    try:
        private = serialization.load_pem_private_key(text.strip().encode("ascii"), password=None)
    except UnicodeEncodeError:
        raise SigningError(f"{source}: not a PEM private key") from None
    except TypeError:
        raise SigningError(
            f"{source}: the private key is encrypted; custodes reads it bare"
        ) from None
    except ValueError:
        raise SigningError(
            f"{source}: not a PEM private key (make one with `custodes keys pair`)"
        ) from None
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningError(f"{source}: not an Ed25519 private key")
    return SigningKey(private)


def load_signing_key(path: Path) -> SigningKey:
    """Read a private key from a PEM file."""
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not text"
        raise SigningError(f"{path}: cannot be read: {reason}") from None
    return read_signing_key(text, str(path))


def _create(path: Path, data: bytes, mode: int) -> None:
    """Write a new file with `mode`, refusing one that exists (O_EXCL: no race either)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
    finally:
        os.close(fd)


def write_key_pair(private_path: Path, public_path: Path | None = None) -> SigningKey:
    """Make a key pair: the private key owner-only at `private_path`, its public line beside it."""
    private_path = Path(private_path)
    public_path = (
        Path(public_path) if public_path else private_path.with_name(private_path.name + ".pub")
    )
    for path in (private_path, public_path):
        if path.exists() or path.is_symlink():
            raise SigningError(f"{path} exists; a key is never overwritten")
    key = SigningKey.generate()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        _create(private_path, key.pem(), 0o600)
    except FileExistsError:
        raise SigningError(f"{private_path} exists; a key is never overwritten") from None
    try:
        _create(public_path, f"{key.public.line}\n".encode("ascii"), 0o644)
    except FileExistsError:
        private_path.unlink()
        raise SigningError(f"{public_path} exists; a key is never overwritten") from None
    return key


def parse_public_key(text: str, source: str = "public key") -> PublicKey:
    """Read one `ed25519:<key id>:<base64>` line, strictly: the id must be the key's own."""
    parts = text.strip().split(":")
    if len(parts) != 3 or parts[0] != _ALGORITHM:
        raise SigningError(f"{source}: not a public key line (ed25519:<key id>:<base64>)")
    _, key_id, body = parts
    if not _KEY_ID.fullmatch(key_id):
        raise SigningError(f"{source}: key id {key_id!r} is not {_KEY_ID_HEX} hex digits")
    try:
        key = PublicKey(_b64decode(body, _KEY_BYTES))
    except ValueError as exc:
        raise SigningError(f"{source}: key {key_id}: {exc}") from None
    if key.key_id != key_id:
        raise SigningError(f"{source}: key id {key_id} is not the id of the key it names")
    return key


def parse_public_keys(text: str | None, source: str) -> tuple[PublicKey, ...]:
    """Read public key lines, one per line or comma-separated; `#` starts a comment line."""
    if not text:
        return ()
    keys: list[PublicKey] = []
    entries = [
        entry.strip()
        for line in text.splitlines()
        if not line.strip().startswith("#")
        for entry in line.split(",")
    ]
    for position, entry in enumerate(entries, 1):
        if not entry:
            raise SigningError(f"{source}: entry {position} is empty (a stray comma?)")
        key = parse_public_key(entry, f"{source}, entry {position}")
        if key in keys:
            raise SigningError(f"{source}: key {key.key_id} is listed twice")
        keys.append(key)
    return tuple(keys)


def verify(
    trusted: Iterable[PublicKey], purpose: str, message: bytes, signature: str, source: str
) -> PublicKey:
    """Check a signature line against the trusted keys; return the key that made it."""
    keys = {key.key_id: key for key in trusted}
    parts = signature.strip().split(":")
    if len(parts) != 3 or parts[0] != _ALGORITHM or not _KEY_ID.fullmatch(parts[1]):
        raise BadSignatureError(f"{source}: not a signature line (ed25519:<key id>:<base64>)")
    _, key_id, body = parts
    # The id only picks the key to try: the trusted key itself decides, never the signature.
    key = keys.get(key_id)
    if key is None:
        held = ", ".join(sorted(keys)) or "none"
        raise UntrustedKeyError(f"{source}: signed by key {key_id}, which is not trusted ({held})")
    signed = _message(purpose, message)
    try:
        raw = _b64decode(body, _SIGNATURE_BYTES)
        Ed25519PublicKey.from_public_bytes(key.raw).verify(raw, signed)
    except (ValueError, InvalidSignature):
        raise BadSignatureError(
            f"{source}: the signature does not match what it signs under key {key_id}: "
            "altered after signing"
        ) from None
    return key


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two values for one name would leave it to the parser which one counts.
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            raise ValueError(f"{name!r} is given twice")
        out[name] = value
    return out


def read_json(data: bytes) -> Any:
    """Parse a signed document's UTF-8 JSON, refusing a name given twice (ValueError)."""
    return json.loads(data.decode("utf-8"), object_pairs_hook=_unique)
