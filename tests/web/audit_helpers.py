"""A real access-audit run for the web tests, and the people placed around its subjects."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.test import Client

from custodes.audit.config import AuditConfig
from custodes.audit.manifest import (
    MANIFEST,
    SIGNATURE,
    extract_hashes,
    rules_identity,
    write_manifest,
)
from custodes.signing import SigningKey
from custodes.web.accounts.actions import create_user
from custodes.web.accounts.models import Role, User
from custodes.web.alerts.actions import import_audit_run
from custodes.web.alerts.models import AuditAlert, AuditRun
from custodes.web.needtoknow.models import ForceStaff
from tests.signing_keys import AUDIT_KEY
from tests.web.conftest import PASSWORD, Org

__all__ = [
    "QUEUE",
    "AuditFolders",
    "add_user",
    "chain_above",
    "import_reorganised_run",
    "import_run",
    "listed",
    "make_audit_folders",
    "resign",
    "staff_around",
    "visible_to",
]

QUEUE = "/alerts/audit/"


@dataclass(frozen=True)
class AuditFolders:
    """A synthetic force extract and the audit's outputs for it."""

    extract: Path
    run: Path


# One run for the whole session, however many test modules ask for it.
_made: dict[str, AuditFolders] = {}


def make_audit_folders(tmp_path_factory: pytest.TempPathFactory) -> AuditFolders:
    """Make a small synthetic force and audit it, once per session."""
    if "run" not in _made:
        from custodes.audit.run import run_audit
        from custodes.synth import SynthConfig, generate

        base = tmp_path_factory.mktemp("audit-run")
        generate(SynthConfig(staff=150, days=21, seed=5), base / "extract")
        run_audit(base / "extract", base / "run-1", signing_key=AUDIT_KEY)
        _made["run"] = AuditFolders(base / "extract", base / "run-1")
    return _made["run"]


def resign(run: Path, extract: Path, key: SigningKey | None = AUDIT_KEY) -> None:
    """Sign a run again over its files as they are now, as the holder of `key` could."""
    # For tests that change a run's files to reach the import's checks behind the signature,
    # and for attacks by someone holding a key of their own.
    (run / MANIFEST).unlink()
    (run / SIGNATURE).unlink(missing_ok=True)
    write_manifest(
        run,
        extract=extract_hashes(extract),
        rules=rules_identity(None, None),
        config=AuditConfig(),
        engine="duckdb",
        key=key,
    )


def import_run(folders: AuditFolders) -> AuditRun:
    """Import the run through the real action, as the command line does."""
    return import_audit_run(None, folders.run, folders.extract).run


def add_user(
    org: Org,
    username: str,
    role: Role,
    unit: str,
    force_user_id: str | None = None,
    manager: User | None = None,
    force: str = "XF",
) -> User:
    """Create a user through the real action and keep their authenticator for signing in."""
    user, device = create_user(
        None,
        username,
        PASSWORD,
        role=role,
        force=force,
        unit=unit,
        line_manager=manager,
        force_user_id=force_user_id,
    )
    org.devices[username] = device
    return user


def import_reorganised_run(
    folders: AuditFolders, into: Path, user_id: str, manager_id: str
) -> AuditRun:
    """Import a later run of the same force, in which `user_id` has a new line manager."""
    extract = Path(shutil.copytree(folders.extract, into / "extract-later"))
    staff = pq.read_table(extract / "staff.parquet")
    ids = staff.column("user_id").to_pylist()
    managers = staff.column("line_manager_id").to_pylist()
    managers[ids.index(user_id)] = manager_id
    at = staff.schema.get_field_index("line_manager_id")
    field = staff.schema.field(at)
    pq.write_table(
        staff.set_column(at, field, pa.array(managers, type=field.type)), extract / "staff.parquet"
    )
    run = Path(shutil.copytree(folders.run, into / "run-later"))
    # The same outputs would be the same run, imported already: a blank line, which the
    # import reads past, makes them a run of their own.
    with (run / "explained.csv").open("a") as explained:
        explained.write("\n")
    resign(run, extract)
    result = import_audit_run(None, run, extract)
    assert result.created
    return result.run


def chain_above(run: AuditRun, user_id: str, managers: dict[str, str] | None = None) -> list[str]:
    """Return the force user ids above `user_id` in the run's org chart, nearest first."""
    if managers is None:
        managers = dict(
            ForceStaff.objects.filter(run=run).values_list("user_id", "line_manager_id")
        )
    chain: list[str] = []
    current = managers.get(user_id, "")
    while current and current not in chain:
        chain.append(current)
        current = managers.get(current, "")
    return chain


@dataclass(frozen=True)
class Around:
    """Force user ids placed around an alert's subject."""

    subject: str
    manager: str
    unit_mate: str
    stranger: str


def staff_around(alert: AuditAlert) -> Around:
    """Return the subject's manager, a unit mate outside their chain, and a stranger."""
    run = alert.run
    staff = {s.user_id: s for s in ForceStaff.objects.filter(run=run)}
    managers = {s.user_id: s.line_manager_id for s in staff.values()}
    subject = staff[alert.force_user_id]
    above = chain_above(run, subject.user_id, managers)
    assert above, "the subject has no line manager"

    def related(user_id: str) -> bool:
        return (
            user_id == subject.user_id
            or user_id in above
            or subject.user_id in chain_above(run, user_id, managers)
        )

    mate = next(
        s.user_id for s in staff.values() if s.unit == subject.unit and not related(s.user_id)
    )
    # Someone who manages nobody, so that most of the queue is theirs to see.
    managers_ids = set(managers.values())
    stranger = next(
        s.user_id
        for s in staff.values()
        if s.unit != subject.unit and not related(s.user_id) and s.user_id not in managers_ids
    )
    return Around(subject.user_id, above[0], mate, stranger)


def listed(client: Client, status: str = "new") -> list[int]:
    """Return the ids of the audit alerts the queue lists, in order, over all its pages."""
    found: list[int] = []
    page = 1
    while True:
        response = client.get(QUEUE, {"status": status, "page": str(page)})
        assert response.status_code == 200
        text = response.content.decode()
        found += [int(pk) for pk in re.findall(r'href="/alerts/audit/(\d+)/"', text)]
        if "Next</a>" not in text:
            return found
        page += 1


def visible_to(run: AuditRun, force_user_id: str) -> list[int]:
    """Work out, independently of the app, which alerts someone in the force may see."""
    staff = {s.user_id: s for s in ForceStaff.objects.filter(run=run)}
    managers = {s.user_id: s.line_manager_id for s in staff.values()}
    above = set(chain_above(run, force_user_id, managers))
    unit = staff[force_user_id].unit

    def hidden(user_id: str) -> bool:
        return (
            user_id == force_user_id
            or user_id in above
            or force_user_id in chain_above(run, user_id, managers)
            or staff[user_id].unit == unit
        )

    alerts = AuditAlert.objects.filter(run=run).order_by("rank")
    return [a.pk for a in alerts if not hidden(a.force_user_id)]
