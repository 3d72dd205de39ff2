from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts import services
from accounts.models import UserSession

# What a user may open before typing their code, or before turning on the second factor they must have.
WHILE_PENDING = {"accounts:otp_verify", "logout", "set_language", "healthz"}
WHILE_ENROLLING = WHILE_PENDING | {"accounts:otp_enrol"}


def _url_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


class SessionLimitsMiddleware:
    """Logs out a session idle or too old (SESSION_IDLE_SECONDS, SESSION_MAX_SECONDS), and holds a login
    at the code page until its second factor is typed (or at the enrol page while OTP_REQUIRED_FOR asks).
    After MessageMiddleware, before the views; reads only the session it is given (no query per request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and (response := self._check(request)):
            return response
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        if reason := services.expiry(request):
            services.expire_session(request, reason=reason)
            if reason == UserSession.EndReason.IDLE:
                minutes = settings.SESSION_IDLE_SECONDS // 60
                message = _(
                    "You were logged out after %(minutes)d minutes without activity. Please log in again."
                ) % {"minutes": minutes}
            else:
                hours = settings.SESSION_MAX_SECONDS // 3600
                message = _(
                    "You were logged out: a login lasts at most %(hours)d hours. Please log in again."
                ) % {"hours": hours}
            messages.warning(request, message)
            return redirect_to_login(request.get_full_path() if request.method == "GET" else "/")
        session = request.session
        if session.get(services.OTP_PENDING):
            name = _url_name(request)
            if name not in WHILE_PENDING:
                return _redirect_with_next("accounts:otp_verify", request)
        elif session.get(services.OTP_ENROL):
            name = _url_name(request)
            if name not in WHILE_ENROLLING:
                return _redirect_with_next("accounts:otp_enrol", request)
        return None


def _redirect_with_next(url_name: str, request: HttpRequest) -> HttpResponse:
    response = redirect(url_name)
    if request.method == "GET" and request.get_full_path() != "/":
        response["Location"] += "?" + urlencode({"next": request.get_full_path()})
    return response
