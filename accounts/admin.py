"""The audit trail of logins for the office: read only. An authenticator is reset by unticking
"confirmed" (the user then turns it on again), never deleted."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import AdminLoginForm
from accounts.models import LoginFailure, UserSession
from phuthang.admin import NoDelete

admin.site.login_form = AdminLoginForm


class ReadOnly(NoDelete):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "username", "address", "kind", "cleared_at"]
    list_filter = ["kind"]
    search_fields = ["username", "address"]
    date_hierarchy = "at"


@admin.register(UserSession)
class UserSessionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["user", "started_at", "last_seen_at", "address", "ended_at", "end_reason"]
    list_filter = ["end_reason"]
    search_fields = ["user__username", "address"]
    list_select_related = ["user"]


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class AuthenticatorAdmin(NoDelete, TOTPDeviceAdmin):
    pass
