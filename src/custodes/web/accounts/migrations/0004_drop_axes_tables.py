"""Drop django-axes' tables, left by databases made before custodes throttled sign-ins itself.

They held every failed sign-in's account name as typed (sometimes a password typed into the
wrong box), address and browser; the throttle keeps names only as keyed pseudonyms.
"""

from django.db import migrations

# Children before parents: the expiry table refers to the attempts.
AXES_TABLES = (
    "axes_accessattemptexpiration",
    "axes_accessfailurelog",
    "axes_accesslog",
    "axes_accessattempt",
)


def drop_axes_tables(apps, schema_editor):
    connection = schema_editor.connection
    present = set(connection.introspection.table_names())
    for table in AXES_TABLES:
        if table in present:
            schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(table)}")
    # So the migrations would run again if axes were ever installed anew.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["axes"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_sign_in_throttle")]

    operations = [migrations.RunPython(drop_axes_tables, migrations.RunPython.noop)]
