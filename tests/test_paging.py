"""The list pages count at most a cap and page no further: their time does not grow with the province."""

from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cells.models import Cell
from phuthang.paging import BoundedPaginator
from tests.conftest import vi
from tests.factories import make_cells, make_member


def test_the_count_stops_one_past_the_cap(db, committee):
    make_cells(8, committee)  # with the ward's two: 10 cells, the cap 5
    paginator = BoundedPaginator(Cell.objects.order_by("code"), 2, cap=5)

    assert paginator.capped
    assert paginator.count == 5
    assert paginator.num_pages == 3
    assert not paginator.get_page(3).has_next()
    with translation.override("vi"):
        assert paginator.count_label == "hơn 5"


def test_under_the_cap_the_count_is_exact_and_grouped_the_vietnamese_way(db):
    paginator = BoundedPaginator(list(range(1234)), 50, cap=10_000)

    assert not paginator.capped
    assert paginator.count == 1234
    with translation.override("vi"):
        assert paginator.count_label == "1.234"
    with translation.override("vi"):
        assert BoundedPaginator(list(range(10_005)), 50, cap=10_000).count_label == "hơn 10.000"


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("999999999", 3), ("abc", 1), ("-3", 1), ("0", 1), ("1e400", 1), ("2.5", 1), ("", 1), ("9" * 5000, 1)],
)
def test_a_hostile_page_number_gets_a_page_that_exists(asked, shown):
    assert BoundedPaginator(list(range(100)), 2, cap=5).get_page(asked).number == shown


def test_the_cells_page_says_more_than_the_cap_and_stops_there(client, leader, committee, settings):
    settings.PAGE_COUNT_CAP = 60
    make_cells(63, committee)  # with the ward's two: the cap and five more
    client.force_login(leader)

    last = unescape(client.get("/cells/?page=2").text)

    assert vi("more than %(count)s", count="60").capitalize() in last  # "Hơn 60 chi bộ"
    assert vi("Page %(number)s of %(total)s", number=2, total=2) in last
    assert "page=3" not in last
    assert last.count("list-group-item-action") == 10
    assert 'data-testid="pager-capped"' in last


@pytest.mark.parametrize("asked", ["999999999", "abc", "-1", "1e400"])
def test_a_hostile_page_number_answers_a_page_not_an_error(client, leader, committee, settings, asked):
    settings.PAGE_COUNT_CAP = 60
    make_cells(63, committee)
    client.force_login(leader)

    response = client.get("/cells/", {"page": asked})

    assert response.status_code == 200
    assert response.context["page"].number == (2 if asked == "999999999" else 1)


def test_the_count_query_carries_a_limit_and_no_sort(client, leader, committee, settings):
    settings.PAGE_COUNT_CAP = 60
    make_cells(3, committee)
    client.force_login(leader)

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/members/").status_code == 200

    counts = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT COUNT(*) FROM (SELECT "cells_member"')
    ]
    assert len(counts) == 1
    assert "LIMIT 61" in counts[0]
    assert "ORDER BY" not in counts[0]


@pytest.mark.parametrize("n", [2, 50])
def test_the_members_list_runs_the_same_queries_however_many_members(
    client, leader, ward, n, django_assert_num_queries
):
    for i in range(n):
        make_member(ward.cell01, full_name=f"Nguyễn Văn {i:02d}")
    client.force_login(leader)
    # session, user, the access map (member, positions, assignments, committees), the bounded count, the
    # menu's unread count, the cells of the filter, the page of members with their cell
    with django_assert_num_queries(10):
        response = client.get("/members/")
    page = response.context["page"]
    assert page.paginator.count >= n
    assert len(page) == min(page.paginator.count, 50)
