"""Bring row-level security to the policy module's text: reports are taken in by the owner.

A copy of 0011 for the policy as it now stands: `custodes_pending_reports` is dropped (it
handed every pending report to any handler's role, and the take-in it served matched reports
against only the part of the staff list that role could see; `custodes reports take-in` runs
as the owner instead), the application's role adds no intake, and a support organisation's
account follows every report of its organisation (`custodes_portal_account_reports`). Only
the newest such migration does the work (see 0009); going back leaves the policy as it is.
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

    dependencies = [("dbsecurity", "0011_reporting_portal")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
