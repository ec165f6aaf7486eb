"""Ed25519 signing as a library: key pairs, one-line public keys, signatures bound to a purpose."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from custodes.errors import CustodesError
from custodes.signing import (
    AUDIT_RUN,
    TRAIL_CHECKPOINT,
    BadSignatureError,
    SigningError,
    SigningKey,
    UntrustedKeyError,
    load_signing_key,
    parse_public_key,
    parse_public_keys,
    verify,
    write_key_pair,
)
from tests.signing_keys import AUDIT_KEY, CHECKPOINT_KEY, INSIDER_KEY

MESSAGE = b'{"outputs": {"alerts.parquet": "..."}}'


def test_a_key_pair_is_written_owner_only_and_never_over_another(tmp_path: Path) -> None:
    private = tmp_path / "keys" / "audit.key"
    key = write_key_pair(private)
    assert private.stat().st_mode & 0o777 == 0o600
    public = (tmp_path / "keys" / "audit.key.pub").read_text(encoding="ascii")
    assert public == key.public.line + "\n"
    assert parse_public_key(public) == key.public
    assert load_signing_key(private).public == key.public
    # The PEM is the standard one, which openssl reads too.
    assert private.read_text(encoding="ascii").startswith("-----BEGIN PRIVATE KEY-----")
    before = private.read_bytes()
    with pytest.raises(SigningError, match="exists; a key is never overwritten"):
        write_key_pair(private)
    assert private.read_bytes() == before


def test_a_public_key_file_in_the_way_leaves_no_private_key_behind(tmp_path: Path) -> None:
    (tmp_path / "audit.key.pub").write_text("someone else's", encoding="ascii")
    with pytest.raises(SigningError, match=r"audit\.key\.pub exists"):
        write_key_pair(tmp_path / "audit.key")
    assert not (tmp_path / "audit.key").exists()


def test_a_signature_verifies_only_for_its_purpose_its_message_and_a_trusted_key() -> None:
    signature = AUDIT_KEY.sign(AUDIT_RUN, MESSAGE)
    assert signature.startswith(f"ed25519:{AUDIT_KEY.key_id}:")
    assert verify([AUDIT_KEY.public], AUDIT_RUN, MESSAGE, signature, "run") == AUDIT_KEY.public
    with pytest.raises(BadSignatureError, match="altered after signing"):
        verify([AUDIT_KEY.public], AUDIT_RUN, MESSAGE + b" ", signature, "run")
    # A signature made for a run is no checkpoint's, even under the same key.
    with pytest.raises(BadSignatureError):
        verify([AUDIT_KEY.public], TRAIL_CHECKPOINT, MESSAGE, signature, "checkpoint")
    with pytest.raises(UntrustedKeyError, match=f"signed by key {AUDIT_KEY.key_id}, which is not"):
        verify([CHECKPOINT_KEY.public], AUDIT_RUN, MESSAGE, signature, "run")


def test_a_signature_claiming_a_trusted_keys_id_does_not_pass() -> None:
    """The id in a signature only picks the key to try: the trusted key decides."""
    forged = INSIDER_KEY.sign(AUDIT_RUN, MESSAGE).replace(INSIDER_KEY.key_id, AUDIT_KEY.key_id)
    with pytest.raises(BadSignatureError):
        verify([AUDIT_KEY.public], AUDIT_RUN, MESSAGE, forged, "run")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("ed25519:0123456789abcdef", "not a public key line"),
        ("rsa:0123456789abcdef:AAAA", "not a public key line"),
        ("ed25519:XYZ:AAAA", "is not 16 hex digits"),
        ("ed25519:0123456789abcdef:AAAA", "not 32 bytes"),
        (
            f"ed25519:0123456789abcdef:{AUDIT_KEY.public.line.split(':')[2]}",
            "not the id of the key",
        ),
        (AUDIT_KEY.public.line + "=", "not urlsafe base64"),
    ],
)
def test_a_malformed_public_key_is_refused_by_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(SigningError, match=problem):
        parse_public_key(text, "CUSTODES_AUDIT_TRUSTED_KEYS")


def test_a_list_of_public_keys_is_read_strictly() -> None:
    text = f"# the audit machine\n{AUDIT_KEY.public.line}\n{CHECKPOINT_KEY.public.line}\n"
    assert parse_public_keys(text, "X") == (AUDIT_KEY.public, CHECKPOINT_KEY.public)
    joined = f"{AUDIT_KEY.public.line}, {CHECKPOINT_KEY.public.line}"
    assert parse_public_keys(joined, "X") == (AUDIT_KEY.public, CHECKPOINT_KEY.public)
    assert parse_public_keys(None, "X") == ()
    with pytest.raises(SigningError, match="X: entry 2 is empty"):
        parse_public_keys(f"{AUDIT_KEY.public.line},,", "X")
    with pytest.raises(SigningError, match=f"key {AUDIT_KEY.key_id} is listed twice"):
        parse_public_keys(f"{AUDIT_KEY.public.line},{AUDIT_KEY.public.line}", "X")


def test_a_file_that_is_not_a_private_key_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "audit.key"
    bad.write_text(AUDIT_KEY.public.line, encoding="ascii")
    with pytest.raises(SigningError, match=f"{bad}: not a PEM private key"):
        load_signing_key(bad)
    with pytest.raises(SigningError, match="cannot be read"):
        load_signing_key(tmp_path / "absent.key")
    assert issubclass(SigningError, CustodesError)


def test_a_private_key_is_never_shown() -> None:
    key = SigningKey.generate()
    pem = key.pem().decode()
    body = "".join(pem.splitlines()[1:-1])
    for shown in (repr(key), str(key), f"{key}"):
        assert body not in shown and key.key_id in shown


def test_importing_signing_loads_no_django() -> None:
    code = (
        "import sys, custodes.signing, custodes.audit.manifest\n"
        "print(sorted(n for n in sys.modules if n == 'django' or n.startswith('django.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
