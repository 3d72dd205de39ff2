"""Sessions with an idle timeout and an absolute lifetime, their list, and the second factor at login.

The session itself carries when it started and was last seen (read on every request at no cost: the
session is loaded anyway); `UserSession`, keyed by session key, is what the sessions page lists and what
"log out everywhere else" ends. Both are written at login, then at most once a minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import lockout
from accounts.models import UserSession
from phuthang import access

STARTED, SEEN = "accounts_started", "accounts_seen"  # POSIX times in the session
OTP_PENDING = "accounts_otp_pending"  # logged in with a password, the code not typed yet
OTP_ENROL = "accounts_otp_enrol"  # must turn on the second factor before anything else
TOUCH_SECONDS = 60  # "last seen" is written at most this often

ROLE_KINDS: dict[
    str, Callable[[access.Access], bool]
] = {  # OTP_REQUIRED_FOR's kinds, as access.py knows them
    "staff": lambda a: a.is_staff,
    "leader": lambda a: bool(a.leader_committee_ids),
    "inspector": lambda a: a.is_inspector,
}


def otp_required(user: Any) -> bool:
    a = access.for_user(user)
    return any(ROLE_KINDS[kind](a) for kind in settings.OTP_REQUIRED_FOR)


def start_session(sender: object, request: HttpRequest, user: Any, **kwargs: object) -> None:
    """user_logged_in: track the new session; ask for the code if the user has an authenticator."""
    session = request.session
    now = time.time()
    session[STARTED] = session[SEEN] = now
    address = lockout.client_address(request)
    if session.session_key is None:
        session.save()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "started_at": timezone.now(),
            "last_seen_at": timezone.now(),
            "address": address,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        },
    )
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        session[OTP_PENDING] = True  # the lockout's failures are cleared once the code is right
        return
    lockout.clear_failures(user.get_username(), address)
    if settings.OTP_REQUIRED_FOR and otp_required(user):
        session[OTP_ENROL] = True


def end_session_on_logout(sender: object, request: HttpRequest, user: Any, **kwargs: object) -> None:
    """user_logged_out: the session ends (unless ended already, with its own reason)."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key, ended_at__isnull=True).update(
            ended_at=timezone.now(), end_reason=UserSession.EndReason.LOGGED_OUT
        )


def expiry(request: HttpRequest) -> str:
    """'' while the session is within its limits, else the UserSession.EndReason that ends it."""
    session = request.session
    now = time.time()
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:  # a session from before the limits: they count from now
        session[STARTED] = session[SEEN] = started = seen = now
        UserSession.objects.get_or_create(
            session_key=session.session_key,
            defaults={"user": request.user, "address": lockout.client_address(request)},
        )
    if now - seen > settings.SESSION_IDLE_SECONDS:
        return UserSession.EndReason.IDLE
    if now - started > settings.SESSION_MAX_SECONDS:
        return UserSession.EndReason.EXPIRED
    if now - seen >= TOUCH_SECONDS:
        session[SEEN] = now
        UserSession.objects.filter(session_key=session.session_key).update(last_seen_at=timezone.now())
    return ""


def expire_session(request: HttpRequest, *, reason: str) -> None:
    UserSession.objects.filter(session_key=request.session.session_key, ended_at__isnull=True).update(
        ended_at=timezone.now(), end_reason=reason
    )
    logout(request)


def _session_store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


@transaction.atomic
def end_sessions(user: Any, *, keep: str | None) -> int:
    """End every live session of the user but the one keyed `keep` (None: all of them)."""
    rows = list(
        UserSession.objects.select_for_update()
        .filter(user=user, ended_at__isnull=True)
        .exclude(session_key=keep or "")
    )
    store = _session_store()
    for row in rows:
        store(session_key=row.session_key).delete()  # by key: one row, no scan of the session table
    UserSession.objects.filter(pk__in=[r.pk for r in rows]).update(
        ended_at=timezone.now(), end_reason=UserSession.EndReason.ENDED_ELSEWHERE
    )
    return len(rows)


_BROWSERS = [  # first match wins: Edge and Cốc Cốc also say "Chrome", Chrome also says "Safari"
    ("Zalo", "Zalo"),
    ("coc_coc_browser", "Cốc Cốc"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]
_SYSTEMS = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]


def describe_agent(agent: str) -> str:
    """'Chrome on Android' from a User-Agent header; '' when it names nothing known."""
    browser = next((name for mark, name in _BROWSERS if mark in agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in agent), "")
    return " · ".join(part for part in (browser, system) if part)
