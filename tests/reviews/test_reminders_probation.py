"""The reminder to the secretary before a probationary member is due to become official (issue 14)."""

from __future__ import annotations

import datetime as dt

from cells import services as cell_services
from reviews.models import Digest, Notification, Rule
from reviews.services import reminders
from tests.factories import make_member

TODAY = dt.date(2026, 11, 16)


def due_in(days: int) -> dt.date:
    return cell_services.months_after(TODAY + dt.timedelta(days=days), -12)


def test_the_secretary_is_reminded_of_a_member_due_within_30_days_once(ward, secretary):
    soon = make_member(ward.cell01, full_name="Dự Sắp Đến", official_on=None, admitted_on=due_in(20))
    make_member(ward.cell01, full_name="Dự Còn Xa", official_on=None, admitted_on=due_in(60))
    reminders.plan_due(TODAY)
    reminders.plan_due(TODAY)  # a second run adds nothing
    found = Notification.objects.filter(kind="probation_due")
    assert list(found.values_list("recipient_id", "subject")) == [(secretary.member.pk, f"member:{soon.pk}")]
    assert found.get().payload["due_on"] == (TODAY + dt.timedelta(days=20)).isoformat()
    digest = Digest.objects.get(kind="probation_due")
    subject, text, _html = reminders.render_digest(digest, list(found), secretary.member)
    assert "Dự Sắp Đến" in text and "1" in subject


def test_the_reminder_is_withdrawn_once_the_recognition_is_recorded(ward, secretary, staff):
    soon = make_member(ward.cell01, official_on=None, admitted_on=due_in(10))
    reminders.plan_due(TODAY)
    cell_services.record_life_event(
        soon,
        kind="official",
        on=TODAY - dt.timedelta(days=1),
        by=staff,
        version=soon.version,
        resolution_number="3-NQ/ĐU",
        resolution_date=TODAY - dt.timedelta(days=1),
    )
    reminders.plan_due(TODAY)
    assert not Notification.objects.current().filter(kind="probation_due").exists()


def test_the_days_before_come_from_the_rule(ward, secretary):
    Rule.objects.update_or_create(key="reminders.probation_due.days_before", defaults={"value": 90})
    make_member(ward.cell01, official_on=None, admitted_on=due_in(60))
    reminders.plan_due(TODAY)
    assert Notification.objects.filter(kind="probation_due").count() == 1
