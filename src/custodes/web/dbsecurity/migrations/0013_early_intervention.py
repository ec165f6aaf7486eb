"""Bring row-level security to the policy module's text: early intervention's tables.

A copy of 0012 for the policy as it now stands: a risk run and its entries are read only by
those who use early intervention (the lead and the appropriate authority, known in the
force); an entry is hidden from whoever is too close to its officer, by account, by force user
id in custodes' chart or an audited force's, or by the unit and name the run gives; an untied
entry only to the lead; plans and their reviews through their entry. Only the newest such
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
        ("dbsecurity", "0012_take_in_as_owner"),
        ("risk", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
