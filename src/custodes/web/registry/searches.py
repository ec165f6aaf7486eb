"""Registry searches on the trail: what was typed, kept only as keyed pseudonyms of its terms.

A search for a name says who someone was interested in, and the text typed may be anyone's
name: the trail keeps an HMAC of each normalised term (`custodes.crypto.pseudonym` with the
deployment's pseudonym key), never the text. Whoever holds the key can later ask whether
anyone searched for a given name (`custodes registry searched-for NAME`); nobody else can.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.conf import settings

from custodes.crypto import pseudonym
from custodes.web.trail.kinds import Action, Subject
from custodes.web.trail.models import TrailEvent

__all__ = ["PURPOSE", "SEARCH_ACTION", "SEARCH_SUBJECT", "Search", "search_terms", "searches_for"]

PURPOSE = "registry-search"
SEARCH_ACTION = Action.SEARCH
SEARCH_SUBJECT = Subject.REGISTRY


def search_terms(text: str) -> list[str]:
    """Return the pseudonyms of a search's terms: each word folded to one case, once, sorted."""
    words = {unicodedata.normalize("NFKC", word).casefold() for word in text.split()}
    key = settings.PSEUDONYM_KEY
    return sorted(pseudonym(key, word, purpose=PURPOSE) for word in words)


@dataclass(frozen=True)
class Search:
    """One search on the trail whose terms included every term asked about."""

    seq: int
    at: str
    actor_id: int | None
    entries: list[int]


def searches_for(text: str) -> list[Search]:
    """Return the registry searches whose terms included every term of `text`, oldest first."""
    wanted = set(search_terms(text))
    if not wanted:
        return []
    events = TrailEvent.objects.filter(action=SEARCH_ACTION, subject_type=SEARCH_SUBJECT)
    return [
        Search(e.seq, e.at.isoformat(timespec="seconds"), e.actor_id, e.changes.get("entries", []))
        for e in events.order_by("seq")
        if wanted <= set(e.changes.get("terms", []))
    ]
