"""Bring row-level security to the policy module's text: the reporting portal and its reports.

A copy of 0009, for the policy with the reporting portal: the portal's own role
(`CUSTODES_DB_PORTAL_ROLE`, made NOLOGIN here if the owner may and it is missing) adds reports,
messages and files and reads one report only through the functions that take its receipt's
lookup; the staff app's role reads a report only if its user handles reports, the report was
taken in, and it names nobody too close to them (reports.access). Only the newest such
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
    """Bring the database's row-level security to the policy module's text, the portal in it."""

    dependencies = [
        ("accounts", "0004_drop_axes_tables"),
        ("alerts", "0008_forcestaff_to_needtoknow"),
        ("cases", "0003_matter_and_path"),
        ("needtoknow", "0001_initial"),
        ("portal", "0001_initial"),
        ("registry", "0003_custodes_reports"),
        ("reports", "0001_initial"),
        ("trail", "0005_portal_kinds"),
        ("dbsecurity", "0010_case_path"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
