"""Counted words agree with their count in English ("1 reminder", "2 reminders"), never "reminder(s)";
the Vietnamese, which has one form, reads as before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import translation

from reviews.services import meetings as meeting_services
from tests.factories import make_meeting, make_notification


@pytest.mark.parametrize(
    ("unread", "said"), [(1, "1 reminder marked as read."), (2, "2 reminders marked as read.")]
)
def test_marking_reminders_read_counts_them_in_english(client, secretary, cell02, unread, said):
    make_notification(secretary.member)
    if unread == 2:
        make_notification(secretary.member, subject=f"cell:{cell02.pk}")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(secretary)

    page = client.post("/inbox/read-all/", follow=True).content.decode()

    assert said in page


def test_marking_reminders_read_reads_as_before_in_vietnamese(client, secretary):
    make_notification(secretary.member)
    client.force_login(secretary)

    page = client.post("/inbox/read-all/", follow=True).content.decode()

    assert "Đã đánh dấu đã đọc 1 nhắc việc." in page


@pytest.mark.parametrize(
    ("needed", "english", "vietnamese"),
    [
        (1, "At least 1 thematic meeting this quarter", "Ít nhất 1 buổi sinh hoạt chuyên đề trong quý"),
        (2, "At least 2 thematic meetings this quarter", "Ít nhất 2 buổi sinh hoạt chuyên đề trong quý"),
    ],
)
def test_the_thematic_meeting_indicator_counts_its_meetings(cell01, needed, english, vietnamese):
    meeting = make_meeting(cell01, month=dt.date(2026, 3, 1))
    rule = {**meeting_services.meeting_rules(), "thematic_per_quarter": needed}

    with translation.override("en"):
        labels = [i.label for i in meeting_services.quality_indicators(meeting, rule)]
    assert english in labels
    with translation.override("vi"):
        labels = [i.label for i in meeting_services.quality_indicators(meeting, rule)]
    assert vietnamese in labels
