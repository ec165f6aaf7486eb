"""Signed checkpoints of the trail's head, kept away from the database by the oversight body.

The chain shows an edit, a deletion or a reordering inside the trail, but not events cut from
its end, nor a chain re-hashed by someone holding the trail key. A checkpoint, signed with a
private key the web app never holds, fixes the head (sequence, hash, count, time) as it was;
`custodes trail verify --checkpoint` then fails if the trail is shorter or differs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import Max

from custodes.errors import CustodesError
from custodes.signing import (
    TRAIL_CHECKPOINT,
    PublicKey,
    SigningError,
    SigningKey,
    read_json,
    verify,
)
from custodes.web.trail.chain import require_whole_trail
from custodes.web.trail.chain import verify as verify_chain
from custodes.web.trail.models import TrailEvent

__all__ = [
    "FORMAT",
    "Checkpoint",
    "CheckpointError",
    "check_against",
    "make_checkpoint",
    "read_checkpoint",
    "write_checkpoint",
]

FORMAT = "custodes-trail-checkpoint/1"
_FIELDS = {"format", "seq", "hash", "events", "at"}
_HASH = re.compile(r"[0-9a-f]{64}")
_MOST_BYTES = 64 * 1024


class CheckpointError(CustodesError):
    """A checkpoint cannot be made, read or trusted, or the trail does not match it."""


@dataclass(frozen=True)
class Checkpoint:
    """The trail's head when the checkpoint was made, and the key that signed it."""

    seq: int
    hash: str
    events: int
    at: dt.datetime
    key_id: str

    def __str__(self) -> str:
        return f"#{self.seq} ({self.events:,} events, {self.at:%Y-%m-%d %H:%M:%S} UTC)"


def _body(fields: dict[str, Any]) -> bytes:
    """Return the bytes a checkpoint's signature covers: its fields, canonically."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


def make_checkpoint(key: SigningKey) -> tuple[Checkpoint, bytes]:
    """Check the whole chain, then sign its head; return the checkpoint and the file's bytes."""
    require_whole_trail()
    head = TrailEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    if head is None:
        raise CheckpointError("the trail is empty: there is no head to sign")
    seq, head_hash = head
    # Never sign over a break: a checkpoint would vouch for the edit it hides.
    breaks = verify_chain()
    if breaks:
        raise CheckpointError(
            f"the chain does not hold ({len(breaks)} break(s), first {breaks[0]}): "
            "no checkpoint is signed over it"
        )
    events = TrailEvent.objects.filter(seq__lte=seq).count()
    at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    fields = {
        "format": FORMAT,
        "seq": seq,
        "hash": head_hash,
        "events": events,
        "at": at.isoformat(),
    }
    signature = key.sign(TRAIL_CHECKPOINT, _body(fields))
    text = json.dumps({"checkpoint": fields, "signature": signature}, indent=2) + "\n"
    return Checkpoint(seq, head_hash, events, at, key.key_id), text.encode("utf-8")


def write_checkpoint(path: Path, data: bytes) -> None:
    """Write a checkpoint file, never over another."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise CheckpointError(f"{path} exists; a checkpoint is never overwritten") from None
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def read_checkpoint(path: Path, trusted: Sequence[PublicKey]) -> Checkpoint:
    """Read a checkpoint file and check its signature against `trusted` keys, and only those."""
    if not trusted:
        raise CheckpointError(
            "no checkpoint key is trusted: give --trusted-key or set "
            "CUSTODES_CHECKPOINT_TRUSTED_KEYS to the public key of whoever signs checkpoints"
        )
    try:
        with Path(path).open("rb") as f:
            data = f.read(_MOST_BYTES + 1)
        if len(data) > _MOST_BYTES:
            raise ValueError("far too large")
        whole = read_json(data)
        fields, signature = whole["checkpoint"], whole["signature"]
        if set(whole) != {"checkpoint", "signature"} or not isinstance(signature, str):
            raise ValueError("not a checkpoint and its signature")
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot be read: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path}: not a trail checkpoint: {exc}") from None
    if not isinstance(fields, dict) or set(fields) != _FIELDS or fields["format"] != FORMAT:
        raise CheckpointError(f"{path}: not a trail checkpoint of format {FORMAT}")
    try:
        # The key comes from the trusted list alone: nothing in the file can vouch for itself.
        key = verify(trusted, TRAIL_CHECKPOINT, _body(fields), signature, str(path))
    except SigningError as exc:
        raise CheckpointError(f"refused: {exc}") from None
    seq, head_hash, events, at = fields["seq"], fields["hash"], fields["events"], fields["at"]
    if not (
        type(seq) is int
        and type(events) is int
        and seq >= 1
        and events >= 1
        and isinstance(head_hash, str)
        and _HASH.fullmatch(head_hash)
        and isinstance(at, str)
    ):
        raise CheckpointError(f"{path}: the checkpoint's fields are not a trail head")
    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError:
        raise CheckpointError(f"{path}: {at!r} is not a time") from None
    return Checkpoint(seq, head_hash, events, when, key.key_id)


def check_against(checkpoint: Checkpoint, using: str = "default") -> list[str]:
    """Return how the trail differs from what the checkpoint saw; empty when it holds."""
    require_whole_trail(using)
    events = TrailEvent.objects.using(using)
    at = events.filter(seq=checkpoint.seq).values_list("hash", flat=True).first()
    if at is None:
        last = events.aggregate(last=Max("seq"))["last"] or 0
        if last < checkpoint.seq:
            cut = checkpoint.seq - last
            return [
                f"the trail ends at event #{last}, but checkpoint {checkpoint} saw it reach "
                f"#{checkpoint.seq}: {cut:,} event(s) were cut from its end"
            ]
        return [f"event #{checkpoint.seq}, the head of checkpoint {checkpoint}, is missing"]
    problems = []
    if at != checkpoint.hash:
        problems.append(
            f"event #{checkpoint.seq} has hash {at}, but checkpoint {checkpoint} signed "
            f"{checkpoint.hash}: the trail up to it was rewritten and its chain hashed again"
        )
    held = events.filter(seq__lte=checkpoint.seq).count()
    if held != checkpoint.events:
        problems.append(
            f"{held:,} events up to #{checkpoint.seq}, but checkpoint {checkpoint} counted "
            f"{checkpoint.events:,}"
        )
    return problems
