"""Staff users of custodes: who they are in the force, and what they do in custodes."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

__all__ = ["Role", "SignInThrottle", "User"]


class Role(models.TextChoices):
    """What a user does in custodes."""

    PSD_INVESTIGATOR = "psd-investigator", "PSD investigator"
    CC_ANALYST = "cc-analyst", "Counter-corruption analyst"
    CC_LEAD = "cc-lead", "Counter-corruption lead"
    APPROPRIATE_AUTHORITY = "appropriate-authority", "Appropriate authority"
    VETTING_OFFICER = "vetting-officer", "Vetting officer"
    INTAKE_HANDLER = "intake-handler", "Intake handler"
    OVERSIGHT_REVIEWER = "oversight-reviewer", "Oversight reviewer"
    ADMINISTRATOR = "administrator", "Administrator"


class User(AbstractUser):
    """A member of staff who signs in to custodes."""

    force = models.CharField(max_length=32)
    unit = models.CharField(max_length=64)
    line_manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    # The user's id in the force's own systems, so the access audit's subjects can be matched.
    # NULL rather than "" when unknown, so the one-account-per-id constraint skips them.
    force_user_id = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, default=None
    )

    class Meta:
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "force_user_id"],
                condition=models.Q(force_user_id__isnull=False),
                name="user_one_account_per_force_identity",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def chain_ids(self) -> set[int]:
        """Return the ids of everyone above this user in the line-management chain."""
        chain: set[int] = set()
        manager_id = self.line_manager_id
        while manager_id is not None and manager_id not in chain and manager_id != self.pk:
            chain.add(manager_id)
            manager_id = (
                User.objects.filter(pk=manager_id).values_list("line_manager_id", flat=True).first()
            )
        return chain


class SignInThrottle(models.Model):
    """Failed sign-ins with one account name, or from one address, and any lock-out they caused."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", "Account name"
        ADDRESS = "address", "Network address"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    # An account name as a keyed pseudonym, never as typed (it may be a mistyped password);
    # an address as the client's address (an IPv6 client's /64 network).
    key = models.CharField(max_length=64)
    # The account the name is, when it is one: so administrators see which accounts are locked.
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    failures = models.PositiveIntegerField(default=0)
    counting_since = models.DateTimeField(null=True, blank=True)
    # Lock-outs in a row: each one lasts twice as long as the last, up to a cap.
    lockouts = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="signinthrottle_one_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
