"""Who is asking (the client's address) and whether they may try to log in now (docs/security.md).

A username is locked for one address after LOGIN_FAILURE_LIMIT counted failures from that address within
LOGIN_LOCKOUT_SECONDS; an address is locked for every username after LOGIN_FAILURE_LIMIT_PER_ADDRESS (one
password sprayed over many accounts). The lock lifts LOGIN_LOCKOUT_SECONDS after the last counted failure.
Attempts refused while locked are recorded but not counted, so the time the message gives stays true
whatever is tried meanwhile.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import math
from functools import cache

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import LoginFailure

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR; behind a proxy of TRUSTED_PROXIES, the right-most X-Forwarded-For entry that is not
    itself a trusted proxy. A client talking to us directly cannot choose its address by sending the header.
    """
    trusted = _trusted(tuple(settings.TRUSTED_PROXIES))
    remote = _parse(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return ""
    address = remote
    if any(address in network for network in trusted):
        for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
            hop = _parse(entry)
            if hop is None:
                break  # garbage a trusted proxy passed on: keep the last hop that was sure
            address = hop
            if not any(hop in network for network in trusted):
                break
    return str(address)


def username_key(username: str) -> str:
    """The username as the lockout counts it: case and surrounding spaces do not make a new one."""
    return username.replace("\x00", "").strip().lower()[:150]


@dataclasses.dataclass(frozen=True)
class Lock:
    until: dt.datetime
    per_address: bool  # every username from the address, not only the one typed

    def message(self) -> str:
        # rounded up to the minute, so that trying again at the time shown works
        lifts = dt.datetime.fromtimestamp(math.ceil(self.until.timestamp() / 60) * 60, tz=dt.UTC)
        time = date_format(timezone.localtime(lifts), "TIME_FORMAT")
        if self.per_address:
            return _(
                "Too many failed logins from your network. Logging in from it is locked until %(time)s "
                "(Vietnam time)."
            ) % {"time": time}
        return _(
            "Too many failed logins for this account from your network. It is locked from here until "
            "%(time)s (Vietnam time); from elsewhere you can still log in."
        ) % {"time": time}


def _lock_end(times: list[dt.datetime], limit: int, now: dt.datetime) -> dt.datetime | None:
    """times: the newest counted failures first, at most `limit` of them."""
    window = dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    if limit <= 0 or len(times) < limit or times[0] - times[limit - 1] > window:
        return None
    end = times[0] + window
    return end if end > now else None


def current_lock(username: str, address: str) -> Lock | None:
    """The lock on this username from this address, if any (two queries on indexes)."""
    now = timezone.now()
    per_user, per_address = settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    failures = LoginFailure.objects.counted().filter(address=address).order_by("-at")
    by_address = list(failures.values_list("at", flat=True)[:per_address])
    if until := _lock_end(by_address, per_address, now):
        return Lock(until, per_address=True)
    by_user = list(failures.filter(username=username_key(username)).values_list("at", flat=True)[:per_user])
    if until := _lock_end(by_user, per_user, now):
        return Lock(until, per_address=False)
    return None


def record_failure(username: str, address: str, *, kind: LoginFailure.Kind) -> None:
    LoginFailure.objects.create(username=username_key(username), address=address, kind=kind)


def clear_failures(username: str, address: str) -> None:
    """A successful login: this username's failures from this address no longer count (they stay)."""
    LoginFailure.objects.counted().filter(username=username_key(username), address=address).update(
        cleared_at=timezone.now()
    )
