from __future__ import annotations

import base64
import secrets
from typing import cast

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import lockout, permissions, services
from accounts.forms import CodeForm
from accounts.models import LoginFailure, UserSession

ENROL_KEY = "accounts_otp_enrol_key"  # the secret shown, until a code from it confirms it


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


def sessions(request: HttpRequest) -> HttpResponse:
    """The user's own live sessions, the current one first."""
    current = request.session.session_key
    rows = list(UserSession.objects.alive().filter(user=cast("User", request.user)).order_by("-last_seen_at"))
    rows.sort(key=lambda r: r.session_key != current)
    listed = [(row, services.describe_agent(row.user_agent), row.session_key == current) for row in rows]
    others = sum(1 for row in rows if row.session_key != current)
    return render(
        request,
        "accounts/sessions.html",
        {
            "sessions": listed,
            "others": others,
            "idle_minutes": settings.SESSION_IDLE_SECONDS // 60,
            "max_hours": settings.SESSION_MAX_SECONDS // 3600,
            "can_enrol": permissions.can_enrol(request.user),
        },
    )


@require_POST
def sessions_end(request: HttpRequest) -> HttpResponse:
    everywhere = request.POST.get("which") == "all"
    ended = services.end_sessions(request.user, keep=None if everywhere else request.session.session_key)
    if everywhere:
        services.expire_session(request, reason=UserSession.EndReason.LOGGED_OUT)
        messages.success(request, _("You were logged out everywhere."))
        return redirect(settings.LOGIN_URL)
    messages.success(request, _("Logged out of %(count)d other session(s).") % {"count": ended})
    return redirect("accounts:sessions")


def otp_verify(request: HttpRequest) -> HttpResponse:
    """After the password, the code from the authenticator app: every wrong code counts to the lockout."""
    if not request.session.get(services.OTP_PENDING):
        return redirect(_next(request))
    username, address = request.user.get_username(), lockout.client_address(request)
    device = TOTPDevice.objects.filter(user=cast("User", request.user), confirmed=True).first()
    if device is None:  # reset by the office since the password was typed: nothing to ask for
        del request.session[services.OTP_PENDING]
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if (lock := lockout.current_lock(username, address)) is None:
            if device.verify_token(form.cleaned_data["code"]):
                del request.session[services.OTP_PENDING]
                lockout.clear_failures(username, address)
                return redirect(_next(request))
            lockout.record_failure(username, address, kind=LoginFailure.Kind.CODE)
            lock = lockout.current_lock(username, address)
        if lock is not None:
            services.expire_session(request, reason=UserSession.EndReason.LOGGED_OUT)
            messages.error(request, lock.message())
            return redirect(settings.LOGIN_URL)
        form.add_error("code", _("This code is not right. Type the code the app shows now."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next(request)})


def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Turn on the second factor: the secret as text and as a QR code, then a code from it to confirm."""
    if not permissions.can_enrol(request.user):
        raise PermissionDenied
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return render(request, "accounts/otp_enrol.html", {"enrolled": True})
    key = request.session.get(ENROL_KEY) or secrets.token_hex(20)
    request.session[ENROL_KEY] = key
    device = TOTPDevice(user=request.user, name=_("Authenticator app"), key=key, confirmed=True)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # checked here rather than by device.verify_token(), which saves the device it checks
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
        if totp.verify(int(form.cleaned_data["code"]), tolerance=device.tolerance):
            device.last_t = totp.t()  # the code that confirmed it does not log in as well
            device.save()
            del request.session[ENROL_KEY]
            request.session.pop(services.OTP_ENROL, None)
            messages.success(request, _("The second factor is on: from now on you will be asked for a code."))
            return redirect(_next(request))
        form.add_error("code", _("This code is not right. Type the code the app shows now."))
    secret = base64.b32encode(bytes.fromhex(key)).decode()
    qr = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=16)
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "enrolled": False,
            "form": form,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "qr_svg": qr.to_string(encoding="unicode"),
            "required": bool(request.session.get(services.OTP_ENROL)),
            "next": _next(request),
        },
    )
