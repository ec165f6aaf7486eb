"""Sign-in throttling: lock-outs per account name with a back-off, and a far higher ceiling
per address.

Failures lock the account name that was tried (whether or not it is an account, so a lock-out
never tells anyone which names exist), for `LOGIN_LOCKOUT`, doubled for each lock-out in a row
up to `LOGIN_LOCKOUT_MAX`. An address is locked only after `LOGIN_ADDRESS_FAILURE_LIMIT`
failures under any names: everyone behind a force's proxy shares one address, so a limit near
the account's would let one person lock out the unit. Attempts during a lock-out are refused
without checking the password and are not counted, so hammering a locked name cannot hold it
locked; a right password and code after the cool-off always get in.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest

from custodes.crypto import pseudonym
from custodes.web.accounts.models import SignInThrottle

__all__ = [
    "REPEAT_WINDOW",
    "WINDOW",
    "Lock",
    "active_lock",
    "address_key",
    "client_address",
    "count_failure",
    "forget_stale_throttles",
    "lock_length",
    "name_key",
    "throttle_for_update",
]

# Failures are added up over this long from the first; older ones are forgotten.
WINDOW = dt.timedelta(hours=1)
# A lock-out this long after the last one ended starts the back-off again from the shortest.
REPEAT_WINDOW = dt.timedelta(days=1)
# A pseudonym's purpose: account names tried at sign-in, as stored and on the trail.
NAME_PURPOSE = "sign-in-name"


@dataclass(frozen=True)
class Lock:
    """A lock-out in force: of an account name or of an address, and until when."""

    kind: str
    until: dt.datetime

    @property
    def of_address(self) -> bool:
        """Return whether the address, not the account name, is locked."""
        return self.kind == SignInThrottle.Kind.ADDRESS


def name_key(name: str) -> str:
    """Return the keyed pseudonym an account name is throttled and recorded under."""
    return pseudonym(settings.PSEUDONYM_KEY, name, purpose=NAME_PURPOSE, length=32)


def address_key(address: str) -> str | None:
    """Return the key an address is throttled under, or None if it is not an IP address.

    An IPv6 client is keyed by its /64 network: one host can use any address in it.
    """
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def client_address(request: HttpRequest) -> str:
    """Return the client's address key: the connection's, or a trusted proxy's report of it.

    With `TRUSTED_PROXY_HOPS` = N, each of N proxies appended the address it saw to
    X-Forwarded-For, so the Nth entry from the right is the one the outermost trusted proxy
    saw; anything to its left came from the client and is ignored.
    """
    remote = address_key(str(request.META.get("REMOTE_ADDR", ""))) or "unknown"
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    header = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    forwarded = [entry.strip() for entry in header.split(",") if entry.strip()]
    if len(forwarded) < hops:
        # Not through every trusted proxy: its own connection is all that can be trusted.
        return remote
    return address_key(forwarded[-hops]) or remote


def lock_length(lockouts: int) -> dt.timedelta:
    """Return how long the `lockouts`th lock-out in a row lasts: doubling, up to the cap."""
    base: dt.timedelta = settings.LOGIN_LOCKOUT
    cap: dt.timedelta = settings.LOGIN_LOCKOUT_MAX
    doublings = min(max(lockouts - 1, 0), 32)  # past the cap long before 2**32
    length: dt.timedelta = min(base * 2**doublings, cap)
    return length


def active_lock(throttle: SignInThrottle | None, now: dt.datetime) -> Lock | None:
    """Return the lock-out `throttle` holds at `now`, if any."""
    if throttle is None or throttle.locked_until is None or throttle.locked_until <= now:
        return None
    return Lock(throttle.kind, throttle.locked_until)


def throttle_for_update(kind: str, key: str) -> SignInThrottle:
    """Return the throttle for `key`, made if missing, locked until the transaction ends.

    The row is made first and then locked, so parallel attempts at one name wait for each
    other: none can be checked against the password before the one ahead has been counted.
    """
    SignInThrottle.objects.bulk_create([SignInThrottle(kind=kind, key=key)], ignore_conflicts=True)
    return SignInThrottle.objects.select_for_update().get(kind=kind, key=key)


def count_failure(throttle: SignInThrottle, limit: int, now: dt.datetime) -> Lock | None:
    """Count one failure against `throttle` (not saved); return the lock-out it starts, if any."""
    if throttle.counting_since is None or now - throttle.counting_since >= WINDOW:
        throttle.failures = 0
        throttle.counting_since = now
    if throttle.locked_until is not None and now - throttle.locked_until >= REPEAT_WINDOW:
        throttle.lockouts = 0
    throttle.failures += 1
    if throttle.failures < limit:
        return None
    throttle.lockouts += 1
    throttle.locked_until = now + lock_length(throttle.lockouts)
    throttle.failures = 0
    throttle.counting_since = None
    return Lock(throttle.kind, throttle.locked_until)


def forget_stale_throttles(now: dt.datetime) -> int:
    """Delete throttles that no longer hold anything: failures and lock-outs long past.

    Such a row counts for nothing (the next failure would start afresh), so keeping it would
    only keep who failed to sign in, and from where, for longer than the throttle needs.
    Rows another sign-in holds are skipped, so two purges never wait on each other.
    """
    stale = (
        (Q(counting_since__isnull=True) | Q(counting_since__lt=now - WINDOW))
        & (Q(locked_until__isnull=True) | Q(locked_until__lt=now - REPEAT_WINDOW))
        & ~Q(counting_since__isnull=True, locked_until__isnull=True)
    )
    found = SignInThrottle.objects.select_for_update(skip_locked=True).filter(stale)
    ids = list(found.values_list("pk", flat=True)[:1000])
    deleted, _ = SignInThrottle.objects.filter(pk__in=ids).delete()
    return deleted
