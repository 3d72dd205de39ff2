from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts import lockout
from accounts.models import LoginFailure

LOCK_ATTR = "accounts_login_lock"  # set on the request for the login form's message


class LockoutBackend(ModelBackend):
    """Django's user table, behind the lockout: a locked username or address is refused before the
    password is even checked, so the right password does not get through either."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None or username is None:
            return super().authenticate(request, username, password, **kwargs)
        address = lockout.client_address(request)
        if lock := lockout.current_lock(username, address):
            lockout.record_failure(username, address, kind=LoginFailure.Kind.LOCKED)
            setattr(request, LOCK_ATTR, lock)
            raise PermissionDenied  # authenticate() stops here: no other backend is asked
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            lockout.record_failure(username, address, kind=LoginFailure.Kind.PASSWORD)
            setattr(request, LOCK_ATTR, lockout.current_lock(username, address))
        return user
