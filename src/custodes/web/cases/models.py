"""A case about a member of staff, and who has been given access to it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

__all__ = ["Case", "CaseAccess", "CaseParty"]


class Case(models.Model):
    """A misconduct or corruption matter; `subject` is the member of staff it is about."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=32, unique=True)
    title = models.CharField(max_length=200)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_about",
    )
    # The subject as the audited force knows them, on a case opened from an access-audit
    # alert: need-to-know then applies the force's own charts too, as it did to the alert,
    # whether or not the subject has an account. NULL rather than "" on every other case.
    subject_force = models.CharField(max_length=32, blank=True, default="")
    subject_force_user_id = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, default=None
    )
    sealed = models.BooleanField(default=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return self.reference


class CaseAccess(models.Model):
    """One person's access to one case: team member, grant, sealed-case name or break-glass."""

    class Kind(models.TextChoices):
        MEMBER = "member", "Case team member"
        GRANT = "grant", "Granted despite a conflict"
        NAMED = "named", "Named on a sealed case"
        BREAK_GLASS = "break-glass", "Break-glass"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.TextField(blank=True, default="")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "case"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.case_id}"


class CaseParty(models.Model):
    """A victim, reporter or witness in a case; who they are is kept only encrypted."""

    class Role(models.TextChoices):
        VICTIM = "victim", "Victim"
        REPORTER = "reporter", "Reporter"
        WITNESS = "witness", "Witness"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(max_length=16, choices=Role.choices)
    # AES-GCM ciphertexts ("v<key version>:<base64>"), bound to this table, column and row.
    name_encrypted = models.TextField()
    contact_encrypted = models.TextField(blank=True, default="")
    added_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.role} in {self.case_id}"
