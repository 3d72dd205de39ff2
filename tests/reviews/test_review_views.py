"""Review pages: sight (404), permission (403), the steps through the forms, and the round's progress."""

from __future__ import annotations

import pytest
from django.utils.html import escape
from django.utils.text import capfirst

from phuthang import jobs
from phuthang.models import Job
from reviews.models import Manifestation, Review, ReviewRound
from reviews.models.reviews import RatingLevels
from reviews.services import reviews as services
from tests.conftest import once, vi
from tests.factories import make_review


@pytest.fixture
def review(ward):
    return make_review(member=ward.members01[0])


def test_a_leader_starts_a_round_for_the_committee_in_one_action(client, ward, leader, secretary):
    client.force_login(leader)
    response = client.post(
        "/review-rounds/new/",
        once(
            {"committee": ward.committee.pk, "title": "Kiểm điểm 2026", "period_kind": "year", "year": 2026}
        ),
    )
    job = Job.objects.get(kind="round_start")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert not ReviewRound.objects.exists()  # the worker starts it
    jobs.run(job.pk)
    review_round = ReviewRound.objects.get()
    job_page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert (
        vi("Review round started: %(count)d reviews created.", count=review_round.reviews.count()) in job_page
    )
    assert f'href="/review-rounds/{review_round.pk}/"' in job_page
    page = client.get(f"/review-rounds/{review_round.pk}/").content.decode()
    assert "Nguyễn Văn Chính" in page  # not yet self-assessed, listed under the cell
    assert "Lê Văn Miễn" not in page  # exempt: not rated, no review


def test_a_round_already_started_for_the_period_is_refused_on_the_form_at_once(client, ward, leader):
    services.start_round(ward.committee, title="2026", period_kind="year", year=2026, quarter=None, by=leader)
    client.force_login(leader)
    response = client.post(
        "/review-rounds/new/",
        once({"committee": ward.committee.pk, "title": "Lần hai", "period_kind": "year", "year": 2026}),
    )
    assert response.status_code == 200
    assert escape(vi("A review round for this period already exists in this committee.")) in response.text
    assert not Job.objects.exists()


def test_two_leaders_starting_the_same_round_get_the_same_job(client, ward, leader):
    data = {"committee": ward.committee.pk, "title": "Kiểm điểm 2026", "period_kind": "year", "year": 2026}
    client.force_login(leader)
    first = client.post("/review-rounds/new/", once(data))
    second = client.post("/review-rounds/new/", once(data))  # another page, another token: same job
    assert first["Location"] == second["Location"]
    assert Job.objects.filter(kind="round_start").count() == 1


def test_a_secretary_cannot_start_a_round(client, ward, secretary):
    client.force_login(secretary)
    assert client.get("/review-rounds/new/").status_code == 403


def test_a_quarter_round_without_its_quarter_is_refused_and_nothing_saved(client, ward, leader):
    client.force_login(leader)
    response = client.post(
        "/review-rounds/new/",
        once({"committee": ward.committee.pk, "title": "Q", "period_kind": "quarter", "year": 2026}),
    )
    assert response.status_code == 200
    assert escape(vi("Choose the quarter.")) in response.content.decode()
    assert not ReviewRound.objects.exists()


def test_the_secretary_enters_a_paper_self_assessment_recorded_as_such(client, secretary, review):
    client.force_login(secretary)
    response = client.post(f"/reviews/{review.pk}/self-assessment/", {"self_strengths": "Giấy", "version": 1})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "self_assessed" and review.self_assessed_on_paper
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert escape(vi("entered from paper by the secretary")) in page


def test_a_member_self_assesses_their_own_review(client, member):
    own = make_review(member=member.member)
    client.force_login(member)
    client.post(f"/reviews/{own.pk}/self-assessment/", {"self_strengths": "Tự nhận", "version": 1})
    own.refresh_from_db()
    assert own.status == "self_assessed" and not own.self_assessed_on_paper


def test_a_member_cannot_see_someone_elses_review(client, member, review):
    client.force_login(member)
    assert client.get(f"/reviews/{review.pk}/").status_code == 404


def test_a_present_manifestation_with_a_better_rating_shows_why_and_saves_nothing(client, secretary, review):
    review.status = "self_assessed"
    review.save()
    m = Manifestation.objects.get(code="2.3")
    client.force_login(secretary)
    response = client.post(
        f"/reviews/{review.pk}/propose/",
        {"version": 1, "criticism": "", f"present_{m.pk}": "on", "rating": "good"},
    )
    assert response.status_code == 200
    levels = RatingLevels.load()
    why = vi(
        "A manifestation of degradation was concluded as present, so the only allowed rating is “%(name)s”.",
        name=levels.name(levels.lowest),
    )
    assert escape(why) in response.content.decode()
    review.refresh_from_db()
    assert review.status == "self_assessed" and not review.findings.exists()


def test_deciding_from_a_stale_page_says_so(client, leader, review):
    review.status, review.version = "proposed", 2
    review.save()
    client.force_login(leader)
    response = client.post(f"/reviews/{review.pk}/decide/", {"version": 1, "rating": "good"}, follow=True)
    stale = vi("Someone changed this review after you opened the page. Check the changes and try again.")
    assert escape(stale) in response.content.decode()
    review.refresh_from_db()
    assert review.status == "proposed"


def test_deciding_twice_gives_a_message_not_an_error(client, leader, review):
    review.status = "proposed"
    review.save()
    client.force_login(leader)
    client.post(f"/reviews/{review.pk}/decide/", {"version": 1, "rating": "good"})
    response = client.post(f"/reviews/{review.pk}/decide/", {"version": 1, "rating": "good"}, follow=True)
    already = vi(
        "This review is now “%(status)s”, so “%(action)s” is not possible. "
        "It may have been done already, or your page was out of date.",
        status=Review.Status.DECIDED.label,
        action=vi("decision"),
    )
    assert response.status_code == 403 or escape(already) in response.content.decode()


def test_a_secretary_cannot_decide(client, secretary, review):
    review.status = "proposed"
    review.save()
    client.force_login(secretary)
    assert client.post(f"/reviews/{review.pk}/decide/", {"version": 1, "rating": "good"}).status_code == 403


def test_a_decided_review_is_read_only_and_reopening_keeps_history(client, leader, secretary, review):
    services_review = Review.objects.get(pk=review.pk)
    services_review.status = "proposed"
    services_review.save()
    services.decide(services_review, by=leader, rating="good", version=1)
    client.force_login(secretary)
    assert client.get(f"/reviews/{review.pk}/propose/").status_code == 403
    client.force_login(leader)
    client.post(f"/reviews/{review.pk}/reopen/", {"version": 2, "reason": "Sai sót"})
    history = client.get(f"/reviews/{review.pk}/history/").content.decode()
    assert escape(capfirst(vi("decided rating"))) in history and "Hoàn thành tốt nhiệm vụ" in history
    assert "Sai sót" in history and "Nguyễn Văn Lãnh" in history


def test_only_ubkt_and_leaders_read_the_history(client, secretary, inspector, review):
    client.force_login(secretary)
    assert client.get(f"/reviews/{review.pk}/history/").status_code == 403
    client.force_login(inspector)
    assert client.get(f"/reviews/{review.pk}/history/").status_code == 200


def test_the_cell_page_lists_reviews_and_other_cells_get_404(client, secretary, other_secretary, review):
    client.force_login(secretary)
    assert "Nguyễn Văn Chính" in client.get(f"/cells/{review.cell_id}/reviews/").content.decode()
    client.force_login(other_secretary)
    assert client.get(f"/cells/{review.cell_id}/reviews/").status_code == 404
    assert client.get(f"/reviews/{review.pk}/").status_code == 404
