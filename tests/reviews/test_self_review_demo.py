"""seed_demo's self-reviews: last year's reviews (and this year's past self-assessment) written in the form's
sections, each line of the year's pledge marked kept, partly kept or not kept."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from phuthang import periods
from reviews.models import Pledge, PledgeLine, PledgeLineOutcome, Review
from reviews.services import pledges


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


def test_last_years_member_reviews_are_written_in_the_sections(seeded):
    last = Review.objects.filter(year=periods.today().year - 1, member__isnull=False)
    assert last.exists()
    assert not last.filter(self_strengths="").exists()
    assert not last.filter(self_shortcomings="").exists()
    assert not last.filter(self_direction="").exists()
    assert not last.filter(self_level="").exists()
    assert last.exclude(self_collective="").filter(member__user__username="bithu").exists()
    assert last.filter(member__user__username="dangvien", self_collective="").exists()


def test_last_years_signers_have_every_line_of_their_pledge_marked(seeded):
    year = periods.today().year - 1
    reviewed = Review.objects.filter(year=year, member__isnull=False).values("member_id")
    lines = PledgeLine.objects.filter(
        pledge__campaign__year=year, pledge__status="signed", pledge__member_id__in=reviewed
    )
    marked = PledgeLineOutcome.objects.filter(review__year=year)
    assert lines.exists()
    assert marked.count() == lines.count()
    assert not marked.exclude(line__pledge__member_id=F("review__member_id")).exists()
    assert set(marked.values_list("outcome", flat=True)) == set(PledgeLineOutcome.Outcome.values)
    assert marked.exclude(note="").exists()


def test_this_years_reviews_are_marked_once_past_self_assessment(seeded):
    year = periods.today().year
    this = Review.objects.filter(year=year, member__isnull=False)
    assert not PledgeLineOutcome.objects.filter(review__in=this.filter(status="draft")).exists()
    assert not this.filter(status="draft").exclude(self_strengths="").exists()
    assert not this.exclude(status="draft").filter(self_strengths="").exists()
    signed = Pledge.objects.standing().filter(campaign__year=year).values("member_id")
    assessed = this.filter(status="self_assessed", member_id__in=signed).first()
    assert assessed is not None
    assert all(outcome is not None for _line, outcome in pledges.review_lines(assessed))


def test_dangvien_sees_last_years_self_review_and_pledge_marks_on_the_review_page(seeded, client):
    review = Review.objects.get(year=periods.today().year - 1, member__user__username="dangvien")
    client.force_login(review.member.user)
    page = client.get(reverse("reviews:review", args=[review.pk])).content.decode()
    assert 'data-testid="self-review"' in page and review.self_strengths in page
    assert 'data-testid="pledge-lines"' in page
    assert "not marked yet" not in page and "chưa đánh giá" not in page
