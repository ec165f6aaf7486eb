"""The audited forces' own org charts: one row per member of staff per imported audit run."""

from __future__ import annotations

from django.db import models

__all__ = ["ForceStaff"]


class ForceStaff(models.Model):
    """One member of the audited force's staff: the org chart need-to-know is applied with."""

    # By name, not by import: the run is the alerts app's, which stands above this one.
    run = models.ForeignKey("alerts.AuditRun", on_delete=models.CASCADE, related_name="staff")
    force = models.CharField(max_length=32)
    user_id = models.CharField(max_length=64)  # the id in the force's own systems
    unit = models.CharField(max_length=100)
    line_manager_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        # The table the alerts app made: row-level security's policies and functions name it.
        db_table = "alerts_forcestaff"
        constraints = [
            models.UniqueConstraint(fields=["run", "user_id"], name="forcestaff_one_per_run"),
        ]
        # Need-to-know looks a viewer up in every run that lists them, by their id alone, then
        # walks to their reports and their unit within each run.
        indexes = [
            models.Index(fields=["user_id"], name="forcestaff_user_id"),
            models.Index(fields=["run", "line_manager_id"], name="forcestaff_reports"),
            models.Index(fields=["run", "unit"], name="forcestaff_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.force} {self.user_id}"
