"""The kept pledge counts (PledgeCellCount) equal a count from the records after every kind of change,
whatever the path: a service, the ORM, raw SQL. The database's triggers keep them; the hourly task
re-bases them to a new day; a reader falls back to the records when they are not of its day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from cells.models import Member
from phuthang import periods
from reviews.models import PledgeCellCount
from reviews.services import dashboard
from reviews.services import pledges as services
from tests.factories import make_campaign, make_cell, make_committee, make_member, make_pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def ward():
    committee = make_committee()
    cells = [make_cell(committee) for _ in range(3)]
    people = {cell.pk: [make_member(cell) for _ in range(4)] for cell in cells}
    return committee, cells, people


def _kept(campaign) -> dict[int, tuple[int, int]]:
    return {
        cell: (n, signed)
        for cell, n, signed in PledgeCellCount.objects.filter(campaign=campaign).values_list(
            "cell_id", "expected", "signed"
        )
        if n
    }


def _counted(campaign, cells) -> dict[int, tuple[int, int]]:
    return services.progress_by_cell(campaign, [c.pk for c in cells])


def test_the_kept_counts_follow_every_kind_of_change(ward):
    committee, cells, people = ward
    campaign = make_campaign(committee)
    assert services.rebase_counts() == 1
    assert services.rebase_counts() == 0  # nothing new: nothing counted again
    assert _kept(campaign) == _counted(campaign, cells) == {c.pk: (4, 0) for c in cells}

    first, second = people[cells[0].pk][:2]
    make_pledge(first, campaign)  # the service
    make_pledge(first, campaign, reason="Bổ sung việc làm")  # supersedes: still one signed
    assert _kept(campaign) == _counted(campaign, cells)
    assert _kept(campaign)[cells[0].pk] == (4, 1)

    Member.objects.filter(pk=first.pk).update(cell=cells[1], cell_since=periods.today())  # a transfer
    assert _kept(campaign) == _counted(campaign, cells)
    assert (_kept(campaign)[cells[0].pk], _kept(campaign)[cells[1].pk]) == ((3, 0), (5, 1))

    Member.objects.filter(pk=second.pk).update(exempt_since=periods.today())  # exempt from today
    make_member(cells[2])  # joins
    with connection.cursor() as cursor:  # a path that bypasses the app: the triggers still count
        cursor.execute("UPDATE cells_member SET left_on = %s WHERE id = %s", [periods.today(), first.pk])
    assert _kept(campaign) == _counted(campaign, cells)
    assert _kept(campaign)[cells[1].pk] == (4, 0) and _kept(campaign)[cells[2].pk] == (5, 0)

    new_cell = make_cell(committee)
    make_pledge(make_member(new_cell), campaign)
    assert _kept(campaign) == _counted(campaign, [*cells, new_cell])
    assert _kept(campaign)[new_cell.pk] == (1, 1)

    Member.objects.filter(pk=second.pk).update(phone="0900000000")  # nothing counted changes
    assert _kept(campaign) == _counted(campaign, [*cells, new_cell])


def _kept_if_current(campaign, ids, day) -> dict | None:
    kept = PledgeCellCount.objects.filter(campaign=campaign, cell__in=ids)
    if not services.kept_is_current(kept, day):
        return None
    return {cell: (n, signed) for cell, n, signed in kept.values_list("cell_id", "expected", "signed")}


def test_the_counts_of_a_day_passed_are_not_read_until_re_based(ward):
    committee, cells, people = ward
    campaign = make_campaign(committee)
    services.rebase_counts()
    today = periods.today()
    ids = [c.pk for c in cells]
    assert _kept_if_current(campaign, ids, today) == {c.pk: (4, 0) for c in cells}
    tomorrow = today + dt.timedelta(days=1)
    Member.objects.filter(pk=people[cells[0].pk][0].pk).update(left_on=tomorrow)  # leaves tomorrow
    assert _kept_if_current(campaign, ids, tomorrow) is None  # counted today: not tomorrow's
    if campaign.counted_on(tomorrow) == tomorrow:  # (on 31 December the year's count stays that day's)
        services.rebase_counts(tomorrow)
        assert _kept_if_current(campaign, ids, tomorrow)[cells[0].pk] == (3, 0)


def test_the_dashboard_reads_the_kept_counts_and_the_records_when_they_are_stale(ward, django_user_model):
    committee, cells, people = ward
    campaign = make_campaign(committee)
    make_pledge(people[cells[0].pk][0], campaign)
    staff = django_user_model.objects.create_user("vp", is_staff=True)
    month = periods.month_start(periods.today())

    def figure() -> tuple[int, int | None]:
        pledges = dashboard.committee_glance(staff, month).figures[-1]
        return pledges.count, pledges.of

    assert figure() == (1, 12)  # never counted: from the records
    services.rebase_counts()
    PledgeCellCount.objects.filter(cell=cells[1]).update(expected=99)  # shows whether the rows are read
    assert figure() == (1, 107)
    PledgeCellCount.objects.filter(cell=cells[1]).update(counted_on=periods.today() - dt.timedelta(days=1))
    assert figure() == (1, 12)  # a row of another day: the records again
