"""The per-cell review counts that the round pages read: equal to a recount after every kind of change."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from phuthang.concurrency import OutOfDate
from reviews.models import Manifestation, Review, ReviewRound
from reviews.models.reviews import RoundCellCount
from reviews.services import reviews as services
from tests.conftest import vi
from tests.factories import make_cell, make_member, make_review

STATUSES = list(Review.Status.values)


def _kept(review_round: ReviewRound) -> dict[int, dict[str, int]]:
    return {
        row.pop("cell_id"): row
        for row in RoundCellCount.objects.filter(round=review_round).values("cell_id", *STATUSES)
    }


def _recount(review_round: ReviewRound) -> dict[int, dict[str, int]]:
    rows = (
        Review.objects.filter(round=review_round)
        .order_by()
        .values("cell_id")
        .annotate(**{s: Count("pk", filter=Q(status=s)) for s in STATUSES})
    )
    return {row.pop("cell_id"): row for row in rows}


def _findings() -> dict[int, tuple[bool, str]]:
    return {m.pk: (False, "") for m in Manifestation.objects.all()}


@pytest.fixture
def review_round(ward, leader):
    return services.start_round(
        ward.committee, title="Kiểm điểm 2026", period_kind="year", year=2026, quarter=None, by=leader
    )


def test_the_counts_equal_a_recount_after_every_kind_of_change(ward, leader, secretary, review_round):
    assert _kept(review_round) == _recount(review_round)
    assert _kept(review_round)[ward.cell01.pk]["draft"] > 0
    one, two = (Review.objects.get(round=review_round, member=m) for m in ward.members01[:2])

    steps = [
        lambda r: services.self_assess(r, by=secretary, text="Tự nhận xét", on_paper=True, version=r.version),
        lambda r: services.self_assess(r, by=secretary, text="Sửa lại", on_paper=True, version=r.version),
        lambda r: services.propose(
            r, by=secretary, criticism="Góp ý", findings=_findings(), rating="good", version=r.version
        ),
        lambda r: services.propose(
            r, by=secretary, criticism="Góp ý thêm", findings=_findings(), rating="good", version=r.version
        ),
        lambda r: services.decide(r, by=leader, rating="good", version=r.version),
        lambda r: services.reopen_review(r, by=leader, reason="Xem lại", version=r.version),
    ]
    for step in steps:
        one = step(one)
        assert _kept(review_round) == _recount(review_round)
    two = services.withdraw_review(two, by=leader, reason="Chuyển sinh hoạt", version=two.version)
    one = services.withdraw_review(one, by=leader, reason="Chuyển sinh hoạt", version=one.version)
    assert _kept(review_round) == _recount(review_round)
    assert _kept(review_round)[ward.cell01.pk]["withdrawn"] == 2


def test_a_refused_step_leaves_the_counts_as_they_were(ward, leader, review_round):
    review = Review.objects.get(round=review_round, member=ward.members01[0])
    before = _kept(review_round)
    with pytest.raises(OutOfDate):
        services.decide(review, by=leader, rating="good", version=review.version)
    assert _kept(review_round) == before


def test_a_review_outside_any_round_counts_nowhere(ward, secretary, review_round):
    review = make_review(member=ward.members01[0])
    services.self_assess(review, by=secretary, text="Tự nhận xét", on_paper=True, version=1)
    assert _kept(review_round) == _recount(review_round)


def test_the_demo_fills_the_counts_of_both_its_rounds(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    for review_round in ReviewRound.objects.all():
        assert _kept(review_round) == _recount(review_round) != {}


# --- The pages that read them


def test_the_rounds_page_shows_decided_of_total_from_the_counts(
    client, ward, leader, secretary, review_round
):
    review = Review.objects.get(round=review_round, member=ward.members01[0])
    review = services.self_assess(review, by=secretary, text="Tự nhận xét", on_paper=True, version=1)
    review = services.propose(
        review, by=secretary, criticism="", findings=_findings(), rating="good", version=review.version
    )
    services.decide(review, by=leader, rating="good", version=review.version)
    total = Review.objects.filter(round=review_round).count()
    client.force_login(leader)
    page = client.get("/review-rounds/").content.decode()
    assert vi("%(decided)s of %(total)s decided", decided=1, total=total) in page


def test_a_secretary_sees_the_progress_of_their_own_cell_only(client, ward, secretary, review_round):
    client.force_login(secretary)
    rounds = client.get("/review-rounds/").context["rounds"]
    assert [r.total for r in rounds] == [Review.objects.filter(round=review_round, cell=ward.cell01).count()]
    progress = client.get(f"/review-rounds/{review_round.pk}/").context["progress"]
    assert [p.cell for p in progress] == [ward.cell01]


def test_the_rounds_page_runs_the_same_queries_however_many_cells(
    client, ward, leader, review_round, django_assert_num_queries
):
    client.force_login(leader)
    client.get("/review-rounds/")
    for i in range(30):
        make_member(make_cell(ward.committee, name=f"Chi bộ thêm {i}", code=f"X{i:03}"))
    services.start_round(
        ward.committee, title="Quý 1", period_kind="quarter", year=2026, quarter=1, by=leader
    )
    # session, user, member, positions, oversight, committee tree, rounds with their summed counts,
    # committees the user may start, unread notifications
    with django_assert_num_queries(9):
        client.get("/review-rounds/")


def test_the_round_page_shows_50_cells_a_page_and_finds_a_cell_by_name_or_code(
    client, ward, leader, django_assert_num_queries
):
    for i in range(60):
        make_member(make_cell(ward.committee, name=f"Chi bộ thêm {i}", code=f"X{i:03}"))
    review_round = services.start_round(
        ward.committee, title="Kiểm điểm 2026", period_kind="year", year=2026, quarter=None, by=leader
    )
    client.force_login(leader)
    client.get(f"/review-rounds/{review_round.pk}/")
    # session, user, member, positions, oversight, committee tree, the round, the number of cells, this
    # page's counts with cells, their drafts, their proposals, rating levels, top-rating shares, the cap,
    # the history (the rating rules, the round's events, the rules' events, the users named), unread
    # notifications
    with django_assert_num_queries(19):
        response = client.get(f"/review-rounds/{review_round.pk}/")
    assert len(response.context["progress"]) == 50
    assert response.context["page"].paginator.num_pages == 2
    second = client.get(f"/review-rounds/{review_round.pk}/?page=2").context["progress"]
    assert len(second) == 12
    found = client.get(f"/review-rounds/{review_round.pk}/?q=X041").context["progress"]
    assert [p.cell.code for p in found] == ["X041"]
    found = client.get(f"/review-rounds/{review_round.pk}/?q=tiểu học").context["progress"]
    assert [p.cell for p in found] == [ward.cell02]
    assert "Chi bộ thêm 41" in client.get(f"/review-rounds/{review_round.pk}/?q=X041").content.decode()


def test_the_round_page_reads_the_names_it_lists_without_the_reviews_texts(
    client, ward, leader, secretary, review_round, django_assert_num_queries
):
    review = Review.objects.get(round=review_round, member=ward.members01[0])
    review = services.self_assess(review, by=secretary, text="Tự nhận xét", on_paper=True, version=1)
    services.propose(review, by=secretary, criticism="", findings=_findings(), rating="good", version=2)
    client.force_login(leader)
    response = client.get(f"/review-rounds/{review_round.pk}/")
    waiting = [r for p in response.context["progress"] for r in p.waiting]
    listed = [*waiting, *response.context["to_decide"]]
    assert any(r.member_id is None for r in waiting) and response.context["to_decide"]  # a cell's, a member's
    assert all({"self_assessment", "criticism"} <= r.get_deferred_fields() for r in listed)
    with django_assert_num_queries(0):  # the names and links the page shows were read with the rows
        names = [(r.subject_name, r.get_absolute_url()) for r in listed]
    page = response.content.decode()
    assert all(name in page for name, _url in names)
    assert review.member.full_name in page and ward.cell01.name in page


def test_the_round_page_does_not_offer_a_leader_their_own_proposal_to_decide(
    client, ward, leader, secretary, review_round
):
    own = Review.objects.get(round=review_round, member=leader.member)
    other = Review.objects.get(round=review_round, member=ward.members01[0])
    for review in (own, other):
        review = services.self_assess(review, by=secretary, text="Tự nhận xét", on_paper=True, version=1)
        services.propose(review, by=secretary, criticism="", findings=_findings(), rating="good", version=2)
    client.force_login(leader)
    offered = client.get(f"/review-rounds/{review_round.pk}/").context["to_decide"]
    assert [r.pk for r in offered] == [other.pk]  # their own would answer 403: nobody decides their own
    assert client.get(f"/reviews/{own.pk}/decide/").status_code == 403
