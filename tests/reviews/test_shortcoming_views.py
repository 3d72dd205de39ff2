"""Shortcoming pages: recording with bad input, reporting, verifying, extensions, sight and permission."""

from __future__ import annotations

import datetime as dt

from django.utils.html import escape

from reviews.models import Shortcoming
from tests.conftest import once, vi
from tests.factories import make_shortcoming


def _new(ward, **overrides):
    person = ward.members01[0]
    data = {
        "cell": ward.cell01.pk,
        "source": "meeting",
        "subject_member": person.pk,
        "description": "Vắng họp không lý do",
        "plan": "Dự họp đầy đủ",
        "owner": person.pk,
        "raised_on": "2026-03-01",
        "due_on": "2026-06-30",
    }
    data.update(overrides)
    return once(data)


def test_a_secretary_records_a_shortcoming(client, ward, secretary):
    client.force_login(secretary)
    response = client.post("/shortcomings/new/", _new(ward))
    item = Shortcoming.objects.get()
    assert response["Location"] == f"/shortcomings/{item.pk}/"
    assert item.source == "meeting" and item.updates.count() == 1


def test_a_due_date_before_the_day_raised_shows_a_message_and_saves_nothing(client, ward, secretary):
    client.force_login(secretary)
    response = client.post("/shortcomings/new/", _new(ward, due_on="2026-02-01"))
    assert response.status_code == 200
    refused = vi(
        "The due date cannot be before the day the shortcoming was raised (%(day)s).", day="01/03/2026"
    )
    assert escape(refused) in response.content.decode()
    assert not Shortcoming.objects.exists()


def test_a_subject_outside_the_secretarys_cell_is_refused(client, ward, secretary):
    client.force_login(secretary)
    response = client.post("/shortcomings/new/", _new(ward, subject_member=ward.members02[0].pk))
    assert response.status_code == 200 and not Shortcoming.objects.exists()
    assert "subject_member" in response.context["form"].errors


def test_a_secretary_cannot_record_for_another_cell(client, ward, secretary):
    client.force_login(secretary)
    response = client.post(
        "/shortcomings/new/",
        _new(ward, cell=ward.cell02.pk, subject_member=ward.members02[0].pk, owner=ward.members02[0].pk),
    )
    assert response.status_code == 200 and "cell" in response.context["form"].errors
    assert not Shortcoming.objects.exists()


def test_a_member_reports_progress_on_their_own_shortcoming(client, ward, member):
    item = make_shortcoming(ward.cell01, subject_member=member.member)
    client.force_login(member)
    page = client.get(f"/members/{member.member.pk}/reviews/").content.decode()
    assert f"/shortcomings/{item.pk}/report/" in page
    client.post(f"/shortcomings/{item.pk}/report/", once(text="Đã dự họp đủ 3 tháng", version=1))
    item.refresh_from_db()
    assert item.status == "in_progress"
    assert "Đã dự họp đủ 3 tháng" in client.get(f"/shortcomings/{item.pk}/").content.decode()


def test_a_member_cannot_verify_their_own_item(client, ward, member):
    item = make_shortcoming(ward.cell01, subject_member=member.member, status="reported_fixed")
    client.force_login(member)
    response = client.post(f"/shortcomings/{item.pk}/status/", {"action": "verify", "version": 1, "note": ""})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == "reported_fixed"


def test_the_secretary_and_leader_cannot_verify(client, ward, secretary, leader):
    item = make_shortcoming(ward.cell01, status="reported_fixed")
    for user in (secretary, leader):
        client.force_login(user)
        assert (
            client.post(f"/shortcomings/{item.pk}/status/", {"action": "verify", "version": 1}).status_code
            == 403
        )


def test_ubkt_verifies_and_a_second_post_gets_a_message(client, ward, inspector):
    item = make_shortcoming(ward.cell01, status="reported_fixed")
    client.force_login(inspector)
    client.post(
        f"/shortcomings/{item.pk}/status/",
        {"action": "verify", "version": 1, "note": "Đạt", "confirmed": "1"},
    )
    response = client.post(
        f"/shortcomings/{item.pk}/status/",
        {"action": "verify", "version": 1, "note": "Đạt", "confirmed": "1"},
        follow=True,
    )
    already = vi(
        "This shortcoming is now “%(status)s”, so “%(action)s” is not possible. "
        "It may have been done already, or your page was out of date.",
        status=Shortcoming.Status.VERIFIED.label,
        action=vi("Verify"),
    )
    assert response.status_code == 409 and escape(already) in response.content.decode()
    item.refresh_from_db()
    assert item.status == "verified" and item.updates.filter(to_status="verified").count() == 1


def test_reopen_without_a_note_is_refused(client, ward, inspector):
    item = make_shortcoming(ward.cell01, status="verified")
    client.force_login(inspector)
    response = client.post(
        f"/shortcomings/{item.pk}/status/", {"action": "reopen", "version": 1}, follow=True
    )
    assert escape(vi("Write a note saying why.")) in response.content.decode()
    item.refresh_from_db()
    assert item.status == "verified"


def test_extension_asked_by_the_owner_and_approved_by_ubkt(client, ward, member, inspector):
    item = make_shortcoming(
        ward.cell01, subject_member=member.member, raised_on=dt.date(2026, 1, 5), due_on=dt.date(2026, 6, 30)
    )
    client.force_login(member)
    client.post(f"/shortcomings/{item.pk}/extension/", once(version=1, new_due_on="2026-09-30", reason="Ốm"))
    extension = item.extensions.get()
    assert client.post(f"/extensions/{extension.pk}/decide/", {"decision": "approve"}).status_code == 403
    client.force_login(inspector)
    client.post(f"/extensions/{extension.pk}/decide/", {"decision": "approve"})
    item.refresh_from_db()
    assert (item.original_due_on, item.due_on) == (dt.date(2026, 6, 30), dt.date(2026, 9, 30))
    page = client.get(f"/shortcomings/{item.pk}/").content.decode()
    assert f"({escape(vi('originally'))} 30/06/2026)" in page


def test_other_cells_secretary_sees_nothing_of_cell01(client, ward, other_secretary):
    item = make_shortcoming(ward.cell01)
    client.force_login(other_secretary)
    assert client.get(f"/shortcomings/{item.pk}/").status_code == 404
    assert f"#{item.pk} " not in client.get("/shortcomings/").content.decode()


def test_the_overseer_reads_but_cannot_report(client, ward, overseer):
    item = make_shortcoming(ward.cell01)
    client.force_login(overseer)
    assert client.get(f"/shortcomings/{item.pk}/").status_code == 200
    assert client.get(f"/shortcomings/{item.pk}/report/").status_code == 403


def test_history_shows_who_changed_what_to_ubkt(client, ward, inspector, secretary):
    item = make_shortcoming(ward.cell01, status="reported_fixed")
    client.force_login(inspector)
    client.post(
        f"/shortcomings/{item.pk}/status/",
        {"action": "verify", "version": 1, "note": "Đạt", "confirmed": "1"},
    )
    page = client.get(f"/shortcomings/{item.pk}/history/").content.decode()
    assert escape(vi("Reported fixed")) in page and escape(vi("Verified")) in page and "Vũ Thị Kiểm" in page
    assert "reported_fixed" not in page  # labels, not codes
    client.force_login(secretary)
    assert client.get(f"/shortcomings/{item.pk}/history/").status_code == 403


def test_the_member_concerned_answers_for_the_fix_unless_someone_else_is_named(client, ward, secretary):
    client.force_login(secretary)
    client.post("/shortcomings/new/", _new(ward, owner=""))
    assert Shortcoming.objects.get().owner == ward.members01[0]
    refused = client.post("/shortcomings/new/", _new(ward, owner="", subject_member=""))
    assert refused.status_code == 200 and refused.context["form"].errors["owner"]
    assert Shortcoming.objects.count() == 1


def test_the_shortcoming_form_has_no_sentence_meant_for_developers(client, secretary):
    client.force_login(secretary)
    page = client.get("/shortcomings/new/").content.decode()
    assert "official text" not in page and "văn bản chính thức" not in page
    assert escape(vi("— the member concerned —")) in page
