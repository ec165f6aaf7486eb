"""What the reporting portal keeps: reports, their messages and files, support organisations.

Nothing here refers to a staff account (the portal's own process installs no staff apps), and
nothing records an exact time, an address or a browser: only dates. A report's content, its
messages, its files and their names are sealed under the report's own data key
(`sealing.py`); the data key is itself sealed under the field keys, so a dump of these tables
shows nothing a reporter wrote. Every write is in `actions.py`.
"""

from __future__ import annotations

import uuid

from django.db import models

__all__ = [
    "Category",
    "Channel",
    "HowMet",
    "Mode",
    "Organisation",
    "OrganisationAccount",
    "Report",
    "ReportFile",
    "ReportMessage",
    "Status",
]


class Channel(models.TextChoices):
    """Who made the report."""

    PUBLIC = "public", "A member of the public"
    COLLEAGUE = "colleague", "A colleague speaking up"
    ORGANISATION = "organisation", "A support organisation, for a victim"


class Mode(models.TextChoices):
    """Whether the reporter gave their name."""

    ANONYMOUS = "anonymous", "Anonymous"
    CONFIDENTIAL = "confidential", "Confidential (name given, kept protected)"


class Category(models.TextChoices):
    """The categories of the national anti-corruption and abuse reporting line."""

    CORRUPTION = "corruption", "Corruption"
    PERSONAL_ADVANTAGE = "personal-advantage", "Using the job for personal advantage"
    ABUSE_OF_POSITION_SEXUAL = (
        "abuse-of-position-sexual",
        "Abuse of position for a sexual purpose",
    )
    ABUSE_OF_PARTNER = "abuse-of-partner", "Abuse of a partner or family member"
    DISCRIMINATORY_CONDUCT = "discriminatory-conduct", "Discriminatory conduct"
    OTHER = "other", "Something else"


class HowMet(models.TextChoices):
    """How the reporter came across the officer or member of staff (in the sealed content)."""

    CALL = "call", "They came to a call I made"
    VICTIM = "victim", "As a victim of a crime"
    WITNESS = "witness", "As a witness"
    CUSTODY = "custody", "In custody"
    ONLINE = "online", "Online"
    WORK = "work", "At work"
    OTHER = "other", "Another way"


class Status(models.TextChoices):
    """Where a report stands on the staff side."""

    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ROUTED = "routed", "Routed to a force"
    CASE_OPENED = "case-opened", "A case was opened"
    INTELLIGENCE = "intelligence", "Kept as intelligence"
    SAFEGUARDING = "safeguarding", "Safeguarding referral made"
    CLOSED = "closed", "Closed"
    EXPIRED = "expired", "Expired (content deleted)"


class Organisation(models.Model):
    """A support organisation (a domestic-abuse or sexual-violence service) that reports."""

    class Kind(models.TextChoices):
        DOMESTIC_ABUSE = "domestic-abuse", "Domestic-abuse service"
        SEXUAL_VIOLENCE = "sexual-violence", "Sexual-violence service"
        OTHER = "other", "Other support service"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    active = models.BooleanField(default=True)
    added_on = models.DateField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganisationAccount(models.Model):
    """A support organisation's worker's sign-in: a password hash and a sealed TOTP secret."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="accounts"
    )
    username = models.CharField(max_length=150, unique=True)
    display_name = models.CharField(max_length=200)
    # An Argon2id hash (django.contrib.auth.hashers' format); never the password.
    password_hash = models.CharField(max_length=256)
    # The TOTP secret, sealed under the field keys (custodes.web.encryption: registered there,
    # so `custodes keys rotate` re-encrypts it); empty until two-factor sign-in is set up.
    totp_secret_encrypted = models.TextField(blank=True, default="")
    # The last TOTP time step accepted, so a code cannot be used twice.
    totp_last_step = models.BigIntegerField(default=0)
    active = models.BooleanField(default=True)
    added_on = models.DateField()

    class Meta:
        ordering = ["organisation__name", "username"]

    def __str__(self) -> str:
        return f"{self.username} ({self.organisation})"


class Report(models.Model):
    """One report, with its own data key; its content is one sealed document."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # What staff call it: "R-" and 8 random base32 characters; says nothing about the reporter.
    reference = models.CharField(max_length=10, unique=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    mode = models.CharField(max_length=16, choices=Mode.choices)
    category = models.CharField(max_length=32, choices=Category.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    # The organisation account that made it (organisation channel only): it follows its reports.
    organisation_account = models.ForeignKey(
        OrganisationAccount,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    # The report's 32-byte data key, sealed under the field keys for this table, column and row
    # (registered in custodes.web.encryption). Emptied when the report expires: what it sealed
    # can then never be opened again, backups included.
    data_key_encrypted = models.TextField(blank=True, default="")
    # The content (what happened, where, when, how the reporter met the officer, who, the
    # reporter's identity if confidential, consent): JSON sealed under the data key.
    content_sealed = models.BinaryField(default=b"")
    # Argon2id of the receipt keyed with a server secret (receipts.py); null once expired.
    receipt_lookup = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Dates only, never times: an exact time could be matched against a network's logs.
    received_on = models.DateField()
    acknowledge_by = models.DateField()
    # The day it reached its current status: retention counts from it (portal.retention).
    status_on = models.DateField(null=True, blank=True)
    retain_until = models.DateField(null=True, blank=True)
    expired_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["received_on", "reference"]
        indexes = [models.Index(fields=["status", "acknowledge_by"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def expired(self) -> bool:
        """Return whether the report's content has been deleted."""
        return self.status == Status.EXPIRED


class ReportMessage(models.Model):
    """A reporter's follow-up, or a handler's reply or question; the text sealed."""

    class Sender(models.TextChoices):
        REPORTER = "reporter", "The reporter"
        HANDLER = "handler", "A handler"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    # The message's place in its report's conversation, from 1: the order, without a time.
    number = models.PositiveIntegerField()
    sender = models.CharField(max_length=16, choices=Sender.choices)
    # A handler's question, which the reporter is asked to answer.
    question = models.BooleanField(default=False)
    body_sealed = models.BinaryField()
    sent_on = models.DateField()

    class Meta:
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="portal_message_number")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} #{self.number}"


class ReportFile(models.Model):
    """A file given with a report: the original kept as evidence, and a cleaned copy."""

    class Cleaning(models.TextChoices):
        CLEANED = "cleaned", "Metadata removed"
        UNAVAILABLE = "unavailable", "No cleaner installed: only the original is kept"
        FAILED = "failed", "The cleaner could not read it: only the original is kept"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    # The follow-up it came with; null when it came with the report itself.
    message = models.ForeignKey(
        ReportMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    # The file's place among its report's files, from 1: the order they were given in.
    number = models.PositiveIntegerField()
    name_sealed = models.BinaryField()
    # The type found by reading the file's bytes, not the one the browser or the name claimed.
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    original_sealed = models.BinaryField()
    cleaned_sealed = models.BinaryField(default=b"")
    cleaning = models.CharField(max_length=16, choices=Cleaning.choices)
    added_on = models.DateField()

    class Meta:
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="portal_file_number")
        ]

    def __str__(self) -> str:
        return f"{self.content_type} file of {self.report_id}"
