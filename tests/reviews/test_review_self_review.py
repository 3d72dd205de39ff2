"""The member's self-review in the official form's sections, and the 27-manifestation self-check (issue 12)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils.html import escape

from cells.models import Role
from reviews.models import Manifestation, Review
from reviews.models.reviews import RatingLevels
from tests.conftest import vi
from tests.factories import make_position, make_review, make_shortcoming


@pytest.fixture
def own(member):
    return make_review(member=member.member)


def sections(**more):
    return {
        "version": 1,
        "self_strengths": "Hoàn thành tốt nhiệm vụ tổ dân phố.",
        "self_shortcomings": "Đôi lúc chưa đúng giờ sinh hoạt, do bận việc gia đình.",
        "self_direction": "Sắp xếp thời gian, đi sinh hoạt đúng giờ.",
        "self_level": "good",
        **more,
    }


def test_a_member_writes_the_self_review_in_the_forms_sections(client, member, own):
    client.force_login(member)
    response = client.post(f"/reviews/{own.pk}/self-assessment/", sections())
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.status == "self_assessed" and not own.self_assessed_on_paper
    assert own.self_shortcomings.startswith("Đôi lúc") and own.self_level == "good"
    page = client.get(f"/reviews/{own.pk}/").content.decode()
    for label in ("1. Strengths and results", "2. Shortcomings and their causes", "6. The level I propose"):
        assert escape(vi(label)) in page
    assert "Sắp xếp thời gian" in page and RatingLevels.load().name("good") in page


def test_the_strengths_are_required_and_nothing_is_saved_without_them(client, member, own):
    client.force_login(member)
    response = client.post(f"/reviews/{own.pk}/self-assessment/", sections(self_strengths=" "))
    assert response.status_code == 200
    own.refresh_from_db()
    assert own.status == "draft" and own.self_shortcomings == ""


def test_a_level_that_is_not_a_rating_level_is_refused(client, member, own):
    client.force_login(member)
    response = client.post(f"/reviews/{own.pk}/self-assessment/", sections(self_level="best-ever"))
    assert response.status_code == 200
    own.refresh_from_db()
    assert own.status == "draft" and own.self_level == ""


def test_the_secretary_enters_the_sections_from_paper(client, secretary, ward):
    review = make_review(member=ward.members01[0])
    client.force_login(secretary)
    client.post(f"/reviews/{review.pk}/self-assessment/", sections(self_strengths="Chép từ bản giấy."))
    review.refresh_from_db()
    assert review.self_assessed_on_paper and review.self_strengths == "Chép từ bản giấy."
    assert review.self_assessed_by == secretary


def test_the_collective_section_is_offered_only_to_those_in_leadership(client, member, own, secretary):
    client.force_login(member)
    page = client.get(f"/reviews/{own.pk}/self-assessment/").content.decode()
    assert 'name="self_collective"' not in page
    client.post(f"/reviews/{own.pk}/self-assessment/", sections(self_collective="Không phải của tôi"))
    own.refresh_from_db()
    assert own.self_collective == ""  # posted anyway: not kept
    leads = make_review(member=secretary.member)
    client.force_login(secretary)
    page = client.get(f"/reviews/{leads.pk}/self-assessment/").content.decode()
    assert 'name="self_collective"' in page
    client.post(f"/reviews/{leads.pk}/self-assessment/", sections(self_collective="Chi bộ họp chưa đều."))
    leads.refresh_from_db()
    assert leads.self_collective == "Chi bộ họp chưa đều."
    assert "Chi bộ họp chưa đều." in client.get(f"/reviews/{leads.pk}/").content.decode()


def test_a_committee_position_counts_as_leadership(client, member, own):
    make_position(member.member, Role.COMMITTEE_MEMBER, committee=member.member.cell.committee, cell=None)
    client.force_login(member)
    assert 'name="self_collective"' in client.get(f"/reviews/{own.pk}/self-assessment/").content.decode()


def test_the_earlier_shortcomings_are_listed_with_their_status_read_only(client, member, own):
    last_year = dt.date(own.year - 1, 3, 1)
    earlier = make_shortcoming(
        member.member.cell,
        subject_member=member.member,
        description="Chưa nộp đảng phí đúng hạn.",
        raised_on=last_year,
        due_on=last_year + dt.timedelta(days=30),
        status="verified",
    )
    make_shortcoming(member.member.cell, description="Của người khác.", raised_on=last_year, due_on=last_year)
    client.force_login(member)
    form = client.get(f"/reviews/{own.pk}/self-assessment/").content.decode()
    assert "Chưa nộp đảng phí đúng hạn." in form and escape(earlier.get_status_display()) in form
    assert "Của người khác." not in form
    assert f'name="shortcoming_{earlier.pk}"' not in form  # read-only: nothing to post
    client.post(f"/reviews/{own.pk}/self-assessment/", sections())
    assert "Chưa nộp đảng phí đúng hạn." in client.get(f"/reviews/{own.pk}/").content.decode()


def test_an_old_review_keeps_its_single_text_shown(client, member):
    old = make_review(member=member.member, status="decided", self_assessment="Bản tự nhận xét cũ một ô.")
    client.force_login(member)
    page = client.get(f"/reviews/{old.pk}/").content.decode()
    assert "Bản tự nhận xét cũ một ô." in page
    assert escape(vi("1. Strengths and results")) not in page


def test_an_old_text_is_shown_above_the_sections_when_rewriting(client, member):
    old = make_review(member=member.member, status="self_assessed", self_assessment="Viết trước đây.")
    client.force_login(member)
    page = client.get(f"/reviews/{old.pk}/self-assessment/").content.decode()
    assert "Viết trước đây." in page
    client.post(f"/reviews/{old.pk}/self-assessment/", sections())
    old.refresh_from_db()
    assert old.self_assessment == "Viết trước đây."  # kept as it was, in the history too
    page = client.get(f"/reviews/{old.pk}/").content.decode()
    assert "Hoàn thành tốt nhiệm vụ tổ dân phố." in page and "Viết trước đây." not in page


def test_a_self_review_from_a_stale_page_is_refused_and_keeps_the_typed_text(client, member, own):
    Review.objects.filter(pk=own.pk).update(version=2)
    client.force_login(member)
    response = client.post(f"/reviews/{own.pk}/self-assessment/", sections(self_strengths="Gõ lại lần hai."))
    page = response.content.decode()
    assert (
        escape(vi("Someone changed this review after you opened the page. Check the changes and try again."))
        in page
    )
    assert "Gõ lại lần hai." in page
    own.refresh_from_db()
    assert own.status == "draft" and own.self_strengths == ""


def test_someone_else_cannot_write_a_members_self_review(client, other_secretary, own):
    client.force_login(other_secretary)
    assert client.post(f"/reviews/{own.pk}/self-assessment/", sections()).status_code == 404
    own.refresh_from_db()
    assert own.status == "draft"


# --- The 27-manifestation self-check


def test_the_self_check_offers_all_27_manifestations(client, member, own):
    client.force_login(member)
    page = client.get(f"/reviews/{own.pk}/self-assessment/").content.decode()
    assert page.count('name="marked_') == Manifestation.objects.count() == 27


def test_what_the_member_marks_is_shown_beside_the_cells_conclusion(client, member, own, secretary):
    marked, concluded = Manifestation.objects.get(code="2.3"), Manifestation.objects.get(code="1.1")
    client.force_login(member)
    client.post(f"/reviews/{own.pk}/self-assessment/", sections(**{f"marked_{marked.pk}": "on"}))
    assert set(own.findings.filter(self_marked=True).values_list("manifestation_id", flat=True)) == {
        marked.pk
    }
    client.force_login(secretary)
    propose = client.get(f"/reviews/{own.pk}/propose/").content.decode()
    assert propose.count('data-testid="self-marked"') == 1
    row = propose[propose.index(f'name="present_{marked.pk}"') :]
    assert row.index('data-testid="self-marked"') < row.index('name="present_', 10)  # on the marked line
    assert "Hoàn thành tốt nhiệm vụ tổ dân phố." in propose  # the self-review beside the checklist
    lowest = RatingLevels.load().lowest
    response = client.post(
        f"/reviews/{own.pk}/propose/",
        {"version": 2, "criticism": "", f"present_{concluded.pk}": "on", "rating": lowest},
    )
    assert response.status_code == 302
    lines = {f.manifestation_id: f for f in own.findings.all()}
    assert lines[marked.pk].self_marked and not lines[marked.pk].present  # the cell did not conclude it
    assert lines[concluded.pk].present and not lines[concluded.pk].self_marked
    page = client.get(f"/reviews/{own.pk}/").content.decode()
    assert page.count('data-testid="self-marked"') == 1 and escape(vi("present")) in page


def test_a_mark_by_the_member_alone_does_not_force_the_lowest_level(client, member, own, secretary):
    marked = Manifestation.objects.get(code="2.3")
    client.force_login(member)
    client.post(f"/reviews/{own.pk}/self-assessment/", sections(**{f"marked_{marked.pk}": "on"}))
    client.force_login(secretary)
    response = client.post(f"/reviews/{own.pk}/propose/", {"version": 2, "criticism": "", "rating": "good"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.status == "proposed" and own.proposed_rating == "good"


def test_a_concluded_manifestation_still_forces_the_lowest_level(client, member, own, secretary):
    marked = Manifestation.objects.get(code="2.3")
    client.force_login(member)
    client.post(f"/reviews/{own.pk}/self-assessment/", sections(**{f"marked_{marked.pk}": "on"}))
    client.force_login(secretary)
    response = client.post(
        f"/reviews/{own.pk}/propose/",
        {"version": 2, "criticism": "", f"present_{marked.pk}": "on", "rating": "good"},
    )
    levels = RatingLevels.load()
    why = vi(
        "A manifestation of degradation was concluded as present, so the only allowed rating is “%(name)s”.",
        name=levels.name(levels.lowest),
    )
    assert response.status_code == 200 and escape(why) in response.content.decode()
    own.refresh_from_db()
    assert own.status == "self_assessed"


def test_unmarking_on_a_second_save_clears_the_mark(client, member, own):
    first, second = Manifestation.objects.get(code="2.3"), Manifestation.objects.get(code="3.1")
    client.force_login(member)
    client.post(f"/reviews/{own.pk}/self-assessment/", sections(**{f"marked_{first.pk}": "on"}))
    form = client.get(f"/reviews/{own.pk}/self-assessment/").content.decode()
    assert f'name="marked_{first.pk}" id="id_marked_{first.pk}" checked' in form
    client.post(f"/reviews/{own.pk}/self-assessment/", sections(version=2, **{f"marked_{second.pk}": "on"}))
    marked = set(own.findings.filter(self_marked=True).values_list("manifestation_id", flat=True))
    assert marked == {second.pk}


def test_a_stale_proposal_page_still_shows_the_members_self_review(client, member, own, secretary):
    client.force_login(member)
    client.post(f"/reviews/{own.pk}/self-assessment/", sections(self_level="good"))
    client.force_login(secretary)
    response = client.post(f"/reviews/{own.pk}/propose/", {"version": 1, "criticism": "Góp ý", "rating": ""})
    page = response.content.decode()
    assert "Hoàn thành tốt nhiệm vụ tổ dân phố." in page
    assert f'data-testid="self-level">{escape(RatingLevels.load().name("good"))}<' in page
    own.refresh_from_db()
    assert own.status == "self_assessed"
