"""Create forms are idempotent: a form sent twice, or three times at once, creates one record, and every
repeat lands on it with "already saved" (phuthang.submits). Stale edits of every edit form are refused with
409 and the typed text kept (phuthang.concurrency).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils.html import escape

from cells.models import Member, OversightAssignment
from phuthang import jobs, periods, submits
from phuthang.models import Job, SubmitToken
from reviews.models import (
    DueDateExtension,
    Meeting,
    MeetingAssessment,
    RemediationUpdate,
    ReviewRound,
    Shortcoming,
)
from reviews.services import meetings as meeting_services
from reviews.services import shortcomings as shortcoming_services
from tests.conftest import once, vi
from tests.factories import make_meeting, make_shortcoming

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_this_months_meeting")]

ALREADY = "Already saved: this form was sent more than once and recorded only once."


def _shortcoming(ward, **overrides):
    person = ward.members01[0]
    today = periods.today()
    return {
        "cell": ward.cell01.pk,
        "source": "meeting",
        "subject_member": person.pk,
        "description": "Vắng họp không lý do",
        "plan": "Dự họp đầy đủ",
        "owner": person.pk,
        "raised_on": today.isoformat(),
        "due_on": (today + dt.timedelta(days=60)).isoformat(),
        **overrides,
    }


def _thematic(ward):
    today = periods.today()
    return {
        "month_text": f"{today:%Y-%m}",
        "kind": "thematic",
        "topic": "Học tập Nghị quyết",
        "date": today.isoformat(),
        "started_at": "08:00",
    }


def _said(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Sent twice, one after the other


def test_a_new_shortcoming_sent_twice_is_recorded_once_and_the_repeat_lands_on_it(client, ward, secretary):
    client.force_login(secretary)
    data = once(_shortcoming(ward))
    first = client.post("/shortcomings/new/", data)
    item = Shortcoming.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/shortcomings/{item.pk}/"
    again = client.post("/shortcomings/new/", data, follow=True)
    assert Shortcoming.objects.count() == 1 and RemediationUpdate.objects.count() == 1
    assert again.redirect_chain == [(f"/shortcomings/{item.pk}/", 302)]
    assert vi(ALREADY) in _said(again)
    token = SubmitToken.objects.get()
    assert (token.user, token.form, token.object_id) == (
        secretary,
        "reviews:shortcoming_new",
        item.pk,
    )


def test_a_thematic_meeting_sent_twice_is_started_once(client, ward, secretary):
    client.force_login(secretary)
    data = once(_thematic(ward))
    first = client.post(f"/meetings/cell/{ward.cell01.pk}/new/", data)
    assert first.status_code == 302, first.context["form"].errors
    meeting = Meeting.objects.get()
    again = client.post(f"/meetings/cell/{ward.cell01.pk}/new/", data, follow=True)
    assert Meeting.objects.count() == 1
    assert again.redirect_chain == [(f"/meetings/{meeting.pk}/edit/", 302)]
    assert vi(ALREADY) in _said(again)


def test_a_new_page_of_the_form_starts_a_second_thematic_meeting(client, ward, secretary):
    client.force_login(secretary)
    client.post(f"/meetings/cell/{ward.cell01.pk}/new/", once(_thematic(ward)))
    client.post(f"/meetings/cell/{ward.cell01.pk}/new/", once(_thematic(ward)))  # drawn afresh: a new token
    assert Meeting.objects.filter(kind="thematic").count() == 2


def test_a_review_round_sent_twice_is_started_once(client, ward, leader):
    client.force_login(leader)
    data = once(committee=ward.committee.pk, title="Kiểm điểm 2026", period_kind="year", year=2026)
    client.post("/review-rounds/new/", data)
    job = Job.objects.get(kind="round_start")
    jobs.run(job.pk)
    again = client.post("/review-rounds/new/", data, follow=True)
    assert ReviewRound.objects.count() == 1
    assert Job.objects.count() == 1
    assert again.redirect_chain == [(f"/jobs/{job.pk}/", 302)]


def test_a_progress_report_sent_twice_is_written_once_and_not_refused_as_stale(client, ward, member):
    item = make_shortcoming(ward.cell01, subject_member=member.member, owner=member.member)
    client.force_login(member)
    data = once(text="Đã dự họp đủ", version=item.version)
    client.post(f"/shortcomings/{item.pk}/report/", data)
    again = client.post(f"/shortcomings/{item.pk}/report/", data, follow=True)
    assert again.status_code == 200  # not 409: the first POST was one's own
    assert item.updates.filter(kind=RemediationUpdate.Kind.PROGRESS).count() == 1
    assert vi(ALREADY) in _said(again)


def test_an_extension_request_sent_twice_is_asked_once(client, ward, member):
    item = make_shortcoming(ward.cell01, subject_member=member.member, owner=member.member)
    client.force_login(member)
    new_due = (item.due_on + dt.timedelta(days=30)).isoformat()
    data = once(version=item.version, new_due_on=new_due, reason="Ốm dài ngày")
    client.post(f"/shortcomings/{item.pk}/extension/", data)
    again = client.post(f"/shortcomings/{item.pk}/extension/", data, follow=True)
    assert DueDateExtension.objects.count() == 1
    assert again.redirect_chain == [(f"/shortcomings/{item.pk}/", 302)] and vi(ALREADY) in _said(again)


def test_an_oversight_page_sent_twice_is_saved_once_and_not_refused_as_stale(client, ward, leader, overseer):
    month = periods.month_start()
    url = f"/oversight/{month:%Y-%m}/edit/"
    client.force_login(leader)
    form = client.get(url).context["form"]
    data = {
        "committee": ward.committee.pk,
        "token": form["token"].value(),
        "cells": form["cells"].value(),
        "submit_token": form["submit_token"].value(),
        f"cell_{ward.cell02.pk}": overseer.member.pk,
    }
    client.post(url, data)
    again = client.post(url, data, follow=True)
    assert again.status_code == 200 and vi(ALREADY) in _said(again)  # not 409 "someone else changed"
    assert OversightAssignment.objects.for_month(month).filter(cell=ward.cell02).count() == 1


# --- The token itself


def test_a_create_refused_for_its_input_can_be_corrected_and_sent_with_the_same_page(client, ward, secretary):
    client.force_login(secretary)
    today = periods.today()
    data = once(_shortcoming(ward, due_on=(today - dt.timedelta(days=1)).isoformat()))
    refused = client.post("/shortcomings/new/", data)
    assert refused.status_code == 200 and not Shortcoming.objects.exists()
    assert not SubmitToken.objects.exists()  # the failed create released its token
    corrected = client.post(
        "/shortcomings/new/", {**data, "due_on": (today + dt.timedelta(days=9)).isoformat()}
    )
    assert corrected.status_code == 302 and Shortcoming.objects.count() == 1


@pytest.mark.parametrize("token", ["", "short", "x" * 65, "<script>", "\x00" * 30])
def test_a_post_without_a_usable_token_saves_nothing_and_gives_a_fresh_one(client, ward, secretary, token):
    client.force_login(secretary)
    response = client.post("/shortcomings/new/", {**_shortcoming(ward), "submit_token": token})
    assert response.status_code == 200 and not Shortcoming.objects.exists()
    form = response.context["form"]
    assert vi("This page was out of date and nothing was saved: check it and save again.") in str(form.errors)
    assert submits.TOKEN.fullmatch(form["submit_token"].value())  # the page drawn again carries a new one
    assert form["description"].value() == "Vắng họp không lý do"  # what was typed is kept
    resent = client.post(
        "/shortcomings/new/", {**_shortcoming(ward), "submit_token": form["submit_token"].value()}
    )
    assert resent.status_code == 302 and Shortcoming.objects.count() == 1


def test_someone_elses_token_creates_nothing_and_shows_them_nothing(client, ward, secretary, other_secretary):
    data = once(_shortcoming(ward))
    client.force_login(secretary)
    client.post("/shortcomings/new/", data)
    item = Shortcoming.objects.get()
    client.force_login(other_secretary)
    theirs = {**data, "cell": ward.cell02.pk, "subject_member": "", "owner": ward.members02[0].pk}
    response = client.post("/shortcomings/new/", theirs)
    assert response.status_code == 200 and Shortcoming.objects.count() == 1
    assert f"/shortcomings/{item.pk}/" not in response.text
    assert escape(vi("This form was already sent. Reload the page and try again.")) in response.text


def test_every_create_form_draws_its_token(client, ward, secretary, leader, member):
    item = make_shortcoming(ward.cell01, subject_member=member.member, owner=member.member)
    pages = [
        (secretary, "/shortcomings/new/"),
        (secretary, f"/meetings/cell/{ward.cell01.pk}/new/"),
        (leader, "/review-rounds/new/"),
        (leader, f"/oversight/{periods.month_start():%Y-%m}/edit/"),
        (member, f"/shortcomings/{item.pk}/report/"),
        (member, f"/shortcomings/{item.pk}/extension/"),
    ]
    for user, url in pages:
        client.force_login(user)
        page = client.get(url).content.decode()
        assert page.count('name="submit_token"') == 1, url


# --- Three at once, each on its own database connection


def _post_at_once(url, data, user, n=3):
    """n clients posting the same form at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(n)
    statuses: list[int] = []

    def post():
        try:
            browser = Client()
            browser.force_login(user)
            barrier.wait(timeout=30)
            statuses.append(browser.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


def _without_tokens(monkeypatch):
    """The views as they were before: every valid POST creates."""
    monkeypatch.setattr(submits, "repeat", lambda request: None)
    monkeypatch.setattr(
        submits, "once", lambda request, form, create, record=None: submits.Outcome(record or create(), True)
    )


@pytest.mark.parametrize("tokens", [True, False], ids=["with tokens", "control: without"])
@pytest.mark.django_db(transaction=True)
def test_a_new_shortcoming_sent_three_times_at_once_is_recorded_once(ward, secretary, tokens, monkeypatch):
    if not tokens:
        _without_tokens(monkeypatch)
    statuses = _post_at_once("/shortcomings/new/", once(_shortcoming(ward)), secretary)
    assert statuses == [302, 302, 302]  # every one lands on the shortcoming
    assert Shortcoming.objects.count() == (1 if tokens else 3)


@pytest.mark.parametrize("tokens", [True, False], ids=["with tokens", "control: without"])
@pytest.mark.django_db(transaction=True)
def test_a_thematic_meeting_sent_three_times_at_once_is_started_once(ward, secretary, tokens, monkeypatch):
    if not tokens:
        _without_tokens(monkeypatch)
    statuses = _post_at_once(f"/meetings/cell/{ward.cell01.pk}/new/", once(_thematic(ward)), secretary)
    assert statuses == [302, 302, 302]
    assert Meeting.objects.filter(kind="thematic").count() == (1 if tokens else 3)
    if tokens:
        meeting = Meeting.objects.get()
        assert meeting.attendance.count() == meeting.expected_count  # one set of attendance rows


# --- Stale edits: 409, the record as it is now, the typed text kept


def _refused(response, message: str, *typed: str) -> str:
    assert response.status_code == 409
    page = response.content.decode()
    assert escape(message) in page and 'data-testid="out-of-date"' in page
    for text in typed:
        assert escape(text) in page
    return page


def test_an_assessment_saved_from_a_stale_page_is_refused_with_ones_note_kept(client, ward, overseer):
    meeting = make_meeting(ward.cell01)
    client.force_login(overseer)
    page = client.get(f"/meetings/{meeting.pk}/assess/")
    assert page.context["form"]["version"].value() == 0
    meeting_services.assess_meeting(  # the overseer's other tab, saved first
        meeting, overseer=overseer.member, version=0, attended=True, verdict="meets", note="Tab kia"
    )
    response = client.post(
        f"/meetings/{meeting.pk}/assess/",
        {"attended": "on", "verdict": "fails", "note": "Nhận xét của tôi", "version": 0},
    )
    _refused(
        response,
        vi(
            "Not saved: this assessment was saved from another page after you opened yours. The saved one is "
            "shown below; your own note is kept under “Your unsaved text” to copy back."
        ),
        "Nhận xét của tôi",
    )
    assert response.context["out_of_date"].typed == {vi("note").capitalize(): "Nhận xét của tôi"} or (
        "Nhận xét của tôi" in response.context["out_of_date"].typed.values()
    )
    assert response.context["form"]["note"].value() == "Nhận xét của tôi"  # drawn again as typed
    assert response.context["form"]["version"].value() == "1"  # a second, deliberate press goes through
    saved = MeetingAssessment.objects.get()
    assert (saved.verdict, saved.note, saved.version) == ("meets", "Tab kia", 1)
    again = client.post(
        f"/meetings/{meeting.pk}/assess/",
        {"attended": "on", "verdict": "fails", "note": "Nhận xét của tôi", "version": 1},
    )
    assert again.status_code == 302
    assert MeetingAssessment.objects.get().version == 2


def test_a_members_contact_saved_from_a_stale_page_is_refused_with_the_typed_phone_kept(
    client, ward, secretary
):
    person = ward.members01[0]
    client.force_login(secretary)
    client.post(
        f"/members/{person.pk}/edit/", {"phone": "0911111111", "email": "", "exempt_since": "", "version": 1}
    )
    response = client.post(
        f"/members/{person.pk}/edit/", {"phone": "0922222222", "email": "", "exempt_since": "", "version": 1}
    )
    _refused(
        response,
        vi(
            "Not saved: someone else changed this member's details after you opened the page. Their version "
            "is shown below; what you typed is kept to copy back."
        ),
        "0922222222",
    )
    assert Member.objects.get(pk=person.pk).phone == "0911111111"


def test_an_extension_request_from_a_stale_page_is_refused_with_the_reason_kept(
    client, ward, member, inspector
):
    item = make_shortcoming(ward.cell01, subject_member=member.member, owner=member.member)
    shortcoming_services.edit_shortcoming(
        item,
        by=inspector,
        version=item.version,
        description="Sửa mô tả",
        manifestation=None,
        plan="Kế hoạch mới",
    )
    client.force_login(member)
    new_due = (item.due_on + dt.timedelta(days=30)).isoformat()
    response = client.post(
        f"/shortcomings/{item.pk}/extension/", once(version=1, new_due_on=new_due, reason="Lý do của tôi")
    )
    _refused(
        response,
        vi("Someone changed this shortcoming after you opened the page. Check the changes and try again."),
        "Lý do của tôi",
    )
    assert not DueDateExtension.objects.exists() and not SubmitToken.objects.exists()


def test_a_shortcoming_edit_from_a_stale_page_gives_the_typed_text_back_in_the_form(
    client, ward, secretary, inspector
):
    item = make_shortcoming(ward.cell01)
    shortcoming_services.edit_shortcoming(
        item, by=inspector, version=1, description="Bản của UBKT", manifestation=None, plan="Kế hoạch UBKT"
    )
    client.force_login(secretary)
    response = client.post(
        f"/shortcomings/{item.pk}/edit/",
        {"version": 1, "description": "Bản của tôi", "plan": "Kế hoạch của tôi"},
    )
    _refused(
        response,
        vi("Someone changed this shortcoming after you opened the page. Check the changes and try again."),
    )
    assert response.context["form"]["description"].value() == "Bản của tôi"
    assert set(response.context["out_of_date"].typed.values()) == {"Bản của tôi", "Kế hoạch của tôi"}
    assert Shortcoming.objects.get(pk=item.pk).description == "Bản của UBKT"
