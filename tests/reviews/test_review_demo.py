"""seed_demo's reviews and shortcomings: two rounds, every status, some overdue, extended and repeated."""

from io import StringIO

import pytest
from django.core.management import call_command

from phuthang import periods
from reviews.models import DueDateExtension, Review, ReviewRound, Shortcoming
from reviews.models.reviews import RatingLevels
from reviews.services import reviews as services


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


def test_last_years_round_is_finished_and_this_years_is_open(seeded):
    year = periods.today().year
    finished = ReviewRound.objects.get(year=year - 1)
    assert finished.status == "closed"
    assert finished.closed_by is not None and finished.closed_at is not None
    assert not finished.reviews.exclude(status="decided").exists()
    current = ReviewRound.objects.get(year=year)
    assert current.status == "open"
    assert set(current.reviews.values_list("status", flat=True)) >= {"draft", "self_assessed", "proposed"}
    assert not Review.objects.filter(member__exempt_since__lte=periods.today()).exists()


def test_shortcomings_are_in_every_status_with_overdue_extended_and_repeats(seeded):
    assert set(Shortcoming.objects.values_list("status", flat=True)) == set(Shortcoming.Status.values)
    assert Shortcoming.objects.overdue().exists()
    assert Shortcoming.objects.extended().exists()
    assert Shortcoming.objects.filter(is_repeat=True).exists()
    assert DueDateExtension.objects.filter(status="approved").exists()
    every = Shortcoming.objects.count()
    assert Shortcoming.objects.filter(updates__kind="created").distinct().count() == every


def test_dangvien_has_a_shortcoming_to_report_on(seeded):
    item = Shortcoming.objects.get(owner__user__username="dangvien", status="in_progress")
    assert not item.is_overdue()


def test_every_demo_round_keeps_the_cap_on_the_top_rating_that_the_decision_page_applies(seeded):
    levels = RatingLevels.load()
    for review_round in ReviewRound.objects.all():
        for collective, share in services.top_shares(review_round.pk, levels).items():
            assert services.top_cap_allows(top=share.top, good=share.good, cap=share.cap), (
                review_round.year,
                collective,
                share,
            )
    assert Review.objects.filter(status="decided", decided_rating=levels.top).exists()
