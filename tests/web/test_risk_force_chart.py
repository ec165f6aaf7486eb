"""Need-to-know on the list in an imported force's chart: staff known only by their id in the
force's systems (an audit run's org chart), with no custodes account, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from custodes.web.accounts.models import User
from custodes.web.alerts.models import AuditAlert
from custodes.web.risk.access import entries_for_user, entry_conflict
from custodes.web.risk.models import RiskEntry, RiskRun
from tests.web.audit_helpers import Around, import_run, make_audit_folders, staff_around
from tests.web.risk_helpers import (
    Force,
    Officer,
    force_fixture,  # noqa: F401 - a fixture
    import_folder,
    make_lead,
    write_run,
)
from tests.web.test_postgres_security import as_app


@pytest.fixture
def around(db: None, tmp_path_factory: pytest.TempPathFactory) -> Around:
    """Import a real audit run (its org chart) and return staff placed around a subject."""
    run = import_run(make_audit_folders(tmp_path_factory))
    return staff_around(AuditAlert.objects.get(run=run, rank=1))


@pytest.fixture
def risk_run(force: Force, around: Around, tmp_path: Path) -> RiskRun:
    """A risk run ranking the audited force's subject and stranger by their force ids."""
    return import_folder(
        write_run(
            tmp_path / "run",
            [
                Officer(f"XF:{around.subject}", "Pat", "Subject", "", 0.9),
                Officer(f"XF:{around.stranger}", "Sid", "Stranger", "", 0.5),
            ],
        )
    )


def leads(force: Force, around: Around) -> dict[str, User]:
    """Return leads who are, in the force's systems, the subject's manager, unit mate, stranger."""
    return {
        name: make_lead(force, f"lead-{name}", force_user_id)
        for name, force_user_id in (
            ("manager", around.manager),
            ("unit-mate", around.unit_mate),
            ("stranger", around.stranger),
        )
    }


def test_staff_in_the_force_chart_are_tied_and_kept_from_those_close_to_them(
    force: Force, around: Around, risk_run: RiskRun
) -> None:
    """The subject's manager and unit mate (in the force's chart) do not see the subject."""
    subject = RiskEntry.objects.get(run=risk_run, officer_ref=f"XF:{around.subject}")
    assert subject.tie == RiskEntry.Tie.FORCE_ID
    close = leads(force, around)
    for name in ("manager", "unit-mate"):
        assert entry_conflict(close[name], subject) is not None, name
        assert not entries_for_user(close[name], risk_run).filter(pk=subject.pk).exists(), name
    stranger = close["stranger"]
    assert entry_conflict(stranger, subject) is None
    # Their own entry is kept from them; the subject's is not.
    assert {e.officer_ref for e in entries_for_user(stranger, risk_run)} == {f"XF:{around.subject}"}
    if connection.vendor == "postgresql":
        for user in close.values():
            wanted = {e.pk for e in entries_for_user(user, risk_run)}
            with as_app(user) as cursor:
                cursor.execute("SELECT id FROM risk_riskentry")
                assert {row[0] for row in cursor.fetchall()} == wanted, user
