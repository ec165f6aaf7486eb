"""The matter and its parts: kind, profile, dates and source on the case; its subjects (each
case's one subject becomes its first), allegations, the decisions on its path, what the law
still requires of it, and the barred and advisory list reports it makes.

Existing cases keep working as they were: each is an intelligence matter under the England and
Wales profile that came to attention the day it was opened, from an access-audit alert where
one links to it (otherwise "other"), still at assessment; its subject is its first
`CaseSubject`, named exactly as the case names them, so need-to-know decides as before.
"""

from __future__ import annotations

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.utils import timezone

import custodes.web.cases.models


def existing_cases(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor | None) -> None:
    """Give each case opened before its dates, its source and its subject as a CaseSubject."""
    case_model = apps.get_model("cases", "Case")
    subject_model = apps.get_model("cases", "CaseSubject")
    alert_model = apps.get_model("alerts", "AuditAlert")
    alerts = dict(
        alert_model.objects.filter(case__isnull=False).order_by("-pk").values_list("case_id", "pk")
    )
    for case in case_model.objects.select_related("subject").order_by("opened_at", "pk"):
        case.came_to_attention = timezone.localtime(case.opened_at).date()
        alert = alerts.get(case.pk)
        if alert is not None:
            case.source = "audit-alert"
            case.source_record_type = "audit-alert"
            case.source_record_id = str(alert)
        case.save(
            update_fields=["came_to_attention", "source", "source_record_type", "source_record_id"]
        )
        if case.subject_id is None and case.subject_force_user_id is None:
            continue
        # As the case names them and no more: need-to-know on it decides as it did.
        subject_model.objects.get_or_create(
            case=case,
            user_id=case.subject_id,
            force_user_id=case.subject_force_user_id,
            defaults={
                "force": case.subject_force or (case.subject.force if case.subject else ""),
                "unit": case.subject.unit if case.subject else "",
                "added_at": case.opened_at,
                "added_by_id": case.opened_by_id,
            },
        )


# What a row written by SQL alone gets (a benchmark's or an import's): what Django writes.
SQL_DEFAULTS = {
    "kind": "'intelligence'",
    "profile": "'england-wales'",
    "came_to_attention": "CURRENT_DATE",
    "source": "'other'",
    "source_record_type": "''",
    "source_record_id": "''",
    "indications": "'[]'::jsonb",
    "complainant_view": "''",
    "stage": "'assessment'",
}


def sql_defaults(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """On PostgreSQL, give the new columns of cases_case the defaults Django gives them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, default in SQL_DEFAULTS.items():
        schema_editor.execute(
            f"ALTER TABLE cases_case ALTER COLUMN {column} SET DEFAULT {default}", params=None
        )


class Migration(migrations.Migration):
    """Add the matter, its subjects and allegations, its path and its list reports."""

    dependencies = [
        ("alerts", "0002_audit_runs"),
        ("cases", "0002_case_subject_in_force"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="arose_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="came_to_attention",
            field=models.DateField(default=custodes.web.cases.models._today),
        ),
        migrations.AddField(
            model_name="case",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="complainant_view",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="case",
            name="complainant_wants_recording",
            field=models.BooleanField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="indications",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="case",
            name="investigation_ended_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="investigator",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases_investigated",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="kind",
            field=models.CharField(
                choices=[
                    ("complaint", "Complaint"),
                    ("conduct", "Conduct matter"),
                    ("recordable-conduct", "Recordable conduct matter"),
                    ("dsi", "Death or serious injury matter"),
                    ("intelligence", "Intelligence"),
                ],
                default="intelligence",
                max_length=24,
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="profile",
            field=models.CharField(default="england-wales", max_length=32),
        ),
        migrations.AddField(
            model_name="case",
            name="recorded",
            field=models.BooleanField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="referral_due",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="referral_mandatory",
            field=models.BooleanField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="referred_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="schedule_3",
            field=models.BooleanField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="source",
            field=models.CharField(
                choices=[
                    ("public", "a member of the public"),
                    ("colleague", "a colleague"),
                    ("support-organisation", "a support organisation"),
                    ("audit-alert", "an access-audit alert"),
                    ("registry-match", "a registry match"),
                    ("portal", "the reporting portal"),
                    ("other", "another source"),
                ],
                default="other",
                max_length=24,
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="source_record_id",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="case",
            name="source_record_type",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddField(
            model_name="case",
            name="stage",
            field=models.CharField(
                choices=[
                    ("assessment", "Assessment"),
                    ("investigation", "Investigation"),
                    ("decision", "Case to answer"),
                    ("proceedings", "Proceedings"),
                    ("outcome", "Outcome"),
                    ("closed", "Closed"),
                ],
                default="assessment",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="caseparty",
            name="account",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="caseparty",
            name="role",
            field=models.CharField(
                choices=[
                    ("victim", "Victim"),
                    ("reporter", "Reporter"),
                    ("witness", "Witness"),
                    ("complainant", "Complainant"),
                ],
                max_length=16,
            ),
        ),
        migrations.CreateModel(
            name="CaseSubject",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("force", models.CharField(blank=True, default="", max_length=32)),
                (
                    "force_user_id",
                    models.CharField(blank=True, default=None, max_length=64, null=True),
                ),
                ("first_name", models.CharField(blank=True, default="", max_length=100)),
                ("last_name", models.CharField(blank=True, default="", max_length=100)),
                ("birth_date", models.DateField(blank=True, null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("officer", "Police officer"),
                            ("special", "Special constable"),
                            ("staff", "Member of police staff"),
                            ("contractor", "Contractor"),
                        ],
                        default="officer",
                        max_length=16,
                    ),
                ),
                ("rank", models.CharField(blank=True, default="", max_length=64)),
                ("warrant_number", models.CharField(blank=True, default="", max_length=32)),
                ("unit", models.CharField(blank=True, default="", max_length=100)),
                ("senior_officer", models.BooleanField(default=False)),
                ("added_at", models.DateTimeField()),
                ("severity", models.CharField(blank=True, default="", max_length=40)),
                ("likely_proceedings", models.CharField(blank=True, default="", max_length=40)),
                ("notice_served_on", models.DateField(blank=True, null=True)),
                ("case_to_answer", models.BooleanField(blank=True, null=True)),
                ("finding", models.CharField(blank=True, default="", max_length=40)),
                ("forum", models.CharField(blank=True, default="", max_length=24)),
                ("outcome", models.CharField(blank=True, default="", max_length=40)),
                ("outcome_on", models.DateField(blank=True, null=True)),
                ("proceedings_ended_on", models.DateField(blank=True, null=True)),
                ("left_on", models.DateField(blank=True, null=True)),
                (
                    "left_how",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("resigned", "Resigned"),
                            ("retired", "Retired"),
                            ("dismissed", "Dismissed"),
                        ],
                        default="",
                        max_length=16,
                    ),
                ),
                (
                    "added_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="subjects",
                        to="cases.case",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="case_subjects",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["case", "added_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="Allegation",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("category", models.CharField(max_length=64)),
                ("description", models.TextField(blank=True, default="")),
                ("arose_on", models.DateField(blank=True, null=True)),
                ("added_at", models.DateTimeField()),
                (
                    "added_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="allegations",
                        to="cases.case",
                    ),
                ),
                (
                    "subject",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="allegations",
                        to="cases.casesubject",
                    ),
                ),
            ],
            options={
                "ordering": ["case", "added_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="Decision",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "step",
                    models.CharField(
                        choices=[
                            ("intake", "Took in the matter"),
                            ("subject", "Named a subject"),
                            ("allegation", "Added an allegation"),
                            ("recording", "Decided whether to record"),
                            ("referral", "Decided whether to refer"),
                            ("severity", "Assessed severity"),
                            ("appointment", "Appointed an investigator"),
                            ("notice", "Served a notice of investigation"),
                            ("timeliness", "Gave a timeliness account"),
                            ("report", "Submitted the investigation report"),
                            ("case-to-answer", "Decided whether there is a case to answer"),
                            ("proceedings", "Arranged proceedings"),
                            ("outcome", "Recorded an outcome"),
                            ("rprp", "Began the reflective practice review process"),
                            ("rprp-review", "Reviewed reflective practice"),
                            ("left-service", "Recorded a subject leaving the service"),
                            ("appeal", "Recorded an appeal"),
                            ("appeal-decided", "Recorded an appeal's result"),
                            ("list-report", "Sent a list report"),
                            ("closure", "Closed the case"),
                        ],
                        max_length=24,
                    ),
                ),
                ("decided_at", models.DateTimeField()),
                ("summary", models.CharField(max_length=300)),
                ("details", models.JSONField(blank=True, default=dict)),
                ("reason", models.TextField(blank=True, default="")),
                ("rules", models.JSONField(blank=True, default=dict)),
                ("departs", models.BooleanField(default=False)),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="decisions",
                        to="cases.case",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "subject",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="decisions",
                        to="cases.casesubject",
                    ),
                ),
            ],
            options={
                "ordering": ["case", "decided_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="ListReport",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("list_type", models.CharField(max_length=32)),
                (
                    "action",
                    models.CharField(
                        choices=[("add", "Add to the list"), ("remove", "Remove from the list")],
                        default="add",
                        max_length=8,
                    ),
                ),
                ("event", models.CharField(max_length=48)),
                ("event_on", models.DateField()),
                ("fields", models.JSONField(default=dict)),
                ("rules", models.JSONField(blank=True, default=dict)),
                ("produced_at", models.DateTimeField()),
                ("due_on", models.DateField(blank=True, null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[("due", "To send"), ("sent", "Sent"), ("withdrawn", "Withdrawn")],
                        default="due",
                        max_length=12,
                    ),
                ),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("withdrawn_at", models.DateTimeField(blank=True, null=True)),
                ("withdrawal_reason", models.TextField(blank=True, default="")),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="list_reports",
                        to="cases.case",
                    ),
                ),
                (
                    "earlier",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="later",
                        to="cases.listreport",
                    ),
                ),
                (
                    "produced_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "sent_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "subject",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="list_reports",
                        to="cases.casesubject",
                    ),
                ),
            ],
            options={
                "ordering": ["case", "produced_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="Requirement",
            fields=[
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
                            ("recording", "Decide whether to record the complaint"),
                            ("referral", "Decide on the mandatory referral"),
                            ("notice", "Serve the notice of investigation"),
                            ("outcome", "Record the outcome of proceedings"),
                            ("rprp-review", "Review the reflective practice"),
                            ("appeal", "Record the appeal's result"),
                            ("list-report", "Send the list report"),
                        ],
                        max_length=16,
                    ),
                ),
                ("due_on", models.DateField(blank=True, null=True)),
                ("rules", models.JSONField(blank=True, default=dict)),
                ("opened_at", models.DateTimeField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("met", "Met"),
                            ("lapsed", "No longer required"),
                        ],
                        default="open",
                        max_length=8,
                    ),
                ),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="requirements",
                        to="cases.case",
                    ),
                ),
                (
                    "list_report",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="cases.listreport",
                    ),
                ),
                (
                    "met_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="cases.decision",
                    ),
                ),
                (
                    "subject",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="cases.casesubject",
                    ),
                ),
            ],
            options={
                "ordering": ["case", "due_on", "opened_at", "id"],
            },
        ),
        migrations.AddConstraint(
            model_name="casesubject",
            constraint=models.UniqueConstraint(
                condition=models.Q(("user__isnull", False)),
                fields=("case", "user"),
                name="casesubject_account_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="casesubject",
            constraint=models.UniqueConstraint(
                condition=models.Q(("force_user_id__isnull", False)),
                fields=("case", "force_user_id"),
                name="casesubject_force_id_once",
            ),
        ),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(fields=["step", "departs"], name="decision_departures"),
        ),
        migrations.AddIndex(
            model_name="requirement",
            index=models.Index(fields=["status", "due_on"], name="requirement_open_due"),
        ),
        migrations.RunPython(existing_cases, migrations.RunPython.noop),
        migrations.RunPython(sql_defaults, migrations.RunPython.noop),
    ]
