"""Signed checkpoints of the trail: cutting its end or re-forging its chain no longer passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_django import Settings
from typer.testing import CliRunner, Result

from custodes.cli import app
from custodes.signing import SigningKey
from custodes.web.cases.access import get_case_for_user
from custodes.web.trail.chain import _fields, event_hash, record, verify
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent
from tests.signing_keys import CHECKPOINT_KEY, INSIDER_KEY
from tests.web.conftest import Org
from tests.web.test_trail import TRAIL, guard_dropped


def trail(*args: str | Path) -> Result:
    """Run `custodes trail …` in this process, so it sees the test's own database."""
    return CliRunner().invoke(app, ["trail", *map(str, args)])


def key_files(folder: Path, key: SigningKey) -> tuple[Path, Path]:
    """Write a key pair as `custodes keys pair` would; return the private and public files."""
    private, public = folder / f"{key.key_id}.key", folder / f"{key.key_id}.key.pub"
    private.write_bytes(key.pem())
    private.chmod(0o600)
    public.write_text(key.public.line + "\n", encoding="ascii")
    return private, public


@pytest.fixture
def oversight(tmp_path: Path) -> tuple[Path, Path]:
    """Return the oversight body's checkpoint key pair, kept well away from the data directory."""
    folder = tmp_path / "oversight"
    folder.mkdir()
    return key_files(folder, CHECKPOINT_KEY)


def take_checkpoint(org: Org, oversight: tuple[Path, Path], tmp_path: Path) -> Path:
    """Leave some activity on the trail, then sign a checkpoint of its head."""
    for _ in range(3):
        get_case_for_user(org.owner, org.case.reference)
    point = tmp_path / "checkpoint.json"
    done = trail("checkpoint", point, "--signing-key", oversight[0])
    assert done.exit_code == 0, done.output
    return point


def checked(point: Path, oversight: tuple[Path, Path]) -> Result:
    """Run `trail verify --checkpoint` with the oversight body's public key."""
    return trail("verify", "--checkpoint", point, "--trusted-key", oversight[1])


def test_a_checkpoint_signs_the_head_and_the_trail_holds_it_as_it_grows(
    org: Org, oversight: tuple[Path, Path], tmp_path: Path
) -> None:
    point = take_checkpoint(org, oversight, tmp_path)
    head = TrailEvent.objects.order_by("-seq").first()
    assert head is not None
    fields = json.loads(point.read_text(encoding="utf-8"))["checkpoint"]
    assert (fields["seq"], fields["hash"], fields["events"]) == (head.seq, head.hash, head.seq)
    # Later events do not break it: a checkpoint fixes the past, not the future.
    get_case_for_user(org.owner, org.case.reference)
    done = checked(point, oversight)
    assert done.exit_code == 0, done.output
    assert f"holds checkpoint {point}, #{head.seq} ({head.seq:,} events" in " ".join(
        done.stdout.split()
    )
    assert f"signed by key {CHECKPOINT_KEY.key_id}" in done.stdout


def test_cutting_the_trails_end_passes_the_chain_but_not_the_checkpoint(
    org: Org, oversight: tuple[Path, Path], tmp_path: Path
) -> None:
    """As the database file's holder (SQLite) or its owner (PostgreSQL): triggers off, end cut."""
    point = take_checkpoint(org, oversight, tmp_path)
    last = TrailEvent.objects.order_by("-seq").values_list("seq", flat=True)[0]
    with guard_dropped() as cursor:
        cursor.execute(f"DELETE FROM {TRAIL} WHERE seq > %s", [last - 3])
    # What the chain alone can see: nothing. This is how it was.
    assert verify() == []
    assert trail("verify").exit_code == 0
    done = checked(point, oversight)
    assert done.exit_code == 1
    message = " ".join(done.stderr.split())
    assert f"the trail ends at event #{last - 3}, but checkpoint" in message
    assert f"saw it reach #{last}: 3 event(s) were cut from its end" in message


def test_a_chain_edited_and_hashed_again_with_the_trail_key_fails_the_checkpoint(
    org: Org, oversight: tuple[Path, Path], tmp_path: Path
) -> None:
    """Whoever holds the trail key (beside the database in development) can re-forge the chain."""
    point = take_checkpoint(org, oversight, tmp_path)
    target = TrailEvent.objects.filter(action="grant").values_list("seq", flat=True)[0]
    with guard_dropped():
        TrailEvent.objects.filter(seq=target).update(action="read")
        prev = TrailEvent.objects.get(seq=target - 1).hash
        for event in TrailEvent.objects.filter(seq__gte=target).order_by("seq"):
            event.prev_hash = prev
            prev = event_hash(prev, _fields(event))
            TrailEvent.objects.filter(seq=event.seq).update(prev_hash=event.prev_hash, hash=prev)
    assert verify() == []
    assert trail("verify").exit_code == 0
    done = checked(point, oversight)
    assert done.exit_code == 1
    head = json.loads(point.read_text(encoding="utf-8"))["checkpoint"]["seq"]
    message = " ".join(done.stderr.split())
    assert f"event #{head} has hash {prev}" in message
    assert "the trail up to it was rewritten and its chain hashed again" in message


def test_a_checkpoint_forged_with_another_key_is_refused(
    org: Org, oversight: tuple[Path, Path], tmp_path: Path
) -> None:
    """An insider cuts the end, then signs a checkpoint of the shorter trail with their own key."""
    take_checkpoint(org, oversight, tmp_path)
    with guard_dropped() as cursor:
        cursor.execute(f"DELETE FROM {TRAIL} WHERE seq = (SELECT max(seq) FROM {TRAIL})")
    insider, _ = key_files(tmp_path, INSIDER_KEY)
    forged = tmp_path / "forged.json"
    assert trail("checkpoint", forged, "--signing-key", insider).exit_code == 0
    done = checked(forged, oversight)
    assert done.exit_code == 1
    message = " ".join(done.stderr.split())
    assert f"refused: {forged}: signed by key {INSIDER_KEY.key_id}, which is not trusted" in message
    assert f"({CHECKPOINT_KEY.key_id})" in message


def test_a_checkpoint_edited_to_match_a_shorter_trail_is_refused(
    org: Org, oversight: tuple[Path, Path], tmp_path: Path
) -> None:
    """Lowering the checkpoint's head to where the trail was cut breaks its signature."""
    point = take_checkpoint(org, oversight, tmp_path)
    whole = json.loads(point.read_text(encoding="utf-8"))
    cut = whole["checkpoint"]["seq"] - 2
    with guard_dropped() as cursor:
        cursor.execute(f"DELETE FROM {TRAIL} WHERE seq > %s", [cut])
    remaining = TrailEvent.objects.get(seq=cut)
    whole["checkpoint"] |= {"seq": cut, "events": cut, "hash": remaining.hash}
    point.write_text(json.dumps(whole), encoding="utf-8")
    done = checked(point, oversight)
    assert done.exit_code == 1
    assert "the signature does not match what it signs" in " ".join(done.stderr.split())


def test_a_key_written_into_the_checkpoint_is_never_trusted(
    org: Org, oversight: tuple[Path, Path], tmp_path: Path
) -> None:
    """A checkpoint cannot vouch for itself: a key inside it is refused, not used."""
    insider, _ = key_files(tmp_path, INSIDER_KEY)
    forged = tmp_path / "forged.json"
    assert trail("checkpoint", forged, "--signing-key", insider).exit_code == 0
    whole = json.loads(forged.read_text(encoding="utf-8"))
    whole["public_key"] = INSIDER_KEY.public.line
    forged.write_text(json.dumps(whole), encoding="utf-8")
    done = checked(forged, oversight)
    assert done.exit_code == 1
    assert "not a checkpoint and its signature" in " ".join(done.stderr.split())


def test_without_a_trusted_key_no_checkpoint_is_accepted(
    org: Org, oversight: tuple[Path, Path], tmp_path: Path
) -> None:
    point = take_checkpoint(org, oversight, tmp_path)
    done = trail("verify", "--checkpoint", point)
    assert done.exit_code == 1
    assert "no checkpoint key is trusted" in " ".join(done.stderr.split())


def test_the_setting_names_the_trusted_checkpoint_keys(
    org: Org, oversight: tuple[Path, Path], tmp_path: Path, settings: Settings
) -> None:
    point = take_checkpoint(org, oversight, tmp_path)
    settings.CHECKPOINT_TRUSTED_KEYS = (CHECKPOINT_KEY.public,)
    done = trail("verify", "--checkpoint", point)
    assert done.exit_code == 0, done.output


def test_the_signing_key_may_come_from_the_environment(
    org: Org, oversight: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUSTODES_CHECKPOINT_SIGNING_KEY_FILE", str(oversight[0]))
    point = tmp_path / "checkpoint.json"
    done = trail("checkpoint", point)
    assert done.exit_code == 0, done.output
    assert checked(point, oversight).exit_code == 0


def test_no_checkpoint_without_a_key_over_a_broken_chain_or_over_another(
    org: Org, oversight: tuple[Path, Path], tmp_path: Path
) -> None:
    point = tmp_path / "checkpoint.json"
    done = trail("checkpoint", point)
    assert done.exit_code == 1
    assert "no checkpoint signing key" in " ".join(done.stderr.split())
    point.write_text("kept", encoding="utf-8")
    done = trail("checkpoint", point, "--signing-key", oversight[0])
    assert done.exit_code == 1
    assert "exists; a checkpoint is never overwritten" in done.stderr
    assert point.read_text(encoding="utf-8") == "kept"
    record(None, Action.READ, Subject.CASE, org.case.pk)
    with guard_dropped() as cursor:
        cursor.execute(f"UPDATE {TRAIL} SET reason = 'edited' WHERE seq = 2")
    done = trail("checkpoint", tmp_path / "over-a-break.json", "--signing-key", oversight[0])
    assert done.exit_code == 1
    assert "the chain does not hold (1 break(s), first event #2" in " ".join(done.stderr.split())
    assert not (tmp_path / "over-a-break.json").exists()
