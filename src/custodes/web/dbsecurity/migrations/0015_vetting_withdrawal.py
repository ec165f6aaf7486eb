"""Bring row-level security to the policy module's text: vetting's withdrawals, appeals and
transfers.

A copy of 0014 for the policy as it now stands: withdrawal assessments, appeals and transfers
are read only by vetting officers known in the force, never about themselves, their chain
either way or their unit (the one expression every vetting table of records about a member of
staff shares), and a transfer never by anyone too close to the transferee's former force's
staff id either; each is added in the actor's own name, and changed only by its steps (an
assessment's in the name of whoever takes each, an appeal's result in the decider's), in the
columns those steps write; none is removed. Only the newest such migration does the work (see
0009); going back leaves the policy as it is.
"""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import StateApps

from custodes.web.dbsecurity import policy

# This migration's own name: a later copy of it names itself.
NAME = ("dbsecurity", __name__.rsplit(".", 1)[-1])


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Apply the policy module, if this is the newest migration that does."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    if graph.leaf_nodes("dbsecurity") == [NAME]:
        policy.apply(schema_editor)


class Migration(migrations.Migration):
    """Bring the database's row-level security to the policy module's text."""

    dependencies = [
        ("dbsecurity", "0014_vetting"),
        ("vetting", "0004_withdrawal_transfer"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
