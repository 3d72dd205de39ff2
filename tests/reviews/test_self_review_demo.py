"""seed_demo's self-reviews: last year's reviews (and this year's past self-assessment) written in the form's
sections, each line of the year's pledge marked kept, partly kept or not kept."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from phuthang import periods
from reviews.models import Pledge, PledgeCampaign, PledgeLine, PledgeLineOutcome, Review
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


# The seed is inside the test's transaction, so the planner has no statistics of it (seed_demo's ANALYZE, on
# the owner's connection, cannot see it): a query joining the demo's large tables may be planned as nested
# loops over them and run for minutes. These tests read one table at a time and join in Python.


def _outcomes(review_ids: list[int]) -> list[tuple[int, int, str, str]]:
    """(line, review, outcome, note) of the outcomes of these reviews."""
    return list(
        PledgeLineOutcome.objects.filter(review_id__in=review_ids).values_list(
            "line_id", "review_id", "outcome", "note"
        )
    )


def test_last_years_signers_have_every_line_of_their_pledge_marked(seeded):
    year = periods.today().year - 1
    reviewed = dict(Review.objects.filter(year=year, member__isnull=False).values_list("pk", "member_id"))
    campaigns = list(PledgeCampaign.objects.filter(year=year).values_list("pk", flat=True))
    signed = dict(
        Pledge.objects.filter(
            campaign_id__in=campaigns, status="signed", member_id__in=set(reviewed.values())
        ).values_list("pk", "member_id")
    )
    lines = dict(PledgeLine.objects.filter(pledge_id__in=list(signed)).values_list("pk", "pledge_id"))
    marked = _outcomes(list(reviewed))
    assert lines
    assert sorted(line for line, _review, _outcome, _note in marked) == sorted(lines)  # each line once
    assert all(signed[lines[line]] == reviewed[review] for line, review, _outcome, _note in marked)
    assert {outcome for _line, _review, outcome, _note in marked} == set(PledgeLineOutcome.Outcome.values)
    assert any(note for _line, _review, _outcome, note in marked)


def test_this_years_reviews_are_marked_once_past_self_assessment(seeded):
    year = periods.today().year
    this = list(
        Review.objects.filter(year=year, member__isnull=False).values_list(
            "pk", "member_id", "status", "self_strengths"
        )
    )
    drafts = [pk for pk, _member, status, _text in this if status == "draft"]
    assert not _outcomes(drafts)
    assert all(not text for _pk, _member, status, text in this if status == "draft")
    assert all(text for _pk, _member, status, text in this if status != "draft")
    campaigns = list(PledgeCampaign.objects.filter(year=year).values_list("pk", flat=True))
    signed = set(
        Pledge.objects.standing().filter(campaign_id__in=campaigns).values_list("member_id", flat=True)
    )
    assessed = next(
        pk for pk, member, status, _text in this if status == "self_assessed" and member in signed
    )
    review = Review.objects.get(pk=assessed)
    assert all(outcome is not None for _line, outcome in pledges.review_lines(review))


def test_dangvien_sees_last_years_self_review_and_pledge_marks_on_the_review_page(seeded, client):
    review = Review.objects.get(year=periods.today().year - 1, member__user__username="dangvien")
    client.force_login(review.member.user)
    page = client.get(reverse("reviews:review", args=[review.pk])).content.decode()
    assert 'data-testid="self-review"' in page and review.self_strengths in page
    assert 'data-testid="pledge-lines"' in page
    assert "not marked yet" not in page and "chưa đánh giá" not in page
