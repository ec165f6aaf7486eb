"""The reporting portal: organisations and their accounts, reports, messages and files."""

import django.db.models.deletion
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Organisation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, unique=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("domestic-abuse", "Domestic-abuse service"),
                            ("sexual-violence", "Sexual-violence service"),
                            ("other", "Other support service"),
                        ],
                        max_length=32,
                    ),
                ),
                ("active", models.BooleanField(default=True)),
                ("added_on", models.DateField()),
            ],
            options={
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="OrganisationAccount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("username", models.CharField(max_length=150, unique=True)),
                ("display_name", models.CharField(max_length=200)),
                ("password_hash", models.CharField(max_length=256)),
                ("totp_secret_encrypted", models.TextField(blank=True, default="")),
                ("totp_last_step", models.BigIntegerField(default=0)),
                ("active", models.BooleanField(default=True)),
                ("added_on", models.DateField()),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="accounts",
                        to="portal.organisation",
                    ),
                ),
            ],
            options={
                "ordering": ["organisation__name", "username"],
            },
        ),
        migrations.CreateModel(
            name="Report",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("reference", models.CharField(max_length=10, unique=True)),
                (
                    "channel",
                    models.CharField(
                        choices=[
                            ("public", "A member of the public"),
                            ("colleague", "A colleague speaking up"),
                            ("organisation", "A support organisation, for a victim"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "mode",
                    models.CharField(
                        choices=[
                            ("anonymous", "Anonymous"),
                            ("confidential", "Confidential (name given, kept protected)"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("corruption", "Corruption"),
                            ("personal-advantage", "Using the job for personal advantage"),
                            ("abuse-of-position-sexual", "Abuse of position for a sexual purpose"),
                            ("abuse-of-partner", "Abuse of a partner or family member"),
                            ("discriminatory-conduct", "Discriminatory conduct"),
                            ("other", "Something else"),
                        ],
                        max_length=32,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("new", "New"),
                            ("acknowledged", "Acknowledged"),
                            ("routed", "Routed to a force"),
                            ("case-opened", "A case was opened"),
                            ("intelligence", "Kept as intelligence"),
                            ("safeguarding", "Safeguarding referral made"),
                            ("closed", "Closed"),
                            ("expired", "Expired (content deleted)"),
                        ],
                        default="new",
                        max_length=16,
                    ),
                ),
                ("data_key_encrypted", models.TextField(blank=True, default="")),
                ("content_sealed", models.BinaryField(default=b"")),
                (
                    "receipt_lookup",
                    models.CharField(blank=True, max_length=64, null=True, unique=True),
                ),
                ("received_on", models.DateField()),
                ("acknowledge_by", models.DateField()),
                ("retain_until", models.DateField(blank=True, null=True)),
                ("expired_on", models.DateField(blank=True, null=True)),
                (
                    "organisation_account",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reports",
                        to="portal.organisationaccount",
                    ),
                ),
            ],
            options={
                "ordering": ["received_on", "reference"],
            },
        ),
        migrations.CreateModel(
            name="ReportMessage",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                (
                    "sender",
                    models.CharField(
                        choices=[("reporter", "The reporter"), ("handler", "A handler")],
                        max_length=16,
                    ),
                ),
                ("question", models.BooleanField(default=False)),
                ("body_sealed", models.BinaryField()),
                ("sent_on", models.DateField()),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="portal.report",
                    ),
                ),
            ],
            options={
                "ordering": ["report", "number"],
            },
        ),
        migrations.CreateModel(
            name="ReportFile",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                ("name_sealed", models.BinaryField()),
                ("content_type", models.CharField(max_length=100)),
                ("size", models.PositiveBigIntegerField()),
                ("original_sealed", models.BinaryField()),
                ("cleaned_sealed", models.BinaryField(default=b"")),
                (
                    "cleaning",
                    models.CharField(
                        choices=[
                            ("cleaned", "Metadata removed"),
                            ("unavailable", "No cleaner installed: only the original is kept"),
                            ("failed", "The cleaner could not read it: only the original is kept"),
                        ],
                        max_length=16,
                    ),
                ),
                ("added_on", models.DateField()),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="files",
                        to="portal.report",
                    ),
                ),
                (
                    "message",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="files",
                        to="portal.reportmessage",
                    ),
                ),
            ],
            options={
                "ordering": ["report", "number"],
            },
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                fields=["status", "acknowledge_by"], name="portal_repo_status_12ae91_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="reportmessage",
            constraint=models.UniqueConstraint(
                fields=("report", "number"), name="portal_message_number"
            ),
        ),
        migrations.AddConstraint(
            model_name="reportfile",
            constraint=models.UniqueConstraint(
                fields=("report", "number"), name="portal_file_number"
            ),
        ),
    ]
