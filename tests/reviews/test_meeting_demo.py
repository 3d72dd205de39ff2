"""The demo ward's twelve months of meetings: believable, and consistent with the rules the app enforces."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import time_machine
from django.db.models import Count, F, Q
from django.utils import timezone

from cells.demo import build_ward
from phuthang import periods
from reviews.demo_meetings import build_meetings
from reviews.models import Attendance, Meeting, MeetingTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    ward = build_ward(seed=4)
    return ward, build_meetings(ward, rng=random.Random(4))


def test_every_meetings_counts_equal_its_attendance_rows(demo):
    wrong = Meeting.objects.annotate(
        rows=Count("attendance"),
        present=Count("attendance", filter=Q(attendance__status="present")),
        excused=Count("attendance", filter=Q(attendance__status="excused")),
    ).exclude(expected_count=F("rows"), present_count=F("present"), excused_count=F("excused"))
    assert not wrong.exists()


def test_the_year_has_gaps_late_minutes_absences_thematic_meetings_and_open_and_done_tasks(demo):
    ward, count = demo
    regular = Meeting.objects.filter(kind="regular")
    assert 22 * 10 < regular.count() < 22 * 12
    assert any(m.is_late for m in regular.filter(status="finalised"))
    assert Attendance.objects.filter(status="unexcused").exists()
    assert Attendance.objects.filter(status="excused").exclude(reason="").exists()
    assert Meeting.objects.filter(kind="thematic").count() >= 22 * 2
    assert MeetingTask.objects.filter(done_on__isnull=True).exists()
    assert MeetingTask.objects.filter(done_on__isnull=False, done_at__isnull=False).exists()
    assert regular.filter(month=ward.month, status="draft").exists()
    assert count == Meeting.objects.count()


@pytest.mark.parametrize("now", ["07:00", "23:00"])
def test_no_demo_meeting_has_absences_votes_or_final_minutes_before_it_begins(db, now):
    hour = int(now[:2])
    today = periods.today()
    moment = timezone.make_aware(dt.datetime.combine(today, dt.time(hour, 0)))
    with time_machine.travel(moment, tick=False):
        ward = build_ward(seed=4)
        build_meetings(ward, rng=random.Random(4))
        early = [m for m in Meeting.objects.prefetch_related("attendance") if not m.has_begun]
    for meeting in early:
        assert meeting.status == "draft" and meeting.votes_for is None, meeting
        assert {row.status for row in meeting.attendance.all()} <= {"present"}, meeting
