"""The audited forces' staff charts, taken over from the alerts app's table as it stands."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("alerts", "0008_forcestaff_to_needtoknow")]

    operations = [
        # State only: alerts_forcestaff exists (alerts 0002, 0004, 0005) with this exact shape.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ForceStaff",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("force", models.CharField(max_length=32)),
                        ("user_id", models.CharField(max_length=64)),
                        ("unit", models.CharField(max_length=100)),
                        (
                            "line_manager_id",
                            models.CharField(blank=True, default="", max_length=64),
                        ),
                        (
                            "run",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="staff",
                                to="alerts.auditrun",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "alerts_forcestaff",
                        "indexes": [
                            models.Index(fields=["user_id"], name="forcestaff_user_id"),
                            models.Index(
                                fields=["run", "line_manager_id"], name="forcestaff_reports"
                            ),
                            models.Index(fields=["run", "unit"], name="forcestaff_unit"),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("run", "user_id"), name="forcestaff_one_per_run"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
