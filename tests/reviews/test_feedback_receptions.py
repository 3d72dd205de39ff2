"""The head's citizen reception days and dialogues, and the months below the rule "at least 2 days a month"."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils.html import escape

from reviews.models import ReceptionSession, Rule
from reviews.services import feedback as services
from tests.conftest import once, vi

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_march_2027():
    with time_machine.travel(dt.datetime(2027, 3, 15, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        yield


def _session(committee, day, kind="reception"):
    return ReceptionSession.objects.create(committee=committee, kind=kind, held_on=day, received_by="Bí thư")


def test_the_months_with_fewer_reception_days_than_the_rule_are_listed(committee, in_march_2027):
    for day in (dt.date(2027, 1, 8), dt.date(2027, 1, 22), dt.date(2027, 2, 10), dt.date(2027, 2, 10)):
        _session(committee, day)
    _session(committee, dt.date(2027, 2, 20), kind="dialogue")  # a dialogue is not a reception day
    below = services.months_below_rule(ReceptionSession.objects.all(), months=3)
    assert [(m.month, m.days) for m in below] == [(dt.date(2026, 12, 1), 0), (dt.date(2027, 2, 1), 1)]
    Rule.objects.filter(key="petitions.head_receives_citizens_days_per_month").update(value=1)
    below = services.months_below_rule(ReceptionSession.objects.all(), months=3)
    assert [m.month for m in below] == [dt.date(2026, 12, 1)]


def test_a_session_in_the_future_is_refused_and_nothing_is_saved(committee, staff, in_march_2027):
    with pytest.raises(ValidationError) as refused:
        services.record_reception(
            committee,
            by=staff,
            kind="reception",
            held_on=dt.date(2027, 3, 16),
            received_by="Bí thư",
            attendance=3,
        )
    assert refused.value.message_dict["held_on"] == [
        vi("%(what)s cannot be in the future.", what=vi("The day of the session"))
    ]
    assert not ReceptionSession.objects.exists()


def test_staff_record_a_session_and_the_page_shows_it_with_the_months_below(client, committee, staff, leader):
    client.force_login(staff)
    today = dt.date.today()
    response = client.post(
        "/feedback/receptions/new/",
        once(
            committee=committee.pk,
            kind="reception",
            held_on=today.isoformat(),
            received_by="Bí thư",
            attendance=4,
        ),
    )
    assert response.status_code == 302
    assert ReceptionSession.objects.get().attendance == 4
    client.force_login(leader)
    page = client.get("/feedback/receptions/").content.decode()
    assert escape(vi("Months below the rule")) in page and "Bí thư" in page
