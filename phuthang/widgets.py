"""Form widgets shared by the apps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.dateparse import parse_date
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import pgettext_lazy

# Sunday first, as JavaScript's Date.getDay() counts.
WEEKDAYS = (
    pgettext_lazy("weekday in words", "Sunday"),
    pgettext_lazy("weekday in words", "Monday"),
    pgettext_lazy("weekday in words", "Tuesday"),
    pgettext_lazy("weekday in words", "Wednesday"),
    pgettext_lazy("weekday in words", "Thursday"),
    pgettext_lazy("weekday in words", "Friday"),
    pgettext_lazy("weekday in words", "Saturday"),
)


def in_words(day: dt.date | None) -> str:
    """'Thứ Bảy, 05/12/2026'."""
    return f"{WEEKDAYS[(day.weekday() + 1) % 7]}, {day:%d/%m/%Y}" if day else ""


class DateInWords(forms.DateInput):
    """The phone's own date picker, with the chosen day in words beside it: a phone set to English shows
    mm/dd in the picker. Written by the server, kept up to date by static/js/date_words.js.
    """

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"type": "date", **(attrs or {})}, format="%Y-%m-%d")

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        html = super().render(name, value, attrs, renderer)
        day = value if isinstance(value, dt.date) else _parse(value)
        return SafeString(
            html
            + format_html(
                '<div class="form-text date-in-words" data-date-for="{}" data-weekdays="{}" aria-live="polite">{}</div>',
                (attrs or {}).get("id", ""),
                "|".join(str(name) for name in WEEKDAYS),
                in_words(day),
            )
        )


def _parse(value: Any) -> dt.date | None:
    try:
        return parse_date(str(value or ""))
    except ValueError:
        return None
