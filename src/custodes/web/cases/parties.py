"""Victims, reporters and witnesses in a case: kept encrypted, revealed only on the trail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from custodes.crypto import DecryptionError
from custodes.web.accounts.models import User
from custodes.web.cases.access import decide, require_writer
from custodes.web.cases.models import Case, CaseParty
from custodes.web.encryption import open_value, seal
from custodes.web.trail.chain import record
from custodes.web.trail.kinds import Action, Subject

__all__ = [
    "CONTACT_MAX",
    "NAME_MAX",
    "SUBJECT_TYPE",
    "RevealedParty",
    "add_party",
    "reveal_parties",
    "reveal_party",
]

SUBJECT_TYPE = Subject.CASE_PARTY
NAME_MAX = 200
CONTACT_MAX = 1000


@dataclass(frozen=True)
class RevealedParty:
    """A party with who they are, or `readable=False` if their record would not decrypt."""

    party: CaseParty
    name: str
    contact: str
    readable: bool = True


def _require_sight(actor: User, case: Case) -> None:
    if not decide(actor, case).allowed:
        raise PermissionDenied("you may not see this case")


@transaction.atomic
def add_party(
    actor: User, case: Case, role: CaseParty.Role | str, name: str, contact: str = ""
) -> CaseParty:
    """Add a victim, reporter, witness or complainant to a case, their identity encrypted for
    their row; the oversight body, reading a referred matter, adds none."""
    require_writer(actor, case)
    try:
        role = CaseParty.Role(role)
    except ValueError:
        raise ValidationError(f"{role!r} is not a party role") from None
    name, contact = name.strip(), contact.strip()
    if not name:
        raise ValidationError("a party needs a name")
    if len(name) > NAME_MAX or len(contact) > CONTACT_MAX:
        raise ValidationError(
            f"names are at most {NAME_MAX} characters, contacts at most {CONTACT_MAX}"
        )
    # The id is made here, not by the database, because the ciphertexts are bound to it.
    party = CaseParty(id=uuid.uuid4(), case=case, role=role, added_at=timezone.now())
    party.name_encrypted = seal(CaseParty, "name_encrypted", party.pk, name)
    party.contact_encrypted = seal(CaseParty, "contact_encrypted", party.pk, contact)
    party.save(force_insert=True)
    # Which fields were set, never what they say.
    fields = ["role", "name", "contact"] if contact else ["role", "name"]
    record(
        actor.pk,
        Action.CREATE,
        SUBJECT_TYPE,
        party.pk,
        changes={"case_id": str(case.pk), "fields": fields},
    )
    return party


def _reveal(actor: User, party: CaseParty) -> tuple[str, str]:
    record(actor.pk, Action.READ, SUBJECT_TYPE, party.pk, changes={"fields": ["name", "contact"]})
    try:
        return (
            open_value(CaseParty, "name_encrypted", party.pk, party.name_encrypted),
            open_value(CaseParty, "contact_encrypted", party.pk, party.contact_encrypted),
        )
    except DecryptionError as exc:
        # A value that will not open here was altered or moved: keep a record of meeting it.
        record(actor.pk, Action.DECRYPT_FAILED, SUBJECT_TYPE, party.pk, reason=str(exc))
        raise


def reveal_party(actor: User, party: CaseParty) -> tuple[str, str]:
    """Return a party's name and contact for someone who may see the case, on the trail."""
    _require_sight(actor, party.case)
    return _reveal(actor, party)


def reveal_parties(actor: User, case: Case) -> list[RevealedParty]:
    """Return every party to a case, decrypted for someone who may see it; each on the trail."""
    _require_sight(actor, case)
    revealed = []
    for party in case.parties.order_by("added_at", "id"):
        try:
            name, contact = _reveal(actor, party)
        except DecryptionError:
            revealed.append(RevealedParty(party, "", "", readable=False))
        else:
            revealed.append(RevealedParty(party, name, contact))
    return revealed
