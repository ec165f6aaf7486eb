"""Bring row-level security to the policy module's text: declarations and random samples.

A copy of 0015 for the policy as it now stands: a declaration is made by its declarer about
themselves alone (their account and their own force id) and read by them and by the vetting
officers who may see them, never changed or removed; the declarer raises its task and sees it
while it is open; a month's random sample is read by vetting officers. Only the newest such
migration does the work (see 0009); going back leaves the policy as it is.
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
        ("dbsecurity", "0015_vetting_withdrawal"),
        ("vetting", "0005_declaration_and_withdrawal"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
