"""Vetting: withdrawal assessments (2025 Regulations), appeals, and officers transferring in."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_custodes_reports"),
        ("vetting", "0002_unit_and_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Withdrawal",
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
                ("unit", models.CharField(blank=True, default="", max_length=100)),
                (
                    "stage",
                    models.CharField(
                        choices=[
                            ("begun", "Assessment begun"),
                            ("notice-served", "Notice served"),
                            ("representations", "Representations in, or none by the due day"),
                            ("decided", "Decided"),
                        ],
                        default="begun",
                        max_length=16,
                    ),
                ),
                ("reason", models.TextField()),
                ("begun_on", models.DateField()),
                ("begun_at", models.DateTimeField()),
                ("notice_served_on", models.DateField(blank=True, null=True)),
                ("grounds", models.TextField(blank=True, default="")),
                ("harm_test_applied", models.BooleanField(default=False)),
                ("harm_test_grounds", models.TextField(blank=True, default="")),
                ("police_friend_told", models.BooleanField(default=False)),
                ("representations_due", models.DateField(blank=True, null=True)),
                ("notice_rules", models.JSONField(blank=True, default=dict)),
                ("representations_on", models.DateField(blank=True, null=True)),
                ("representations_made", models.BooleanField(blank=True, null=True)),
                ("representations", models.TextField(blank=True, default="")),
                (
                    "outcome",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("withdrawn", "Clearance withdrawn"),
                            ("retained", "Clearance retained"),
                        ],
                        default="",
                        max_length=16,
                    ),
                ),
                ("decided_on", models.DateField(blank=True, null=True)),
                ("decision_reason", models.TextField(blank=True, default="")),
                ("consequence", models.TextField(blank=True, default="")),
                ("appeal_due", models.DateField(blank=True, null=True)),
                ("appeal_rules", models.JSONField(blank=True, default=dict)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "begun_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "clearance",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="withdrawals",
                        to="vetting.clearance",
                    ),
                ),
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
                    "notice_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "representations_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "task",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="withdrawal",
                        to="vetting.vettingtask",
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
                    "withdrawn_clearance",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="vetting.clearance",
                    ),
                ),
            ],
            options={
                "ordering": ["-begun_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="Appeal",
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
                    "kind",
                    models.CharField(
                        choices=[
                            ("refusal", "Against a refusal of clearance"),
                            ("withdrawal", "Against a withdrawal of clearance"),
                        ],
                        max_length=16,
                    ),
                ),
                ("level", models.CharField(max_length=8)),
                ("unit", models.CharField(blank=True, default="", max_length=100)),
                ("lodged_on", models.DateField()),
                ("due_on", models.DateField()),
                ("grounds", models.TextField()),
                ("rules", models.JSONField(blank=True, default=dict)),
                ("lodged_at", models.DateTimeField()),
                ("heard_on", models.DateField(blank=True, null=True)),
                (
                    "result",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("upheld", "Upheld: clearance granted or restored"),
                            ("dismissed", "Dismissed: the decision stands"),
                        ],
                        default="",
                        max_length=16,
                    ),
                ),
                ("result_reason", models.TextField(blank=True, default="")),
                ("consequence", models.TextField(blank=True, default="")),
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
                    "decision",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="appeal",
                        to="vetting.clearance",
                    ),
                ),
                (
                    "lodged_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "restored",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="vetting.clearance",
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
                    "withdrawal",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="appeal",
                        to="vetting.withdrawal",
                    ),
                ),
            ],
            options={
                "ordering": ["-lodged_on", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="Transfer",
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
                ("first_name", models.CharField(max_length=100)),
                ("middle_name", models.CharField(blank=True, default="", max_length=100)),
                ("last_name", models.CharField(max_length=100)),
                ("birth_date", models.DateField(blank=True, null=True)),
                ("birth_year", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("sex", models.CharField(blank=True, default="", max_length=1)),
                ("former_force", models.CharField(max_length=120)),
                ("former_staff_id", models.CharField(max_length=64)),
                ("unit", models.CharField(blank=True, default="", max_length=100)),
                ("starts_on", models.DateField()),
                ("recorded_at", models.DateTimeField()),
                ("checks", models.PositiveIntegerField(default=0)),
                ("record_requested_on", models.DateField()),
                ("record_received_on", models.DateField(blank=True, null=True)),
                ("record_note", models.TextField(blank=True, default="")),
                (
                    "record_received_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
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
                    "screening",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="registry.screening",
                    ),
                ),
                (
                    "task",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="transfer",
                        to="vetting.vettingtask",
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
                "ordering": ["starts_on", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("former_force", "former_staff_id", "starts_on"),
                        name="transfer_once",
                    )
                ],
            },
        ),
    ]
