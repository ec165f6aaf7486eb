"""Candidates: likely or weaker, the pair (force, person_ref, entry) a decision is about."""

import django.db.models.deletion
from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def _pairs(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Give each roster candidate found before this its roster's force."""
    candidate = apps.get_model("registry", "Candidate")
    screening = apps.get_model("registry", "Screening")
    forces = screening.objects.filter(roster__isnull=False).values_list("pk", "roster__force")
    for pk, force in forces:
        candidate.objects.filter(screening_id=pk).update(force=force)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="candidate",
            name="decided_on",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.candidate",
            ),
        ),
        migrations.AddField(
            model_name="candidate",
            name="force",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddField(
            model_name="candidate",
            name="listed",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="candidate",
            name="strength",
            field=models.CharField(
                choices=[
                    ("likely", "Likely match"),
                    ("weaker", "Weaker: the names agree, little else is known"),
                ],
                default="likely",
                max_length=8,
            ),
        ),
        migrations.AddIndex(
            model_name="candidate",
            index=models.Index(fields=["force", "person_ref", "entry"], name="candidate_pair"),
        ),
        migrations.RunPython(_pairs, migrations.RunPython.noop),
    ]
