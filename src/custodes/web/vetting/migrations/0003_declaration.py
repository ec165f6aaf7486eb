"""Vetting: declared changes of circumstance, and each month's random sample for re-vetting."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("vetting", "0002_unit_and_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RandomSample",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.CharField(max_length=7, unique=True)),
                ("holders", models.PositiveIntegerField()),
                ("chosen", models.PositiveIntegerField()),
                ("rules", models.JSONField(blank=True, default=dict)),
                ("drawn_at", models.DateTimeField()),
            ],
            options={
                "ordering": ["-month"],
            },
        ),
        migrations.CreateModel(
            name="Declaration",
            fields=[
                ("force", models.CharField(blank=True, default="", max_length=32)),
                (
                    "force_user_id",
                    models.CharField(blank=True, default=None, max_length=64, null=True),
                ),
                ("person", models.CharField(max_length=140)),
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("name", "A change of name"),
                            ("address", "A change of address"),
                            ("household", "Someone over 10 joined or left my household"),
                            ("partner", "A new partner"),
                            ("finances", "A significant change in my finances"),
                            ("proceedings", "Criminal proceedings against me, a caution included"),
                            (
                                "civil",
                                "An adverse civil finding against me (a judgment, bankruptcy)",
                            ),
                            (
                                "named-person",
                                "A conviction, caution or investigation of someone named on my vetting forms",
                            ),
                            ("association", "A notifiable association, or another to declare"),
                        ],
                        max_length=16,
                    ),
                ),
                ("details_encrypted", models.TextField()),
                ("associate_person_id", models.CharField(blank=True, default="", max_length=64)),
                (
                    "association",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "No one named"),
                            ("family", "Family"),
                            ("partner", "Partner"),
                            ("former-partner", "Former partner"),
                            ("friend", "Friend"),
                            ("notifiable-association", "Notifiable association"),
                        ],
                        default="",
                        max_length=24,
                    ),
                ),
                ("changed_on", models.DateField(blank=True, null=True)),
                ("declared_on", models.DateField()),
                ("recorded_at", models.DateTimeField()),
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
                "ordering": ["-recorded_at"],
                "indexes": [
                    models.Index(fields=["user", "recorded_at"], name="declaration_declarer"),
                    models.Index(fields=["force", "association"], name="declaration_association"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("associate_person_id", ""), ("association", "")),
                            models.Q(
                                models.Q(("associate_person_id", ""), _negated=True),
                                models.Q(("association", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="declaration_associate_and_kind",
                    )
                ],
            },
        ),
    ]
