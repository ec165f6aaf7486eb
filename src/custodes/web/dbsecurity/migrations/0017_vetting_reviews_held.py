"""Bring row-level security to the policy module's text: integrity reviews held.

A copy of 0016 for the policy as it now stands: a re-vetting task added already decided (an
integrity review held, `vetting.actions.record_integrity_review`) is added only in its adder's
own name. Only the newest such migration does the work (see 0009); going back leaves the
policy as it is.
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
        ("dbsecurity", "0016_vetting_declarations"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
