"""Name a case's subject as the audited force knows them, for cases opened from audit alerts."""

from __future__ import annotations

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def from_alerts(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor | None) -> None:
    """Give each case already opened from an audit alert its subject's force and id."""
    # Without them those cases would stay decided in custodes' chart alone, open to the
    # subject's force manager and unit, and to the subject under another force's spelling.
    case_model = apps.get_model("cases", "Case")
    alert_model = apps.get_model("alerts", "AuditAlert")
    linked = alert_model.objects.filter(case__isnull=False)
    for case_id, force, force_user_id in linked.values_list("case_id", "force", "force_user_id"):
        case_model.objects.filter(pk=case_id).update(
            subject_force=force, subject_force_user_id=force_user_id
        )


class Migration(migrations.Migration):
    """Add the subject's force and force user id to cases, filled in from their alerts."""

    dependencies = [
        ("alerts", "0002_audit_runs"),
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="subject_force",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddField(
            model_name="case",
            name="subject_force_user_id",
            field=models.CharField(blank=True, default=None, max_length=64, null=True),
        ),
        migrations.RunPython(from_alerts, migrations.RunPython.noop),
    ]
