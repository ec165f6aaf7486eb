"""Databases made while django-axes throttled sign-ins lose its tables of names as typed."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection

MIGRATION = "custodes.web.accounts.migrations.0004_drop_axes_tables"
TYPED = "hunter2-typed-as-a-name"


@pytest.mark.django_db(transaction=True)
def test_axes_tables_and_their_typed_names_are_dropped() -> None:
    with connection.cursor() as cursor:
        # As django-axes left them: attempts with the name as typed, and rows that refer to them.
        cursor.execute(
            "CREATE TABLE axes_accessattempt (id integer PRIMARY KEY, username varchar(255),"
            " ip_address varchar(39), user_agent varchar(255))"
        )
        cursor.execute(
            "CREATE TABLE axes_accessattemptexpiration (access_attempt_id integer PRIMARY KEY"
            " REFERENCES axes_accessattempt (id), expires_at timestamp)"
        )
        cursor.execute(
            "CREATE TABLE axes_accessfailurelog (id integer PRIMARY KEY, username varchar(255))"
        )
        cursor.execute("INSERT INTO axes_accessattempt VALUES (1, %s, '10.0.0.1', 'curl')", [TYPED])
        cursor.execute("INSERT INTO axes_accessattemptexpiration VALUES (1, NULL)")
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('axes', '0001_initial',"
            " CURRENT_TIMESTAMP)"
        )
    with connection.schema_editor() as editor:
        importlib.import_module(MIGRATION).drop_axes_tables(apps, editor)
    tables = connection.introspection.table_names()
    assert not [t for t in tables if t.startswith("axes_")]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'axes'")
        assert cursor.fetchone() == (0,)
    # A database that never had them migrates as well.
    with connection.schema_editor() as editor:
        importlib.import_module(MIGRATION).drop_axes_tables(apps, editor)
