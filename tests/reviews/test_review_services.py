"""Reviews: the round in one action, the steps and their guards, the rating rules from the Rule table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from phuthang.concurrency import OutOfDate
from reviews.models import Manifestation, Review, Rule, Shortcoming
from reviews.models.reviews import RatingLevels
from reviews.services import reviews as services
from tests.conftest import vi
from tests.factories import make_review, make_shortcoming


def _findings(present_code: str | None = None) -> dict[int, tuple[bool, str]]:
    return {m.pk: (m.code == present_code, "") for m in Manifestation.objects.all()}


def test_the_27_manifestations_are_loaded_and_unconfirmed_ones_say_so(db):
    assert Manifestation.objects.count() == 27
    assert Manifestation.objects.filter(verified=False).exists()
    assert Manifestation.objects.get(code="1.1").verified


def test_starting_a_round_creates_one_review_per_non_exempt_member_and_one_per_cell(ward, leader, secretary):
    review_round = services.start_round(
        ward.committee,
        title="Kiểm điểm cuối năm 2026",
        period_kind="year",
        year=2026,
        quarter=None,
        by=leader,
    )
    reviews = Review.objects.filter(round=review_round)
    exempt = ward.members01[2]
    assert not reviews.filter(member=exempt).exists()
    assert reviews.filter(member__isnull=True).count() == 2
    assert reviews.filter(member=ward.members01[0], status="draft").exists()
    assert reviews.filter(member=secretary.member).exists()


def test_starting_the_same_period_twice_is_refused(ward, leader):
    services.start_round(ward.committee, title="2026", period_kind="year", year=2026, quarter=None, by=leader)
    with pytest.raises(ValidationError) as error:
        services.start_round(
            ward.committee, title="2026", period_kind="year", year=2026, quarter=None, by=leader
        )
    assert error.value.messages == [vi("A review round for this period already exists in this committee.")]


def test_a_review_moves_through_its_steps_recording_who(ward, secretary, leader):
    review = make_review(member=ward.members01[0])
    review = services.self_assess(review, by=secretary, text="Tự nhận xét", on_paper=True, version=1)
    assert review.status == "self_assessed" and review.self_assessed_on_paper
    review = services.propose(
        review, by=secretary, criticism="Góp ý", findings=_findings(), rating="good", version=review.version
    )
    assert review.proposed_by == secretary and review.proposed_rating == "good"
    review = services.decide(review, by=leader, rating="good", version=review.version)
    review.refresh_from_db()
    assert (review.status, review.decided_rating, review.decided_by) == ("decided", "good", leader)


def test_a_step_posted_twice_gets_a_message_not_an_overwrite(ward, secretary, leader):
    review = make_review(member=ward.members01[0], status="proposed")
    services.decide(review, by=leader, rating="good", version=1)
    with pytest.raises(OutOfDate) as error:
        services.decide(review, by=leader, rating="done", version=1)
    assert error.value.messages == [
        vi(
            "This review is now “%(status)s”, so “%(action)s” is not possible. "
            "It may have been done already, or your page was out of date.",
            status=Review.Status.DECIDED.label,
            action=vi("decision"),
        )
    ]
    review.refresh_from_db()
    assert review.decided_rating == "good"


def test_a_stale_page_is_refused(ward, secretary):
    review = make_review(member=ward.members01[0], status="self_assessed", version=3)
    with pytest.raises(OutOfDate) as error:
        services.propose(review, by=secretary, criticism="", findings={}, rating="good", version=2)
    assert error.value.messages == [
        vi("Someone changed this review after you opened the page. Check the changes and try again.")
    ]


def test_a_present_manifestation_allows_only_the_lowest_rating(ward, secretary):
    review = make_review(member=ward.members01[0], status="self_assessed")
    with pytest.raises(ValidationError) as error:
        services.propose(
            review, by=secretary, criticism="", findings=_findings("2.5"), rating="good", version=1
        )
    levels = RatingLevels.load()
    assert error.value.message_dict["rating"] == [
        vi(
            "A manifestation of degradation was concluded as present, so the only allowed rating is “%(name)s”.",
            name=levels.name(levels.lowest),
        )
    ]
    assert not review.findings.exists()
    services.propose(
        review, by=secretary, criticism="", findings=_findings("2.5"), rating="not_done", version=1
    )
    assert review.findings.get().manifestation.code == "2.5"


def test_the_top_rating_needs_every_earlier_shortcoming_verified(ward, secretary):
    person = ward.members01[0]
    make_shortcoming(
        ward.cell01,
        subject_member=person,
        raised_on=dt.date(2024, 5, 1),
        due_on=dt.date(2024, 9, 1),
        period_start=dt.date(2024, 1, 1),
        status="verified",
    )
    make_shortcoming(
        ward.cell01,
        subject_member=person,
        raised_on=dt.date(2024, 5, 1),
        due_on=dt.date(2024, 9, 1),
        period_start=dt.date(2024, 1, 1),
        status="in_progress",
    )
    review = make_review(member=person, status="self_assessed", year=2025)
    assert services.earlier_shortcomings(review) == services.EarlierShortcomings(verified=1, total=2)
    levels = RatingLevels.load()
    with pytest.raises(ValidationError) as error:
        services.propose(review, by=secretary, criticism="", findings={}, rating="excellent", version=1)
    assert error.value.message_dict["rating"] == [
        vi(
            "“%(name)s” needs every shortcoming from earlier periods fixed and verified; "
            "%(verified)d of %(total)d are.",
            name=levels.name(levels.top),
            verified=1,
            total=2,
        )
    ]
    Shortcoming.objects.filter(subject_member=person).update(status="verified")
    services.propose(review, by=secretary, criticism="", findings={}, rating="excellent", version=1)


def test_rating_levels_come_from_the_editable_rules(ward, secretary):
    rule = Rule.objects.get(key="rating_levels.levels")
    rule.value = [*rule.value, {"code": "extra", "vi": "Mức thử", "min_points": 95}]
    rule.save()
    review = make_review(member=ward.members01[0], status="self_assessed")
    review = services.propose(review, by=secretary, criticism="", findings={}, rating="extra", version=1)
    assert review.proposed_rating == "extra"


def test_members_exempt_from_meetings_are_not_rated(ward, leader):
    review = make_review(member=ward.members01[2], status="proposed")
    with pytest.raises(ValidationError) as error:
        services.decide(review, by=leader, rating="good", version=1)
    assert error.value.message_dict["rating"] == [vi("Members exempt from meetings are not rated.")]
    services.decide(review, by=leader, rating="", version=1)


def test_reopening_a_decided_review_needs_a_reason_and_keeps_history(ward, leader):
    review = make_review(member=ward.members01[0], status="proposed")
    services.decide(review, by=leader, rating="good", version=1)
    with pytest.raises(ValidationError) as error:
        services.reopen_review(review, by=leader, reason=" ", version=2)
    assert error.value.message_dict == {"reason": [vi("Give the reason for re-opening the review.")]}
    services.reopen_review(review, by=leader, reason="Có thông tin mới", version=2)
    review.refresh_from_db()
    assert review.status == "proposed" and review.decided_rating == ""
    ratings = [e.decided_rating for e in review.events.order_by("pgh_id")]
    assert "good" in ratings and ratings[-1] == ""


def test_starting_a_round_records_one_insert_event_per_review_naming_who_started_it(ward, leader):
    """The statement-level history trigger (tracked(bulk_inserts=True)) records what the per-row one did."""
    review_round = services.start_round(
        ward.committee, title="2026", period_kind="year", year=2026, quarter=None, by=leader
    )
    ReviewEvent = apps.get_model("reviews", "ReviewEvent")
    events = ReviewEvent.objects.filter(round_id=review_round.pk).select_related("pgh_context")
    reviews = dict(Review.objects.filter(round=review_round).values_list("pk", "member_id"))

    assert len(reviews) == ward.committee.cells.count() + 5  # 5 non-exempt members, the leader among them
    assert {e.pgh_obj_id: e.member_id for e in events} == reviews
    assert {e.pgh_label for e in events} == {"insert"}
    assert {e.pgh_context.metadata["user"] for e in events} == {leader.pk}
