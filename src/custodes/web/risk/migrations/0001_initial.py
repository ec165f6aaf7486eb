"""Early intervention: risk runs, their entries, intervention plans and their reviews."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cases", "0003_matter_and_path"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="InterventionPlan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("actions", models.TextField()),
                ("deadline", models.DateField()),
                ("review_on", models.DateField()),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Open"), ("closed", "Closed")],
                        default="open",
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField()),
                (
                    "outcome",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("completed", "Completed: the actions were done"),
                            ("no-further-action", "No further action needed"),
                            ("case-opened", "A case was opened"),
                            ("left-service", "The officer left the service"),
                            ("other", "Other (see the note)"),
                        ],
                        default="",
                        max_length=32,
                    ),
                ),
                ("outcome_note", models.TextField(blank=True, default="")),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "closed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="PlanReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reviewed_at", models.DateTimeField()),
                ("notes", models.TextField()),
                ("next_review_on", models.DateField()),
                (
                    "plan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews",
                        to="risk.interventionplan",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["reviewed_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="RiskEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("rank", models.PositiveIntegerField()),
                ("officer_ref", models.CharField(max_length=128)),
                ("score", models.FloatField()),
                ("reasons", models.TextField(blank=True, default="")),
                ("first_name", models.CharField(blank=True, default="", max_length=100)),
                ("last_name", models.CharField(blank=True, default="", max_length=100)),
                ("name_key", models.CharField(blank=True, default="", max_length=201)),
                ("agency", models.CharField(blank=True, default="", max_length=100)),
                ("grade", models.CharField(blank=True, default="", max_length=100)),
                ("unit", models.CharField(blank=True, default="", max_length=100)),
                ("rules", models.CharField(blank=True, default="", max_length=500)),
                ("force", models.CharField(blank=True, default="", max_length=100)),
                ("force_user_id", models.CharField(max_length=128)),
                (
                    "tie",
                    models.CharField(
                        choices=[
                            ("account", "a custodes account"),
                            ("force-id", "an id in the force's systems that custodes holds"),
                            ("untied", "nobody custodes knows"),
                        ],
                        max_length=16,
                    ),
                ),
                ("in_report", models.BooleanField(default=False)),
                (
                    "case",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="cases.case",
                    ),
                ),
                (
                    "subject",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["run", "rank"],
            },
        ),
        migrations.AddField(
            model_name="interventionplan",
            name="entry",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="plans",
                to="risk.riskentry",
            ),
        ),
        migrations.CreateModel(
            name="RiskRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source", models.CharField(max_length=255)),
                ("fingerprint", models.CharField(max_length=64, unique=True)),
                ("files", models.JSONField(default=dict)),
                ("as_of", models.DateField()),
                (
                    "label",
                    models.CharField(
                        choices=[
                            ("substantiated", "a substantiated allegation"),
                            ("sexual", "a sexual-misconduct allegation"),
                        ],
                        max_length=16,
                    ),
                ),
                ("horizon_days", models.PositiveIntegerField()),
                ("officers_scored", models.PositiveIntegerField()),
                ("model", models.JSONField(blank=True, default=dict)),
                ("evaluation", models.JSONField(blank=True, default=dict)),
                ("report", models.TextField(blank=True, default="")),
                ("named_in_report", models.PositiveIntegerField(default=0)),
                ("imported_at", models.DateTimeField()),
                (
                    "imported_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-imported_at", "-pk"],
            },
        ),
        migrations.AddField(
            model_name="riskentry",
            name="run",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="entries",
                to="risk.riskrun",
            ),
        ),
        migrations.AddConstraint(
            model_name="interventionplan",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "open")),
                fields=("entry",),
                name="interventionplan_one_open_per_entry",
            ),
        ),
        migrations.AddIndex(
            model_name="riskentry",
            index=models.Index(fields=["run", "force_user_id"], name="riskentry_force_user"),
        ),
        migrations.AddIndex(
            model_name="riskentry",
            index=models.Index(fields=["officer_ref"], name="riskentry_officer"),
        ),
        migrations.AddConstraint(
            model_name="riskentry",
            constraint=models.UniqueConstraint(
                fields=("run", "rank"), name="riskentry_rank_per_run"
            ),
        ),
        migrations.AddConstraint(
            model_name="riskentry",
            constraint=models.UniqueConstraint(
                fields=("run", "officer_ref"), name="riskentry_one_per_run"
            ),
        ),
    ]
