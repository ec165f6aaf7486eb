"""Field encryption and pseudonyms, as a library: no Django anywhere."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import uuid
from typing import TypedDict

import pytest
from hypothesis import given
from hypothesis import strategies as st

import custodes.crypto
from custodes.crypto import (
    DecryptionError,
    Keyring,
    KeyringError,
    decrypt,
    encrypt,
    new_key_line,
    pseudonym,
    token_version,
)
from custodes.errors import CustodesError

KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 132))
ROW = uuid.UUID("5e1f3c2a-9b8d-4c6e-a1f0-123456789abc")


class Where(TypedDict):
    """Where a value lives: what its ciphertext is bound to."""

    table: str
    column: str
    row_id: uuid.UUID | int | str


def at(
    table: str = "cases_caseparty",
    column: str = "name_encrypted",
    row_id: uuid.UUID | int | str = ROW,
) -> Where:
    return Where(table=table, column=column, row_id=row_id)


WHERE = at()
NAME = "Hermione Quillfeather-Odunsi"


def b64(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def ring(*entries: tuple[int, bytes]) -> Keyring:
    return Keyring.parse(",".join(f"{v}:{b64(k)}" for v, k in entries))


def flip(token: str, position: int) -> str:
    """Return `token` with one bit of its decoded bytes flipped."""
    prefix, _, body = token.partition(":")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[position] ^= 0x01
    return f"{prefix}:{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}"


def test_public_names_are_pinned() -> None:
    assert custodes.crypto.__all__ == [
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


def test_the_library_never_imports_django() -> None:
    code = "import sys, custodes.crypto; print('django' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# --- keyrings ---------------------------------------------------------------------------


def test_a_keyring_parses_versions_and_encrypts_under_the_highest() -> None:
    keyring = Keyring.parse(f" 2:{b64(KEY_B)} , 1:{b64(KEY_A)}")
    assert keyring.versions == (1, 2)
    assert keyring.current == 2
    assert keyring.keys[1] == KEY_A
    assert 1 in keyring
    assert 3 not in keyring


def test_a_key_may_be_given_without_base64_padding() -> None:
    assert Keyring.parse(f"1:{b64(KEY_A).rstrip('=')}").keys[1] == KEY_A


def test_a_keyring_never_shows_its_keys() -> None:
    keyring = ring((1, KEY_A), (2, KEY_B))
    shown = repr(keyring) + str(keyring)
    assert b64(KEY_A) not in shown
    assert b64(KEY_B) not in shown
    assert "versions=(1, 2)" in shown


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "empty"),
        ("  ", "empty"),
        (f"1:{b64(KEY_A)},", "entry 2 is empty"),
        (b64(KEY_A), "no 'version:'"),
        (f"0:{b64(KEY_A)}", "whole numbers from 1"),
        (f"v1:{b64(KEY_A)}", "whole numbers from 1"),
        (f"-1:{b64(KEY_A)}", "whole numbers from 1"),
        ("1:not*base64!", "not valid urlsafe base64"),
        (f"1:{b64(KEY_A).rstrip('=')}AA", "not valid urlsafe base64"),
        (f"1:AB=C{b64(KEY_A)}", "not valid urlsafe base64"),
        ("1:", "not valid urlsafe base64"),
        (f"1:{b64(KEY_A[:16])}", "16 bytes; AES-256 needs 32"),
        (f"1:{b64(KEY_A + b'x')}", "33 bytes; AES-256 needs 32"),
        (f"1:{b64(KEY_A)},1:{b64(KEY_B)}", "version 1 appears more than once"),
        (f"1:{b64(KEY_A)},2:{b64(KEY_A)}", "versions 1 and 2 hold the same key"),
    ],
)
def test_a_bad_keyring_is_refused_with_what_is_wrong(text: str, complaint: str) -> None:
    with pytest.raises(KeyringError, match=re.escape(complaint)) as caught:
        Keyring.parse(text)
    assert isinstance(caught.value, CustodesError)
    assert b64(KEY_A) not in str(caught.value)


def test_a_keyring_built_directly_is_checked_too() -> None:
    with pytest.raises(KeyringError, match="AES-256"):
        Keyring({1: b"short"})
    with pytest.raises(KeyringError, match="empty"):
        Keyring({})


def test_a_new_key_line_parses_as_a_keyring_entry() -> None:
    line = new_key_line(3)
    keyring = Keyring.parse(line)
    assert keyring.versions == (3,)
    assert new_key_line(3) != line
    with pytest.raises(ValueError, match="from 1 up"):
        new_key_line(0)


# --- encryption -------------------------------------------------------------------------


def test_a_value_round_trips_in_its_own_place() -> None:
    keyring = ring((1, KEY_A))
    token = encrypt(keyring, NAME, **WHERE)
    assert re.fullmatch(r"v1:[A-Za-z0-9_-]+", token)
    assert NAME not in token
    assert decrypt(keyring, token, **WHERE) == NAME
    assert token_version(token) == 1


def test_each_encryption_uses_a_fresh_nonce() -> None:
    keyring = ring((1, KEY_A))
    assert encrypt(keyring, NAME, **WHERE) != encrypt(keyring, NAME, **WHERE)


def test_the_newest_key_encrypts_and_older_keys_still_decrypt() -> None:
    old = ring((1, KEY_A))
    both = ring((1, KEY_A), (2, KEY_B))
    before = encrypt(old, NAME, **WHERE)
    after = encrypt(both, NAME, **WHERE)
    assert token_version(after) == 2
    assert decrypt(both, before, **WHERE) == NAME
    assert decrypt(both, after, **WHERE) == NAME
    with pytest.raises(DecryptionError, match="key version 2, which is not in the keyring"):
        decrypt(old, after, **WHERE)


@pytest.mark.parametrize(
    "elsewhere",
    [
        at(row_id=uuid.UUID(int=8)),
        at(row_id=ROW.hex),
        at(column="contact_encrypted"),
        at(table="intake_report"),
    ],
    ids=["another row", "the row id spelt otherwise", "another column", "another table"],
)
def test_a_ciphertext_moved_elsewhere_does_not_decrypt(elsewhere: Where) -> None:
    keyring = ring((1, KEY_A))
    token = encrypt(keyring, NAME, **WHERE)
    with pytest.raises(DecryptionError, match="does not authenticate"):
        decrypt(keyring, token, **elsewhere)


def test_a_ciphertext_relabelled_with_another_version_does_not_decrypt() -> None:
    # The same key under two versions: only the version bound into the ciphertext stops it.
    token = encrypt(ring((1, KEY_A)), NAME, **WHERE)
    relabelled = "v2" + token.removeprefix("v1")
    with pytest.raises(DecryptionError, match="does not authenticate"):
        decrypt(ring((2, KEY_A)), relabelled, **WHERE)


def test_another_key_under_the_same_version_does_not_decrypt() -> None:
    token = encrypt(ring((1, KEY_A)), NAME, **WHERE)
    with pytest.raises(DecryptionError, match="does not authenticate"):
        decrypt(ring((1, KEY_B)), token, **WHERE)


@pytest.mark.parametrize("position", [0, 11, 12, 20, -16, -1], ids=lambda p: f"byte {p}")
def test_a_tampered_ciphertext_does_not_decrypt(position: int) -> None:
    keyring = ring((1, KEY_A))
    token = encrypt(keyring, NAME, **WHERE)
    with pytest.raises(DecryptionError, match="does not authenticate"):
        decrypt(keyring, flip(token, position), **WHERE)


@pytest.mark.parametrize(
    "token",
    ["", "plain text", "v1:", "v1:!!!!", "v0:AAAA", "1:AAAA", "v1:AAAA", "v1:" + "A" * 36],
)
def test_a_malformed_ciphertext_is_a_decryption_error(token: str) -> None:
    with pytest.raises(DecryptionError):
        decrypt(ring((1, KEY_A)), token, **WHERE)


def test_a_decryption_error_carries_neither_plaintext_nor_key() -> None:
    keyring = ring((1, KEY_A))
    token = encrypt(keyring, NAME, **WHERE)
    with pytest.raises(DecryptionError) as caught:
        decrypt(keyring, token, **at(column="contact_encrypted"))
    message = str(caught.value)
    assert "Hermione" not in message
    assert b64(KEY_A) not in message
    assert KEY_A.hex() not in message
    assert "cases_caseparty.contact_encrypted" in message
    assert caught.value.__cause__ is None


@given(
    plaintext=st.text(),
    table=st.text(min_size=1, max_size=40),
    column=st.text(min_size=1, max_size=40),
    row_id=st.one_of(st.uuids(), st.integers(), st.text(max_size=40)),
)
def test_any_unicode_text_round_trips(
    plaintext: str, table: str, column: str, row_id: uuid.UUID | int | str
) -> None:
    keyring = ring((1, KEY_A), (4, KEY_B))
    token = encrypt(keyring, plaintext, table=table, column=column, row_id=row_id)
    assert token.isascii()
    assert decrypt(keyring, token, table=table, column=column, row_id=row_id) == plaintext


# --- pseudonyms -------------------------------------------------------------------------


def test_a_pseudonym_is_stable_short_hex() -> None:
    first = pseudonym(KEY_A, "PC 4417", purpose="audit-report")
    assert first == pseudonym(KEY_A, "PC 4417", purpose="audit-report")
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert len(pseudonym(KEY_A, "PC 4417", purpose="audit-report", length=32)) == 32
    assert pseudonym(KEY_A, "PC 4417", purpose="audit-report", length=32).startswith(first)


def test_a_pseudonym_differs_by_value_key_and_purpose() -> None:
    base = pseudonym(KEY_A, "PC 4417", purpose="audit-report")
    assert pseudonym(KEY_A, "PC 4418", purpose="audit-report") != base
    assert pseudonym(KEY_B, "PC 4417", purpose="audit-report") != base
    assert pseudonym(KEY_A, "PC 4417", purpose="stats-export") != base
    # No split between purpose and value makes two different inputs meet.
    assert pseudonym(KEY_A, "b", purpose="a") != pseudonym(KEY_A, "", purpose="ab")


def test_a_text_pseudonym_key_is_its_utf8_bytes() -> None:
    assert pseudonym("secret", "x", purpose="p") == pseudonym(b"secret", "x", purpose="p")


@pytest.mark.parametrize(
    ("key", "purpose", "length"),
    [(b"", "p", 16), (KEY_A, "", 16), (KEY_A, "p", 7), (KEY_A, "p", 65)],
)
def test_a_pseudonym_needs_a_key_a_purpose_and_a_sane_length(
    key: bytes, purpose: str, length: int
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        pseudonym(key, "x", purpose=purpose, length=length)


@given(value=st.text(), purpose=st.text(min_size=1))
def test_pseudonyms_are_stable_for_any_text(value: str, purpose: str) -> None:
    assert pseudonym(KEY_A, value, purpose=purpose) == pseudonym(KEY_A, value, purpose=purpose)
