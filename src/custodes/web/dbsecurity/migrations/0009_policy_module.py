"""Bring row-level security to the text of `dbsecurity.policy`, the policy as it stands.

From here on the policy is read and changed in `custodes/web/dbsecurity/policy.py`, and each
change comes with a migration like this one (`policy.apply`). Applying it is idempotent: it
replaces every function and policy with the module's and sets the application's rights. Only
the newest such migration does the work: on a fresh database an older one would apply today's
text before the tables today's text names exist; the newest, which comes after them, applies
it once. Going back leaves the policy as it is: what it replaced was the same rules.
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
        ("accounts", "0004_drop_axes_tables"),
        ("alerts", "0008_forcestaff_to_needtoknow"),
        ("cases", "0002_case_subject_in_force"),
        ("needtoknow", "0001_initial"),
        ("registry", "0002_candidate_strength_and_pairs"),
        ("trail", "0001_initial"),
        ("dbsecurity", "0008_conflicts_and_trail"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
