"""The demo ward's twelve months of meetings: believable, and consistent with the rules the app enforces."""

from __future__ import annotations

import random

import pytest
from django.db.models import Count, F, Q

from cells.demo import build_ward
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
