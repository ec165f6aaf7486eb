"""The registry holds custodes' own list reports (source "custodes"), and withdraws entries."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_candidate_strength_and_pairs"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="listimport",
            name="source",
            field=models.CharField(
                choices=[
                    ("virginia", "Virginia DCJS decertifications"),
                    ("ccrb", "NYPD CCRB left under investigation"),
                    ("generic", "Generic list (CSV)"),
                    ("custodes", "custodes' own barred and advisory list reports"),
                ],
                max_length=16,
            ),
        ),
    ]
