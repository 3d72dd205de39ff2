"""Recording a shortcoming with the meeting it came from: only meetings of the user's cells they may see."""

from __future__ import annotations

from django.utils.html import escape

from reviews.models import Shortcoming
from tests.conftest import once, vi
from tests.factories import make_meeting, make_shortcoming


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


def test_the_secretary_links_the_meeting_the_shortcoming_came_from(client, ward, secretary):
    meeting = make_meeting(ward.cell01)
    client.force_login(secretary)
    response = client.post("/shortcomings/new/", _new(ward, meeting=meeting.pk))
    item = Shortcoming.objects.get()
    assert response["Location"] == f"/shortcomings/{item.pk}/" and item.meeting == meeting
    page = client.get(f"/shortcomings/{item.pk}/").content.decode()
    assert f'href="/meetings/{meeting.pk}/"' in page and meeting.date.strftime("%d/%m/%Y") in page


def test_the_form_offers_only_the_meetings_of_the_secretarys_cell(client, ward, secretary):
    own, other = make_meeting(ward.cell01), make_meeting(ward.cell02)
    client.force_login(secretary)
    page = client.get(f"/shortcomings/new/?meeting={own.pk}").content.decode()
    choices = page.split('name="meeting"')[1].split("</select>")[0]
    assert f'value="{own.pk}" selected' in choices and f'value="{other.pk}"' not in choices


def test_a_tampered_meeting_id_is_refused_with_a_message_and_nothing_saved(client, ward, secretary):
    other = make_meeting(ward.cell02)
    client.force_login(secretary)
    for tampered in (other.pk, 999999, "abc"):
        response = client.post("/shortcomings/new/", _new(ward, meeting=tampered))
        assert response.status_code == 200
        assert (
            escape(vi("Choose one of the meetings of your cells listed here.")) in response.content.decode()
        )
    assert not Shortcoming.objects.exists()


def test_ubkt_cannot_link_a_meeting_of_another_cell_than_the_shortcomings(client, ward, inspector):
    other = make_meeting(ward.cell02)
    client.force_login(inspector)
    response = client.post("/shortcomings/new/", _new(ward, source="inspection", meeting=other.pk))
    assert response.status_code == 200
    assert (
        escape(vi("This meeting is not one of %(cell)s.", cell=ward.cell01.name)) in response.content.decode()
    )
    assert not Shortcoming.objects.exists()


def test_a_member_reads_the_meeting_of_their_shortcoming_without_a_link_they_could_not_open(
    client, ward, member
):
    meeting = make_meeting(ward.cell01)
    item = make_shortcoming(ward.cell01, subject_member=member.member, meeting=meeting)
    client.force_login(member)
    page = client.get(f"/shortcomings/{item.pk}/").content.decode()
    assert meeting.date.strftime("%d/%m/%Y") in page and f'href="/meetings/{meeting.pk}/"' not in page
