"""The request a view that acts receives: LoginRequiredMiddleware lets only logged-in users through."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth import models as auth


class AuthenticatedHttpRequest(HttpRequest):
    """For annotations only: `request.user` is the account that acts (`by=` of a service), never anonymous.

    HttpRequest types its user as `User | AnonymousUser` (cells.models.User), what a page that reads shows
    to; a view whose services record who acted takes this type instead.
    """

    user: auth.User
