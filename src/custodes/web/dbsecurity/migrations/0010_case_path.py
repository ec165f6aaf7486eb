"""Bring row-level security to the policy module's text: a case's subjects, parts and path.

A copy of 0009, for the policy as it stands with case management: a case is kept from whoever
is too close to any of its subjects; its subjects, allegations, decisions, what the law still
requires of it and its list reports are seen by whoever sees the case and written only by
whoever may work on it, each step by the role that takes it; the oversight body reads referred
matters and writes none. Each change to the policy comes with a migration like this one
(`policy.apply`). Applying it is idempotent: it replaces every function and policy with the
module's and sets the application's rights. Only the newest such migration does the work: on a
fresh database an older one would apply today's text before the tables today's text names
exist; the newest, which comes after them, applies it once. Going back leaves the policy as it
is.
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
    """Bring the database's row-level security to the policy module's text, cases' path in it."""

    dependencies = [
        ("accounts", "0004_drop_axes_tables"),
        ("alerts", "0008_forcestaff_to_needtoknow"),
        ("cases", "0003_matter_and_path"),
        ("needtoknow", "0001_initial"),
        ("registry", "0003_custodes_reports"),
        ("trail", "0003_case_path_kinds"),
        ("dbsecurity", "0009_policy_module"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
