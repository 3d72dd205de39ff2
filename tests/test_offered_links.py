"""A page offers only links its reader can open: each one answers that same user without a 403 or 404.

The browser crawl (tests/browser/test_crawl.py) walks the whole demo ward; these pin the dead ends it found,
one page each, on the small ward of tests/conftest.py.
"""

from __future__ import annotations

import re

import pytest

from reviews.services import reviews as services
from tests.factories import make_review, make_shortcoming

pytestmark = pytest.mark.django_db


def links(html: str) -> set[str]:
    return {href for href in re.findall(r'href="(/[^"]*)"', html) if not href.startswith("/static/")}


def assert_every_link_opens(client, path: str) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200
    offered = links(response.content.decode())
    dead = {href: client.get(href).status_code for href in offered}
    assert {href: code for href, code in dead.items() if code in (403, 404)} == {}
    return offered


def test_a_member_reading_their_own_review_is_led_back_to_their_own_page_not_the_cells(client, member, ward):
    review = make_review(member=member.member)
    client.force_login(member)

    offered = assert_every_link_opens(client, f"/reviews/{review.pk}/")

    assert f"/members/{member.member.pk}/reviews/" in offered
    assert f"/cells/{ward.cell01.pk}/reviews/" not in offered


def test_a_member_reading_their_own_shortcoming_is_not_offered_the_board(client, member, ward):
    item = make_shortcoming(ward.cell01, subject_member=member.member)
    client.force_login(member)

    offered = assert_every_link_opens(client, f"/shortcomings/{item.pk}/")

    assert "/shortcomings/" not in offered


def test_the_secretary_still_goes_back_to_the_board_and_the_cells_reviews(client, secretary, ward):
    review = make_review(member=ward.members01[0])
    item = make_shortcoming(ward.cell01)
    client.force_login(secretary)

    assert "/shortcomings/" in assert_every_link_opens(client, f"/shortcomings/{item.pk}/")
    assert f"/cells/{ward.cell01.pk}/reviews/" in assert_every_link_opens(client, f"/reviews/{review.pk}/")


def test_a_member_in_a_review_round_is_not_offered_the_list_of_rounds(client, member, leader, ward):
    review_round = services.start_round(
        ward.committee, title="Kiểm điểm 2026", period_kind="year", year=2026, quarter=None, by=leader
    )
    client.force_login(member)

    offered = assert_every_link_opens(client, f"/review-rounds/{review_round.pk}/")

    assert "/review-rounds/" not in offered


def test_the_secretary_reads_the_overseers_name_from_another_cell_without_a_link(
    client, secretary, overseer, ward
):
    client.force_login(secretary)

    response = client.get(f"/cells/{ward.cell01.pk}/")

    assert f"/members/{overseer.member.pk}/" not in links(response.content.decode())
    assert overseer.member.full_name in response.content.decode()
    assert_every_link_opens(client, f"/cells/{ward.cell01.pk}/")


def test_a_leader_opens_the_overseers_page_from_the_cell(client, leader, overseer, ward):
    client.force_login(leader)

    assert f"/members/{overseer.member.pk}/" in assert_every_link_opens(client, f"/cells/{ward.cell01.pk}/")
