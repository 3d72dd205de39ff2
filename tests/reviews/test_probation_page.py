"""The probation page at a province's scale: 50 a page, findable, each group's number over every page."""

from __future__ import annotations

import pytest

from cells import services
from phuthang import periods
from tests.conftest import vi
from tests.factories import make_member

pytestmark = pytest.mark.django_db

THIS_MONTH = periods.month_start()


def _due(cell, n, *, months_ahead=0, **fields):
    """n probationary members due in this month (or `months_ahead` later, or earlier if negative)."""
    admitted = services.months_after(periods.add_months(THIS_MONTH, months_ahead), -12)
    return [make_member(cell, official_on=None, admitted_on=admitted, **fields) for _ in range(n)]


@pytest.mark.parametrize("n", [2, 60])
def test_the_page_runs_the_same_queries_however_many_members(
    client, ward, staff, n, django_assert_num_queries
):
    _due(ward.cell01, n)
    _due(ward.cell02, n, months_ahead=1)
    client.force_login(staff)
    # session, user, the rule, the groups' numbers, the paginator's count, the page of members with their
    # cell, the menu's inbox count (staff: no access query)
    with django_assert_num_queries(7):
        client.get("/probation/")


def test_the_members_come_50_a_page_and_each_group_counts_every_page(client, ward, staff):
    overdue, now, later = (
        _due(ward.cell01, 3, months_ahead=-2),
        _due(ward.cell01, 40),
        _due(ward.cell02, 20, months_ahead=1),
    )
    client.force_login(staff)

    first = client.get("/probation/")
    second = client.get("/probation/", {"page": 2})

    def shown(response):
        return [(key, m.pk) for key, rows, _count in response.context["groups"] for m, _due in rows]

    assert len(shown(first)) == 50 and len(shown(second)) == 13
    assert {pk for _key, pk in shown(first) + shown(second)} == {m.pk for m in overdue + now + later}
    assert {key: count for key, _rows, count in first.context["groups"]} == {
        "overdue": 3,
        "this": 40,
        "next": 20,
    }
    # page 2 holds only the rest of next month's: the other groups are on page 1
    assert [key for key, _rows, _count in second.context["groups"]] == ["next"]
    assert 'data-testid="due-next-count">20<' in second.text


def test_the_search_finds_a_member_by_name_or_cell_code(client, ward, staff):
    (named,) = _due(ward.cell01, 1, full_name="Dự Tìm Thấy")
    _due(ward.cell01, 55)
    (elsewhere,) = _due(ward.cell02, 1)
    client.force_login(staff)

    by_name = client.get("/probation/", {"q": "tìm thấy"})
    assert [m.pk for _k, rows, _c in by_name.context["groups"] for m, _d in rows] == [named.pk]
    by_cell = client.get("/probation/", {"q": ward.cell02.code})
    assert [m.pk for _k, rows, _c in by_cell.context["groups"] for m, _d in rows] == [elsewhere.pk]
    assert 'name="q"' in by_cell.text and "novalidate" in by_cell.text
    nobody = client.get("/probation/", {"q": "không ai có tên này"})
    assert vi("Nobody.") in nobody.text


@pytest.mark.parametrize("asked", ["999999999", "abc", "-1", "1e400"])
def test_a_hostile_page_number_answers_a_page(client, ward, staff, asked):
    _due(ward.cell01, 55)
    client.force_login(staff)

    response = client.get("/probation/", {"page": asked})
    assert response.status_code == 200
    assert response.context["page"].number == (2 if asked == "999999999" else 1)


def test_a_secretary_sees_only_their_cells_members(client, ward, secretary):
    mine, _theirs = _due(ward.cell01, 1), _due(ward.cell02, 1)
    client.force_login(secretary)

    response = client.get("/probation/")
    assert [m.pk for _k, rows, _c in response.context["groups"] for m, _d in rows] == [mine[0].pk]
    assert {key: count for key, _rows, count in response.context["groups"]}["this"] == 1
