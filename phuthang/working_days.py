"""Working days in Vietnam: Monday to Friday, less the public holidays of the `holidays` package.

The package is maintained and computes Tết by the lunar calendar, the Hùng Kings' day (10/3 lunar), 30/4,
1/5, 2/9 with the day beside it, and the days off the government moves each year. No hand-written list of
dates lives here. A deadline "within N working days" of a day is the N-th working day after that day: the day
itself is not counted, whether or not it is a working day.
"""

from __future__ import annotations

import datetime as dt
import functools

import holidays

from phuthang import periods


@functools.lru_cache(maxsize=32)
def _holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("VN", years=year))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (`start` itself is not counted); `start` for 0."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    while days:
        day += dt.timedelta(days=1)
        days -= is_working_day(day)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


def working_days_left(due: dt.date, today: dt.date | None = None) -> int:
    """Working days from today (Vietnam time) to `due`; negative: how many working days overdue."""
    today = today or periods.today()
    return working_days_between(today, due) if due >= today else -working_days_between(due, today)
