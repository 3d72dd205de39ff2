"""What every response tells the browser, and the one check for a user-given address to go back to.

Django's SecurityMiddleware sends HSTS, nosniff, the referrer and opener policies (settings); this adds
the two it has no setting for (docs/security.md, "Deployment"):

- a Content-Security-Policy on every response (`settings.CONTENT_SECURITY_POLICY`): scripts, styles,
  images and fonts from this site only, no inline script or style, no framing, forms post here only. A
  view whose response needs another policy (the email as sent, shown in a sandboxed frame) sets its own
  header, which is kept;
- `Cache-Control: no-store, private` on every response to a logged-in user, exports included, so that no
  shared cache or back button keeps a record; static files (served by whitenoise before the session is
  read) keep their long caching.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers

from phuthang import safe_input


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        user = getattr(request, "user", None)  # absent for static files: whitenoise answers first
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)  # max-age=0, no-cache, no-store, must-revalidate, private
        return response


def safe_next(request: HttpRequest, target: str | None, fallback: Any) -> str:
    """`target` if it is a path on this site (`safe_input.local_path`), else `fallback` resolved (a model,
    a URL name or a path, as `redirect` takes).

    Refused: other hosts (`https://evil.example`, `//evil.example`, `/\\evil.example`, which browsers read
    as `//`), other schemes (`javascript:`), any full address, text that is not a path (`abc`), whitespace
    and control characters.
    """
    return safe_input.local_path(request, target) or resolve_url(fallback)
