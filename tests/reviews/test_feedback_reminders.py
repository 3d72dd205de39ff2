"""Reminders of citizens' feedback through the ledger: the handler before each deadline and once it has
passed, the UBKT chair's weekly digest of overdue items, never the sender's name in an email."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cells.models import Role
from reviews.models import Digest, Notification, Rule
from reviews.services import reminders
from tests.factories import make_feedback, make_person

pytestmark = pytest.mark.django_db
MONDAY = dt.datetime(2027, 3, 1, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(autouse=True)
def rules_in_effect_long_ago(db):
    for kind in (
        "oversight",
        "minutes_late",
        "remediation",
        "overdue_digest",
        "feedback_due",
        "feedback_digest",
    ):
        Rule.objects.update_or_create(
            key=f"reminders.{kind}.effective_from", defaults={"value": "2020-01-01"}
        )


@pytest.fixture
def chair(cell02):
    return make_person(cell02, Role.INSPECTION_CHAIR, username="cnubkt", full_name="Đỗ Văn Chủ")


def _subjects(kind):
    return sorted(
        Notification.objects.current().filter(kind=kind).values_list("recipient__full_name", "subject")
    )


def test_the_handler_is_reminded_before_a_deadline_and_when_it_has_passed(ward, inspector, chair):
    with time_machine.travel(MONDAY, tick=False):
        soon = make_feedback(
            ward.committee,
            concerned_member=ward.members01[0],
            handler=inspector,
            received_on=dt.date(2027, 2, 17),
        )  # the sender to be told by 3 March
        late = make_feedback(
            ward.committee,
            concerned_member=ward.members01[0],
            handler=inspector,
            received_on=dt.date(2026, 12, 1),
        )
        make_feedback(  # told, and its settlement far away: nothing to remind
            ward.committee,
            concerned_member=ward.members01[0],
            handler=inspector,
            received_on=dt.date(2027, 2, 20),
            acknowledged_on=dt.date(2027, 2, 22),
        )
        reminders.plan_due()
        reminders.plan_due()  # planned twice, recorded once
    assert _subjects("feedback_due") == sorted(
        [
            ("Vũ Thị Kiểm", f"feedback:{late.pk}:acknowledge"),
            ("Vũ Thị Kiểm", f"feedback:{soon.pk}:acknowledge"),
        ]
    )
    assert _subjects("feedback_digest") == [("Đỗ Văn Chủ", f"feedback:{late.pk}:acknowledge")]
    assert Digest.objects.filter(kind__in=["feedback_due", "feedback_digest"]).count() == 2


def test_no_email_about_feedback_names_the_sender(ward, inspector, chair):
    with time_machine.travel(MONDAY, tick=False):
        make_feedback(
            ward.committee,
            concerned_member=ward.members01[0],
            handler=inspector,
            received_on=dt.date(2026, 12, 1),
        )
        reminders.plan_due()
        for digest in Digest.objects.filter(kind__in=["feedback_due", "feedback_digest"]):
            items = list(digest.items.all())
            subject, text, html = reminders.render_digest(digest, items, digest.recipient)
            assert "Trần Văn Tố" not in text + html + subject
    assert "Trần Văn Tố" not in str(list(Notification.objects.values_list("payload", flat=True)))
