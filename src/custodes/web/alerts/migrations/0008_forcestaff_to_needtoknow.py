"""ForceStaff moves to the needtoknow app; its table, rows, indexes and policies stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("alerts", "0007_run_signature")]

    operations = [
        # The model leaves this app's state only: needtoknow 0001 takes over the same table.
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ForceStaff")],
            database_operations=[],
        ),
    ]
