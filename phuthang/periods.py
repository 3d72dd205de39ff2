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


def parse_month(text: str) -> dt.date | None:
    """'2026-11' → 1 Nov 2026; None for anything else."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        return None


def moment(day: dt.date, time: dt.time) -> dt.datetime:
    """A day and a clock time in Vietnam time, as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, time))


def has_come(day: dt.date, time: dt.time) -> bool:
    """True once that day and time (Vietnam time) is now or past."""
    return moment(day, time) <= timezone.now()
