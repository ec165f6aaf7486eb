"""Bring row-level security to the policy module's text: the registry's tables.

A copy of 0017 for the policy as it now stands: the registry's list imports, entries and their
services are read only by those who use the registry and written only by the owner (imports,
and custodes' own list reports taken in by `custodes registry take-in`); held rosters, their
people, screenings and matches are read by those who review matches, a match never by the
person it is about, their chain either way or their unit; rosters are held and checks and
screens run in the actor's own name, matches added undecided and decided in the decider's own
name (`custodes_registry_carry` carries earlier decisions to a screen's new matches). Only the
newest such migration does the work (see 0009); going back leaves the policy as it is.
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
        ("dbsecurity", "0017_vetting_reviews_held"),
        ("registry", "0003_custodes_reports"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
