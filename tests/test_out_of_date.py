"""Two people acting on the same record at the same moment: the later one is refused with 409, the message
says why, what they typed is kept, and the record is shown as the other person left it. Never a 500.
"""

from __future__ import annotations

import pytest
from django.utils.html import escape

from cells.models import Role
from reviews.models import Meeting, Review, Shortcoming
from reviews.services import meetings as meeting_services
from tests.conftest import once, vi
from tests.factories import make_meeting, make_person, make_review, make_shortcoming

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_this_months_meeting")]


def refused(response, message: str, *typed: str) -> str:
    page = response.content.decode()
    assert response.status_code == 409
    assert escape(message) in page
    assert 'data-testid="out-of-date"' in page  # the record as it is now
    for text in typed:
        assert escape(text) in page, text
    return page


# --- Meetings: the cell secretary and the deputy


@pytest.fixture
def meeting(ward, secretary):
    return make_meeting(ward.cell01, chair=secretary.member, recorder=secretary.member)


@pytest.fixture
def deputy(ward):
    return make_person(ward.cell01, Role.CELL_DEPUTY, username="phobithu", full_name="Trần Thị Phó")


def sheet(meeting: Meeting, **overrides) -> dict:
    meeting.refresh_from_db()
    data = {
        "version": meeting.version,
        "kind": meeting.kind,
        "topic": meeting.topic,
        "date": meeting.date.isoformat(),
        "started_at": "08:00",
        "ended_at": "10:00",
        "place": meeting.place,
        "chair": meeting.chair_id,
        "recorder": meeting.recorder_id,
        "situation": "Tình hình trong tháng",
        "resolution": "Nghị quyết của bí thư",
    }
    data.update({f"att_{row.member_id}": row.status for row in meeting.attendance.all()})
    data.update(overrides)
    return data


def test_finalising_at_the_same_moment_as_the_deputy_is_refused_with_ones_text_kept(
    client, monkeypatch, secretary, deputy, meeting
):
    real = meeting_services.finalise_meeting

    def deputy_first(saved, **kwargs):
        # the deputy saves their own wording and finalises between the secretary's save and finalise
        meeting_services.save_meeting(
            saved,
            version=saved.version,
            by=deputy,
            changes=meeting_services.SheetChanges(
                fields={"resolution": "Nghị quyết của phó bí thư"}, marks={}
            ),
        )
        real(saved, by=deputy)
        return real(saved, **kwargs)

    monkeypatch.setattr(meeting_services, "finalise_meeting", deputy_first)
    client.force_login(secretary)
    response = client.post(f"/meetings/{meeting.pk}/edit/", sheet(meeting, finalise="1"))
    refused(
        response,
        vi(
            "Your draft is saved, but not finalised: someone else changed these minutes meanwhile. "
            "They are shown as they are now; please look again."
        ),
        "Nghị quyết của phó bí thư",  # the deputy's version, in the minutes shown
        "Nghị quyết của bí thư",  # one's own, kept to copy back
    )
    meeting.refresh_from_db()
    assert meeting.status == "finalised" and meeting.finalised_by == deputy


def test_saving_a_sheet_the_deputy_finalised_meanwhile_keeps_ones_text(client, secretary, deputy, meeting):
    stale = sheet(meeting, resolution="Bản của bí thư")
    client.force_login(deputy)
    client.post(f"/meetings/{meeting.pk}/edit/", sheet(meeting, resolution="Bản của phó", finalise="1"))
    client.force_login(secretary)
    response = client.post(f"/meetings/{meeting.pk}/edit/", stale)
    refused(
        response,
        vi(
            "Not saved: someone else saved these minutes while you were editing. Their version is "
            "shown below; your own text is kept under “Your unsaved text” to copy back."
        ),
        "Bản của phó",
        "Bản của bí thư",
    )
    meeting.refresh_from_db()
    assert meeting.status == "finalised" and meeting.resolution == "Bản của phó"


@pytest.fixture
def finalised(client, secretary, meeting):
    client.force_login(secretary)
    client.post(f"/meetings/{meeting.pk}/edit/", sheet(meeting, finalise="1"))
    meeting.refresh_from_db()
    assert meeting.status == "finalised"
    return meeting


def test_reopening_minutes_the_deputy_just_reopened_keeps_ones_reason(client, secretary, deputy, finalised):
    seen = finalised.version
    meeting_services.reopen_meeting(finalised, by=deputy, reason="Phó bí thư mở lại", version=seen)
    client.force_login(secretary)
    response = client.post(
        f"/meetings/{finalised.pk}/reopen/", {"version": seen, "reason": "Bí thư cần sửa tên người vắng"}
    )
    refused(
        response,
        vi("Not reopened: the minutes changed meanwhile. Please look again."),
        "Bí thư cần sửa tên người vắng",
    )
    assert response.context["form"]["reason"].value() == "Bí thư cần sửa tên người vắng"
    assert response.context["out_of_date"].current.status == "draft"


def test_reopening_at_the_very_same_moment_is_refused_by_the_lock(
    client, monkeypatch, secretary, deputy, finalised
):
    real = meeting_services.reopen_meeting

    def deputy_first(meeting, **kwargs):
        real(meeting, by=deputy, reason="Phó bí thư mở lại", version=kwargs["version"])
        return real(meeting, **kwargs)

    monkeypatch.setattr(meeting_services, "reopen_meeting", deputy_first)
    client.force_login(secretary)
    response = client.post(
        f"/meetings/{finalised.pk}/reopen/", {"version": finalised.version, "reason": "Bí thư mở lại"}
    )
    refused(response, vi("Not reopened: the minutes changed meanwhile. Please look again."), "Bí thư mở lại")


def test_withdrawing_a_draft_the_deputy_withdrew_meanwhile_keeps_ones_reason(
    client, secretary, deputy, meeting
):
    seen = meeting.version
    meeting_services.withdraw_meeting(meeting, by=deputy, reason="Phó: tạo nhầm", version=seen)
    client.force_login(secretary)
    response = client.post(
        f"/meetings/{meeting.pk}/withdraw/", {"version": seen, "reason": "Bí thư: nhầm tháng"}
    )
    refused(
        response, vi("Not withdrawn: the draft changed meanwhile. Please look again."), "Bí thư: nhầm tháng"
    )
    meeting.refresh_from_db()
    assert meeting.withdraw_reason == "Phó: tạo nhầm"


def test_a_page_with_the_current_version_is_still_forbidden_when_the_step_is_not_allowed(
    client, secretary, finalised
):
    client.force_login(secretary)
    response = client.post(
        f"/meetings/{finalised.pk}/withdraw/", {"version": finalised.version, "reason": "Tạo nhầm"}
    )
    assert response.status_code == 403


def test_someone_without_the_role_gets_403_even_from_a_stale_page(client, overseer, finalised):
    client.force_login(overseer)
    response = client.post(f"/meetings/{finalised.pk}/reopen/", {"version": 1, "reason": "Không phải việc"})
    assert response.status_code in (403, 404)


# --- Reviews: two leaders, the member and their secretary, two cell secretaries


@pytest.fixture
def second_leader(ward):
    return make_person(
        ward.cell02, Role.DEPUTY_SECRETARY, username="phobithu_dangbo", full_name="Ngô Văn Phó"
    )


def test_the_second_leader_deciding_the_same_review_keeps_their_choice(client, ward, leader, second_leader):
    review = make_review(member=ward.members01[0], status="proposed", proposed_rating="good")
    client.force_login(leader)
    client.post(f"/reviews/{review.pk}/decide/", {"version": 1, "rating": "good"})
    client.force_login(second_leader)
    response = client.post(f"/reviews/{review.pk}/decide/", {"version": 1, "rating": "done"})
    refused(
        response,
        vi(
            "This review is now “%(status)s”, so “%(action)s” is not possible. "
            "It may have been done already, or your page was out of date.",
            status=Review.Status.DECIDED.label,
            action=vi("decision"),
        ),
    )
    assert response.context["form"]["rating"].value() == "done"
    review.refresh_from_db()
    assert review.decided_rating == "good" and review.decided_by == leader


def test_a_paper_self_assessment_posted_after_the_members_own_keeps_its_text(client, ward, secretary):
    review = make_review(member=secretary.member)
    member = make_person(ward.cell01, username="dangvien2", full_name="Lý Văn Tự")
    review = make_review(member=member.member)
    client.force_login(member)
    client.post(f"/reviews/{review.pk}/self-assessment/", {"version": 1, "self_strengths": "Bản tự viết"})
    client.force_login(secretary)
    response = client.post(
        f"/reviews/{review.pk}/self-assessment/", {"version": 1, "self_strengths": "Bản chép từ giấy"}
    )
    refused(
        response,
        vi("Someone changed this review after you opened the page. Check the changes and try again."),
        "Bản chép từ giấy",
    )
    review.refresh_from_db()
    assert review.self_strengths == "Bản tự viết"


def test_a_proposal_posted_after_the_deputys_keeps_its_comments(client, ward, secretary):
    deputy = make_person(ward.cell01, Role.CELL_DEPUTY, username="phochibo")
    review = make_review(member=ward.members01[0], status="self_assessed")
    client.force_login(deputy)
    client.post(
        f"/reviews/{review.pk}/propose/", {"version": 1, "criticism": "Ý kiến của phó", "rating": "good"}
    )
    client.force_login(secretary)
    response = client.post(
        f"/reviews/{review.pk}/propose/", {"version": 1, "criticism": "Ý kiến của bí thư", "rating": "done"}
    )
    refused(
        response,
        vi("Someone changed this review after you opened the page. Check the changes and try again."),
        "Ý kiến của bí thư",
    )


def test_reopening_a_review_the_other_leader_reopened_keeps_the_reason(client, ward, leader, second_leader):
    review = make_review(member=ward.members01[0], status="decided", decided_rating="good")
    client.force_login(leader)
    client.post(f"/reviews/{review.pk}/reopen/", {"version": 1, "reason": "Lãnh đạo một mở lại"})
    client.force_login(second_leader)
    response = client.post(f"/reviews/{review.pk}/reopen/", {"version": 1, "reason": "Lãnh đạo hai mở lại"})
    refused(
        response,
        vi(
            "This review is now “%(status)s”, so “%(action)s” is not possible. "
            "It may have been done already, or your page was out of date.",
            status=Review.Status.PROPOSED.label,
            action=vi("re-opening"),
        ),
        "Lãnh đạo hai mở lại",
    )


def test_withdrawing_a_review_the_other_leader_withdrew_keeps_the_reason(client, ward, leader, second_leader):
    review = make_review(member=ward.members01[0])
    client.force_login(leader)
    client.post(f"/reviews/{review.pk}/withdraw/", {"version": 1, "reason": "Chuyển sinh hoạt"})
    client.force_login(second_leader)
    response = client.post(f"/reviews/{review.pk}/withdraw/", {"version": 1, "reason": "Đã chuyển đi"})
    refused(
        response,
        vi(
            "This review is now “%(status)s”, so “%(action)s” is not possible. "
            "It may have been done already, or your page was out of date.",
            status=Review.Status.WITHDRAWN.label,
            action=vi("withdrawal"),
        ),
        "Đã chuyển đi",
    )


# --- Shortcomings: two inspectors, the owner and their secretary


@pytest.fixture
def second_inspector(ward):
    return make_person(ward.cell02, Role.INSPECTION_CHAIR, username="ubkt1", full_name="Phan Văn Soát")


def test_a_reopen_note_posted_after_the_other_inspector_verified_is_kept(
    client, ward, inspector, second_inspector
):
    item = make_shortcoming(ward.cell01, status="reported_fixed")
    client.force_login(inspector)
    client.post(
        f"/shortcomings/{item.pk}/status/",
        {"action": "verify", "version": 1, "note": "Đạt", "confirmed": "1"},
    )
    client.force_login(second_inspector)
    response = client.post(
        f"/shortcomings/{item.pk}/status/", {"action": "reopen", "version": 1, "note": "Chưa đạt, làm lại"}
    )
    refused(
        response,
        vi("Someone changed this shortcoming after you opened the page. Check the changes and try again."),
        "Chưa đạt, làm lại",
    )
    item.refresh_from_db()
    assert item.status == "verified"


def test_a_progress_report_on_an_item_verified_meanwhile_keeps_its_text(client, ward, secretary, inspector):
    item = make_shortcoming(ward.cell01, status="reported_fixed")
    client.force_login(inspector)
    client.post(
        f"/shortcomings/{item.pk}/status/", {"action": "verify", "version": 1, "note": "", "confirmed": "1"}
    )
    client.force_login(secretary)
    response = client.post(f"/shortcomings/{item.pk}/report/", once(version=1, text="Đã tham gia đủ buổi"))
    refused(
        response,
        vi(
            "This shortcoming is now “%(status)s”, so “%(action)s” is not possible. "
            "It may have been done already, or your page was out of date.",
            status=Shortcoming.Status.VERIFIED.label,
            action=vi("progress report"),
        ),
        "Đã tham gia đủ buổi",
    )


def test_an_edit_posted_after_another_edit_keeps_its_text(client, ward, secretary, inspector):
    item = make_shortcoming(ward.cell01)
    client.force_login(inspector)
    client.post(
        f"/shortcomings/{item.pk}/edit/", {"version": 1, "description": "Bản UBKT", "plan": "Kế hoạch"}
    )
    client.force_login(secretary)
    response = client.post(
        f"/shortcomings/{item.pk}/edit/", {"version": 1, "description": "Bản chi bộ", "plan": "Kế hoạch"}
    )
    refused(
        response,
        vi("Someone changed this shortcoming after you opened the page. Check the changes and try again."),
        "Bản chi bộ",
    )
    assert response.context["form"]["description"].value() == "Bản chi bộ"


def test_an_extension_answered_by_the_other_inspector_keeps_ones_note(
    client, ward, inspector, second_inspector
):
    from reviews.services import shortcomings as services

    item = make_shortcoming(ward.cell01)
    extension = services.request_extension(
        item, by=None, new_due_on=item.due_on.replace(year=item.due_on.year + 1), reason="Ốm", version=1
    )
    client.force_login(inspector)
    client.post(f"/extensions/{extension.pk}/decide/", {"decision": "approve", "note": ""})
    client.force_login(second_inspector)
    response = client.post(
        f"/extensions/{extension.pk}/decide/", {"decision": "refuse", "note": "Không đồng ý"}
    )
    refused(
        response,
        vi("This request was already answered (“%(status)s”).", status=vi("Approved")),
        "Không đồng ý",
    )


def test_closing_a_round_at_the_same_moment_as_the_other_leader_says_so(
    client, monkeypatch, ward, leader, second_leader
):
    from reviews.services import reviews as services

    review_round = services.start_round(
        ward.committee, title="Kiểm điểm", period_kind="year", year=2026, quarter=None, by=leader
    )
    Review.objects.filter(round=review_round).update(status="withdrawn", withdraw_reason="x")
    real = services.close_round

    def other_first(review_round, **kwargs):
        real(review_round, by=leader)
        return real(review_round, **kwargs)

    monkeypatch.setattr(services, "close_round", other_first)
    client.force_login(second_leader)
    response = client.post(f"/review-rounds/{review_round.pk}/close/", follow=True)
    assert escape(vi("This review round is already closed.")) in response.content.decode()


# --- Oversight: two leaders saving the same page of cells


def test_an_oversight_page_saved_at_the_same_moment_as_another_keeps_ones_choices(
    client, monkeypatch, ward, leader, overseer, inspector
):
    from cells import services as cell_services
    from phuthang import periods, submits

    month = periods.month_start()
    url = f"/oversight/{month:%Y-%m}/edit/"
    client.force_login(leader)
    form = client.get(url).context["form"]
    real = submits.once

    def other_first(request, form, create, **kwargs):  # the other leader saves between our read and our save
        cell_services.assign_oversight(
            ward.committee, month=month, overseers={ward.cell01.pk: inspector.member}, by=None
        )
        return real(request, form, create, **kwargs)

    monkeypatch.setattr(submits, "once", other_first)
    response = client.post(
        url,
        {
            "committee": ward.committee.pk,
            "token": form["token"].value(),
            "cells": form["cells"].value(),
            "submit_token": form["submit_token"].value(),
            f"cell_{ward.cell01.pk}": overseer.member.pk,
        },
    )
    page = refused(
        response,
        vi(
            "Someone else changed these assignments while you were editing. "
            "Their changes are shown below; please check and save again."
        ),
    )
    assert response.context["form"][f"cell_{ward.cell01.pk}"].value() == str(inspector.member.pk)  # theirs
    assert response.context["out_of_date"].typed == {ward.cell01.name: overseer.member.full_name}  # ours
    assert 'data-testid="rejected"' in page
