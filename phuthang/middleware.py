from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from phuthang.safe_input import CONTROL_ONLY


class LanguageMiddleware:
    """Vietnamese unless the user chose English with the switch at the foot of the page.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: many phones here are set
    to English, and their owners still expect the Party's words in Vietnamese.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class QueryStringMiddleware:
    """A query string holding a control character (a NUL above all, which PostgreSQL cannot even compare) is
    answered with a plain Vietnamese page and status 400 before any view reads it (phuthang.safe_input)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for key, values in request.GET.lists():
            if any(CONTROL_ONLY.search(text) for text in (key, *values)):
                return render(request, "400.html", status=400)
        return self.get_response(request)


class QueryCountMiddleware:
    """`make bench` only (PHUTHANG_BENCH=1): the number of SQL queries a request ran, in `X-Queries`, so
    the benchmark counts them over HTTP under gunicorn. Never on in a deployment."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.db import connection

        count = 0

        def counted(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        response.headers["X-Queries"] = str(count)
        return response
