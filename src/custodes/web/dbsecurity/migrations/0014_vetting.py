"""Bring row-level security to the policy module's text: vetting's tables.

A copy of 0013 for the policy as it now stands: clearances, moves into posts and re-vetting
tasks are read only by vetting officers known in the force, never about themselves, their
chain either way or their unit, by account or by force user id in custodes' chart or an
audited force's (one expression for every table of records about a member of staff);
decisions and moves are added in the actor's own name and never changed, a task changes only
by its decision; posts' requirements to vetting officers. Only the newest such migration does
the work (see 0009); going back leaves the policy as it is.
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
        ("dbsecurity", "0013_early_intervention"),
        ("vetting", "0002_unit_and_triggers"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
