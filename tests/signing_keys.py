"""Fixed Ed25519 key pairs for tests: the audit machine's, the oversight body's, an insider's."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from custodes.signing import SigningKey

__all__ = ["AUDIT_KEY", "CHECKPOINT_KEY", "INSIDER_KEY"]


def _fixed(name: str) -> SigningKey:
    """Return a key derived from its name: the same in every test process, in no file."""
    seed = hashlib.sha256(f"custodes test key: {name}".encode()).digest()
    return SigningKey(Ed25519PrivateKey.from_private_bytes(seed))


# The test settings trust AUDIT_KEY's public half for audit runs (tests/web_settings.py).
AUDIT_KEY = _fixed("audit machine")
CHECKPOINT_KEY = _fixed("oversight body")
# Someone inside who made a key pair of their own: trusted for nothing.
INSIDER_KEY = _fixed("insider")
