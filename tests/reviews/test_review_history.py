"""The history pages of a review and a shortcoming read as labels and values, never as column names and codes."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from django.utils.text import capfirst

from phuthang import periods
from reviews.models import Manifestation, Review, Shortcoming
from tests.conftest import vi
from tests.factories import make_review, make_shortcoming


def _label(verbose_name: str) -> str:
    return escape(capfirst(vi(verbose_name)))


def test_the_review_history_shows_labels_names_ratings_and_dates(client, ward, leader, inspector):
    review = make_review(member=ward.members01[0], status="proposed", proposed_rating="good")
    client.force_login(leader)
    client.post(f"/reviews/{review.pk}/decide/", {"version": 1, "rating": "good"})
    client.force_login(inspector)
    page = client.get(f"/reviews/{review.pk}/history/").content.decode()
    for name in ("status", "decided rating", "decided by", "decided at"):
        assert _label(name) in page
    assert escape(vi("Proposed by the cell")) in page and escape(vi("Decided")) in page
    assert "Hoàn thành tốt nhiệm vụ" in page and "Nguyễn Văn Lãnh" in page
    assert periods.today().strftime("%d/%m/%Y") in page
    for raw in ("decided_by", "decided_rating", ">proposed<", ">good<", ">version<"):
        assert raw not in page


def test_the_shortcoming_history_shows_the_manifestation_and_dates_as_read(
    client, ward, secretary, inspector
):
    item = make_shortcoming(ward.cell01, due_on=dt.date(2099, 6, 30))
    client.force_login(secretary)
    manifestation = Manifestation.objects.get(code="2.3")
    client.post(
        f"/shortcomings/{item.pk}/edit/",
        {
            "version": 1,
            "description": item.description,
            "manifestation": manifestation.pk,
            "plan": "Kế hoạch",
        },
    )
    Shortcoming.objects.filter(pk=item.pk).update(
        due_on=dt.date(2099, 9, 30), is_repeat=True
    )  # a bulk update
    client.force_login(inspector)
    page = client.get(f"/shortcomings/{item.pk}/history/").content.decode()
    assert _label("manifestation") in page and escape(manifestation.label) in page
    assert _label("due date") in page and "30/06/2099" in page and "30/09/2099" in page
    assert escape(vi("Yes")) in page and escape(vi("system or bulk update")) in page
    assert "Hoàng Văn Thư" in page  # the secretary's edit
    assert "manifestation_id" not in page and "2099-09-30" not in page


def test_the_history_page_runs_the_same_queries_however_many_changes(client, ward, leader, inspector, member):
    review = make_review(member=ward.members01[0])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/reviews/{review.pk}/history/").status_code == 200
        return len(captured)

    client.force_login(inspector)
    Review.objects.filter(pk=review.pk).update(decided_by=leader, decided_rating="good", status="decided")
    few = queries()
    for i, user in enumerate([member, leader] * 10):
        Review.objects.filter(pk=review.pk).update(decided_by=user, criticism=f"Lần {i}")
    assert queries() == few
    # session, user, access (member, positions, assignments, committee tree), the review, the events
    # (sent with pghistory's request context), the users named (authors and decided_by: one query),
    # the rating levels, the inbox badge
    assert few == 11
