"""One trail event per read or write of a sensitive record; never the personal data itself."""

from __future__ import annotations

from django.db import models

from custodes.web.trail.kinds import Action, Subject

__all__ = ["TrailEvent"]


class TrailEvent(models.Model):
    """Who did what to which record, when and why, chained to the event before it."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True)  # a user id; null for the system itself
    action = models.CharField(max_length=32, choices=Action.choices)
    subject_type = models.CharField(max_length=32, choices=Subject.choices)
    subject_id = models.CharField(max_length=64)
    reason = models.TextField(blank=True, default="")
    changes = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.subject_type}:{self.subject_id}"
