"""Working-day arithmetic across Tết, 30/4–1/5 and 2/9 (the `holidays` package's Vietnam calendar)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from phuthang.working_days import add_working_days, is_working_day, working_days_between, working_days_left


def test_weekends_are_not_working_days():
    assert is_working_day(dt.date(2027, 3, 5))  # a Friday
    assert not is_working_day(dt.date(2027, 3, 6))  # Saturday
    assert not is_working_day(dt.date(2027, 3, 7))  # Sunday


@pytest.mark.parametrize(
    "day",
    [
        dt.date(2027, 2, 4),
        dt.date(2027, 2, 5),
        dt.date(2027, 2, 8),
        dt.date(2027, 2, 9),
        dt.date(2027, 2, 10),
    ],
)
def test_tet_2027_by_the_lunar_calendar_is_no_working_day(day):
    # Tết Đinh Mùi: mùng 1 is Saturday 6 February 2027; the office is closed from 4 to 10 February
    assert not is_working_day(day)


def test_ten_working_days_from_the_friday_before_tet_2027_skip_the_whole_break():
    # received Friday 29 January; working days: 1–3 Feb (3), then Tết 4–10 Feb, then 11, 12, 15–19 (7)
    assert add_working_days(dt.date(2027, 1, 29), 10) == dt.date(2027, 2, 19)
    assert working_days_between(dt.date(2027, 1, 29), dt.date(2027, 2, 19)) == 10


def test_the_30_april_and_1_may_holidays_move_a_deadline():
    # 2027: Friday 30/4 and Saturday 1/5, made up on Monday 3/5
    assert not is_working_day(dt.date(2027, 4, 30))
    assert not is_working_day(dt.date(2027, 5, 3))
    assert add_working_days(dt.date(2027, 4, 29), 1) == dt.date(2027, 5, 4)
    assert add_working_days(dt.date(2027, 4, 26), 10) == dt.date(2027, 5, 12)  # 27–29/4, 4–7/5, 10–12/5


def test_national_day_2_september_and_the_day_beside_it_are_skipped():
    # 2027: Thursday 2/9 and Friday 3/9
    assert not is_working_day(dt.date(2027, 9, 2))
    assert not is_working_day(dt.date(2027, 9, 3))
    assert add_working_days(dt.date(2027, 9, 1), 1) == dt.date(2027, 9, 6)
    assert add_working_days(dt.date(2026, 8, 28), 1) == dt.date(2026, 9, 3)  # 31/8, 1/9 and 2/9 off in 2026


def test_ninety_working_days_is_more_than_four_calendar_months_across_tet():
    due = add_working_days(dt.date(2026, 12, 1), 90)
    assert due == dt.date(2027, 4, 14)
    assert working_days_between(dt.date(2026, 12, 1), due) == 90


def test_zero_days_is_the_day_itself_and_a_negative_count_is_refused():
    assert add_working_days(dt.date(2027, 2, 6), 0) == dt.date(2027, 2, 6)
    with pytest.raises(ValueError):
        add_working_days(dt.date(2027, 2, 6), -1)


def test_days_left_count_in_vietnam_time():
    due = dt.date(2027, 2, 12)  # a Friday after Tết
    # 17:30 UTC on Wednesday 3 February is already Thursday 4 February (Tết) in Hà Nội
    with time_machine.travel(dt.datetime(2027, 2, 3, 17, 30, tzinfo=dt.UTC)):
        assert working_days_left(due) == 2  # 11 and 12 February
    with time_machine.travel(dt.datetime(2027, 2, 3, 16, 30, tzinfo=dt.UTC)):
        assert working_days_left(due) == 2  # Wednesday 3 Feb: 4–10 are Tết, then 11 and 12
    with time_machine.travel(dt.datetime(2027, 2, 16, 3, 0, tzinfo=dt.UTC)):
        assert working_days_left(due) == -2  # 15 and 16 February overdue
