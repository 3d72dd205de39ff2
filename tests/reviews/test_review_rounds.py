"""Closing a review round, withdrawing a review, and the cap on the top rating within a round."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import escape

from phuthang.concurrency import OutOfDate
from reviews.models import Review, ReviewRound, Rule
from reviews.services import reviews as services
from tests.conftest import vi
from tests.factories import make_member, make_review


@pytest.fixture
def review_round(ward):
    return ReviewRound.objects.create(
        committee=ward.committee, title="Kiểm điểm 2026", period_kind="year", year=2026
    )


def _in_round(review_round, cell, status="proposed", **fields):
    return make_review(member=make_member(cell), round=review_round, status=status, **fields)


def _decided(review_round, cell, rating, count=1):
    return [_in_round(review_round, cell, status="decided", decided_rating=rating) for _ in range(count)]


# --- Closing a round


def test_a_round_with_undecided_reviews_is_not_closed_and_the_message_counts_them(ward, leader, review_round):
    _decided(review_round, ward.cell01, "good")
    _in_round(review_round, ward.cell01, status="draft")
    _in_round(review_round, ward.cell01, status="proposed")
    _in_round(review_round, ward.cell02, status="proposed")
    with pytest.raises(ValidationError) as error:
        services.close_round(review_round, by=leader)
    message = " ".join(error.value.messages)
    assert "3" in message and f"1 {vi('Draft')}" in message and f"2 {vi('Proposed by the cell')}" in message
    review_round.refresh_from_db()
    assert review_round.status == "open" and review_round.closed_at is None


def test_a_round_whose_reviews_are_all_decided_or_withdrawn_closes_recording_who_and_when(
    ward, leader, review_round
):
    _decided(review_round, ward.cell01, "good")
    withdrawn = _in_round(review_round, ward.cell02)
    services.withdraw_review(withdrawn, by=leader, reason="Chuyển sinh hoạt", version=1)
    services.close_round(review_round, by=leader)
    review_round.refresh_from_db()
    assert review_round.status == "closed" and review_round.closed_by == leader and review_round.closed_at
    with pytest.raises(OutOfDate):
        services.close_round(review_round, by=leader)  # posted twice: a message, not a second close


def test_a_review_of_a_closed_round_can_no_longer_be_reopened(ward, leader, review_round):
    (review,) = _decided(review_round, ward.cell01, "good")
    services.close_round(review_round, by=leader)
    with pytest.raises(OutOfDate):
        services.reopen_review(review, by=leader, reason="Có thông tin mới", version=1)
    review.refresh_from_db()
    assert review.status == "decided"


def test_the_leader_closes_the_round_from_its_page(client, ward, leader, review_round):
    draft = _in_round(review_round, ward.cell01, status="draft")
    client.force_login(leader)
    response = client.post(f"/review-rounds/{review_round.pk}/close/", follow=True)
    page = response.content.decode()
    assert escape(vi("Draft")) in page and "1" in page
    assert ReviewRound.objects.get().status == "open"
    services.withdraw_review(draft, by=leader, reason="Đã chuyển đi", version=1)
    response = client.post(f"/review-rounds/{review_round.pk}/close/", follow=True)
    page = response.content.decode()
    assert escape(vi("The review round is closed.")) in page
    assert ReviewRound.objects.get().status == "closed"
    assert f"/review-rounds/{review_round.pk}/close/" not in page  # no button on a closed round


def test_a_secretary_cannot_close_a_round(client, ward, secretary, review_round):
    _in_round(review_round, ward.cell01, status="decided", decided_rating="good")
    client.force_login(secretary)
    assert client.post(f"/review-rounds/{review_round.pk}/close/").status_code == 403
    assert ReviewRound.objects.get().status == "open"


# --- Withdrawing one review


def test_withdrawing_keeps_the_review_with_its_reason_who_and_when(ward, leader, review_round):
    review = _in_round(review_round, ward.cell01, status="self_assessed")
    services.withdraw_review(review, by=leader, reason="  Chuyển sinh hoạt  ", version=1)
    review = Review.objects.get(pk=review.pk)
    assert review.status == "withdrawn" and review.withdraw_reason == "Chuyển sinh hoạt"
    assert review.withdrawn_by == leader and review.withdrawn_at is not None


def test_withdrawing_needs_a_reason_and_a_decided_review_is_reopened_first(ward, leader, review_round):
    review = _in_round(review_round, ward.cell01)
    with pytest.raises(ValidationError):
        services.withdraw_review(review, by=leader, reason=" ", version=1)
    (decided,) = _decided(review_round, ward.cell01, "good")
    with pytest.raises(OutOfDate):
        services.withdraw_review(decided, by=leader, reason="Lý do", version=1)
    assert Review.objects.filter(status="withdrawn").count() == 0


def test_withdrawing_from_a_stale_page_is_refused(ward, leader, review_round):
    review = _in_round(review_round, ward.cell01)
    Review.objects.filter(pk=review.pk).update(version=2)
    with pytest.raises(OutOfDate):
        services.withdraw_review(review, by=leader, reason="Lý do", version=1)


def test_the_leader_withdraws_a_review_from_its_page_and_the_history_keeps_it(
    client, ward, leader, inspector
):
    review = make_review(member=ward.members01[0])
    client.force_login(leader)
    assert escape(vi("Withdraw the review")) in client.get(f"/reviews/{review.pk}/").content.decode()
    response = client.post(f"/reviews/{review.pk}/withdraw/", {"version": 1, "reason": "Chuyển sinh hoạt"})
    assert response.status_code == 302
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "Chuyển sinh hoạt" in page and "Nguyễn Văn Lãnh" in page
    assert escape(vi("Withdraw the review")) not in page
    client.force_login(inspector)
    history = client.get(f"/reviews/{review.pk}/history/").content.decode()
    assert escape(vi("Withdrawn")) in history and "Chuyển sinh hoạt" in history


def test_withdrawing_without_a_reason_says_so_and_changes_nothing(client, ward, leader):
    review = make_review(member=ward.members01[0])
    client.force_login(leader)
    response = client.post(f"/reviews/{review.pk}/withdraw/", {"version": 1, "reason": ""}, follow=True)
    assert escape(vi("Give the reason for withdrawing the review.")) in response.content.decode()
    assert Review.objects.get(pk=review.pk).status == "draft"


# --- The cap on the top rating: top ≤ cap × (top + good) of the round, members and cells apart


def test_the_cap_reading_counts_the_top_against_the_good_or_better(db):
    assert services.top_cap_allows(top=1, good=4, cap=0.2)
    assert not services.top_cap_allows(top=1, good=3, cap=0.2)
    assert not services.top_cap_allows(top=2, good=5, cap=0.2)
    assert services.top_cap_allows(top=3, good=0, cap=None)


def test_one_top_rating_over_the_cap_is_refused_with_the_cap_and_the_count(ward, leader, review_round):
    _decided(review_round, ward.cell01, "good", count=3)
    _decided(review_round, ward.cell01, "done", count=5)  # below "good": does not widen the base
    review = _in_round(review_round, ward.cell01)
    with pytest.raises(ValidationError) as error:
        services.decide(review, by=leader, rating="excellent", version=1)
    message = " ".join(error.value.messages)
    assert "20%" in message and "0" in message and "3" in message and "1" in message and "4" in message
    assert Review.objects.get(pk=review.pk).status == "proposed"


def test_the_top_rating_is_allowed_within_the_cap_and_refused_one_over(ward, leader, review_round):
    _decided(review_round, ward.cell01, "good", count=4)
    first, second = _in_round(review_round, ward.cell01), _in_round(review_round, ward.cell02)
    services.decide(first, by=leader, rating="excellent", version=1)  # 1 of 5
    with pytest.raises(ValidationError):
        services.decide(second, by=leader, rating="excellent", version=1)  # 2 of 6 > 20%
    services.decide(second, by=leader, rating="good", version=1)


def test_the_cap_is_the_editable_rule(ward, leader, review_round):
    Rule.objects.filter(key="rating_levels.excellent_cap_share").update(value=0.5)
    _decided(review_round, ward.cell01, "good")
    review = _in_round(review_round, ward.cell01)
    services.decide(review, by=leader, rating="excellent", version=1)  # 1 of 2 = 50%
    assert Review.objects.get(pk=review.pk).decided_rating == "excellent"


def test_cells_and_members_are_capped_apart_and_reviews_outside_a_round_are_not(ward, leader, review_round):
    _decided(review_round, ward.cell01, "good", count=4)
    _decided(review_round, ward.cell01, "excellent")
    cell_review = make_review(cell=ward.cell02, round=review_round, status="proposed")
    with pytest.raises(ValidationError):
        services.decide(cell_review, by=leader, rating="excellent", version=1)  # no cell rated good yet
    loose = make_review(member=make_member(ward.cell01), status="proposed")
    services.decide(loose, by=leader, rating="excellent", version=1)


def test_the_round_page_shows_the_share_against_the_cap_to_leaders_only(
    client, ward, leader, secretary, review_round
):
    _decided(review_round, ward.cell01, "good", count=4)
    _decided(review_round, ward.cell01, "excellent")
    client.force_login(leader)
    page = client.get(f"/review-rounds/{review_round.pk}/").content.decode()
    assert 'data-testid="top-share"' in page
    assert (
        escape(
            vi(
                "%(top)s of the %(base)s rated “%(good)s” or better are rated “%(best)s”: %(percent)s%%",
                top=1,
                base=5,
                good="Hoàn thành tốt nhiệm vụ",
                best="Hoàn thành xuất sắc nhiệm vụ",
                percent=20,
            )
        )
        in page
    )
    assert escape(vi("at most %(cap)s%%", cap=20)) in page and escape(vi("cap reached")) in page
    client.force_login(secretary)
    assert 'data-testid="top-share"' not in client.get(f"/review-rounds/{review_round.pk}/").content.decode()


def test_deciding_over_the_cap_on_the_page_shows_why_and_saves_nothing(client, ward, leader, review_round):
    review = _in_round(review_round, ward.cell01)
    client.force_login(leader)
    response = client.post(f"/reviews/{review.pk}/decide/", {"version": 1, "rating": "excellent"})
    assert response.status_code == 200 and "20%" in response.content.decode()
    assert Review.objects.get(pk=review.pk).status == "proposed"


def test_the_round_page_says_when_the_top_ratings_are_over_the_cap(client, ward, leader, review_round):
    _decided(review_round, ward.cell01, "good", count=3)
    _decided(review_round, ward.cell01, "excellent")  # 1 of 4: 25%, decided before the cap was lowered
    client.force_login(leader)
    page = client.get(f"/review-rounds/{review_round.pk}/").content.decode()
    assert escape(vi("over the cap")) in page and ": 25%" in page
