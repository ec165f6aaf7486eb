"""Vetting: clearances, post requirements, moves into posts and re-vetting tasks."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PostRequirement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120, unique=True)),
                ("required_level", models.CharField(max_length=8)),
                (
                    "vulnerable",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "No particular access to vulnerable people"),
                            ("public-protection", "Public protection"),
                            ("domestic-abuse", "Domestic abuse"),
                            ("child-protection", "Child protection"),
                        ],
                        default="",
                        max_length=24,
                    ),
                ),
                ("reason", models.TextField(blank=True, default="")),
                ("set_at", models.DateTimeField()),
                (
                    "set_by",
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
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="Posting",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("force", models.CharField(blank=True, default="", max_length=32)),
                (
                    "force_user_id",
                    models.CharField(blank=True, default=None, max_length=64, null=True),
                ),
                ("person", models.CharField(max_length=140)),
                ("starts_on", models.DateField()),
                ("recorded_at", models.DateTimeField()),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "post",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="postings",
                        to="vetting.postrequirement",
                    ),
                ),
            ],
            options={
                "ordering": ["-starts_on", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="Clearance",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("force", models.CharField(blank=True, default="", max_length=32)),
                (
                    "force_user_id",
                    models.CharField(blank=True, default=None, max_length=64, null=True),
                ),
                ("person", models.CharField(max_length=140)),
                ("level", models.CharField(max_length=8)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("granted", "Granted"),
                            ("withdrawn", "Withdrawn"),
                            ("expired", "Expired"),
                            ("refused", "Refused"),
                        ],
                        max_length=16,
                    ),
                ),
                ("granted_on", models.DateField(blank=True, null=True)),
                ("renewal_due", models.DateField(blank=True, null=True)),
                ("integrity_review_due", models.DateField(blank=True, null=True)),
                ("conditions", models.TextField(blank=True, default="")),
                ("reason", models.TextField()),
                ("rules", models.JSONField(blank=True, default=dict)),
                ("decided_at", models.DateTimeField()),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
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
                "ordering": ["person", "-decided_at", "-pk"],
                "indexes": [models.Index(fields=["person", "status"], name="clearance_person")],
            },
        ),
        migrations.CreateModel(
            name="VettingTask",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("force", models.CharField(blank=True, default="", max_length=32)),
                (
                    "force_user_id",
                    models.CharField(blank=True, default=None, max_length=64, null=True),
                ),
                ("person", models.CharField(max_length=140)),
                (
                    "trigger",
                    models.CharField(
                        choices=[
                            ("outcome", "An outcome short of dismissal"),
                            ("rprp", "Reflective practice began"),
                            ("registry-match", "A confirmed barred or advisory list match"),
                            ("audit-alert", "An escalated access-audit alert"),
                            ("expiry", "A clearance reached its renewal date"),
                            ("post-move", "A move into a post"),
                            ("external-check", "A hit in an external check"),
                        ],
                        max_length=24,
                    ),
                ),
                ("source_type", models.CharField(max_length=32)),
                ("source_id", models.CharField(max_length=128)),
                ("summary", models.CharField(max_length=300)),
                ("happened_on", models.DateField()),
                ("due_on", models.DateField()),
                ("rules", models.JSONField(blank=True, default=dict)),
                ("raised_at", models.DateTimeField()),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Open"), ("decided", "Decided")],
                        default="open",
                        max_length=16,
                    ),
                ),
                (
                    "decision",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("stands", "The clearance stands"),
                            ("conditions", "The clearance stands with conditions"),
                            ("withdrawal", "A withdrawal assessment is to begin"),
                            ("renewed", "Renewed (a new clearance recorded)"),
                            ("not-needed", "No vetting action needed"),
                        ],
                        default="",
                        max_length=16,
                    ),
                ),
                ("decision_reason", models.TextField(blank=True, default="")),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
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
                "ordering": ["due_on", "pk"],
                "indexes": [models.Index(fields=["status", "due_on"], name="vettingtask_open")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("trigger", "source_type", "source_id", "person"),
                        name="vettingtask_once_per_trigger",
                    )
                ],
            },
        ),
    ]
