"""Days and months in Vietnam time: every period boundary in phuthang is computed here."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()


def month_start(day: dt.date | None = None) -> dt.date:
    return (day or today()).replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


FIRST_YEAR = 2000  # no record here is older
YEARS_AHEAD = 5  # one Party congress term


def plausible_year(year: int) -> bool:
    """From 2000 to five years after this one: any other month in a query string or a form is a mistake."""
    return FIRST_YEAR <= year <= today().year + YEARS_AHEAD


def parse_month(text: str) -> dt.date | None:
    """'2026-11' → 1 Nov 2026; None for anything else, and for a year that is not plausible."""
    parts = str(text).split("-")
    if len(parts) != 2 or not all(part.isascii() and part.isdigit() and len(part) <= 4 for part in parts):
        return None
    year, month = int(parts[0]), int(parts[1])
    if not plausible_year(year) or not 1 <= month <= 12:
        return None
    return dt.date(year, month, 1)


def moment(day: dt.date, time: dt.time) -> dt.datetime:
    """A day and a clock time in Vietnam time, as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, time))


def has_come(day: dt.date, time: dt.time) -> bool:
    """True once that day and time (Vietnam time) is now or past."""
    return moment(day, time) <= timezone.now()
