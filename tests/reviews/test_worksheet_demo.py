"""seed_demo's worksheets: some of this year's reviews are scored, and the decisions keep the page's rule."""

from io import StringIO

import pytest
from django.core.management import call_command

from phuthang import periods
from reviews.models import Review, WorksheetScore
from reviews.models.reviews import RatingLevels
from reviews.services import reviews as services
from reviews.services import worksheets


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


def test_the_demo_scores_this_years_reviews_at_the_steps_they_reached(seeded):
    scored = Review.objects.filter(scores__isnull=False).distinct()
    assert scored.exists() and not scored.exclude(year=periods.today().year).exists()
    assert set(WorksheetScore.objects.values_list("stage", flat=True)) == {"self", "cell", "decision"}
    assert not WorksheetScore.objects.filter(stage="cell", review__status="self_assessed").exists()
    assert not WorksheetScore.objects.filter(stage="decision").exclude(review__status="decided").exists()
    assert Review.objects.filter(member__user__username="dangvien", scores__isnull=False).exists() or (
        Review.objects.get(member__user__username="dangvien", year=periods.today().year).status == "draft"
    )


def test_every_demo_decision_matches_its_points_or_gives_a_reason(seeded):
    levels = RatingLevels.load()
    for review in Review.objects.filter(status="decided", scores__isnull=False).distinct():
        sheet = worksheets.load(
            review, levels=levels, present=False, earlier=services.earlier_shortcomings(review)
        )
        assert sheet is not None and sheet.latest is not None
        assert sheet.latest.suggested == review.decided_rating or review.decision_reason
