"""Kind 4, pledge not signed by the due date, and the pledge line of the overseer's monthly reminder."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from cells.models import Role
from reviews.models import Digest, Notification, Rule
from reviews.services import pledges as pledge_services
from reviews.services import reminders
from tests.conftest import vi
from tests.factories import make_assignment, make_campaign, make_member, make_person, make_pledge

APRIL = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)  # the day after day 1 of April: due 31/03 has passed


@pytest.fixture(autouse=True)
def rules_in_effect_long_ago(db):
    for kind in ("oversight", "pledge_unsigned"):
        Rule.objects.update_or_create(
            key=f"reminders.{kind}.effective_from", defaults={"value": "2020-01-01"}
        )


def _pledge_items():
    return sorted(
        Notification.objects.current()
        .filter(kind="pledge_unsigned")
        .values_list("recipient__full_name", "payload__member")
    )


@time_machine.travel(APRIL, tick=False)
def test_after_the_due_date_each_secretary_gets_one_digest_naming_their_unsigned_members(
    ward, secretary, other_secretary
):
    campaign = make_campaign(ward.committee, year=2026)
    make_pledge(ward.members01[0], campaign)
    reminders.plan_due()
    to_thu = {name for to, name in _pledge_items() if to == "Hoàng Văn Thư"}
    to_hai = {name for to, name in _pledge_items() if to == "Đặng Thị Hai"}
    assert "Nguyễn Văn Chính" not in to_thu  # signed
    assert "Lê Văn Miễn" not in to_thu  # exempt: not expected to sign
    assert {"Phạm Thị Hoa", "Vũ Văn Sơn"} <= to_hai and not to_hai & to_thu
    digests = Digest.objects.filter(kind="pledge_unsigned")
    assert sorted(digests.values_list("recipient__full_name", flat=True)) == ["Hoàng Văn Thư", "Đặng Thị Hai"]


@time_machine.travel(APRIL, tick=False)
def test_the_secretaries_themselves_are_listed_to_their_own_cell_until_they_sign(ward, secretary):
    make_campaign(ward.committee, year=2026)
    reminders.plan_due()
    assert ("Hoàng Văn Thư", "Hoàng Văn Thư") in _pledge_items()


@time_machine.travel(APRIL, tick=False)
def test_planning_twice_adds_nothing_and_a_member_who_signs_meanwhile_is_withdrawn(ward, other_secretary):
    campaign = make_campaign(ward.committee, year=2026)
    reminders.plan_due()
    before = Notification.objects.count()
    assert reminders.plan_due().inserted == 0 and Notification.objects.count() == before
    make_pledge(ward.members02[0], campaign)
    report = reminders.plan_due()
    assert report.withdrawn == 1
    assert "Phạm Thị Hoa" not in [name for _r, name in _pledge_items()]


@time_machine.travel(dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC), tick=False)
def test_nothing_is_sent_before_the_due_date(ward, secretary):
    make_campaign(ward.committee, year=2026)
    reminders.plan_due()
    assert not Notification.objects.filter(kind="pledge_unsigned").exists()


@time_machine.travel(APRIL, tick=False)
def test_a_rule_that_took_effect_after_the_occasion_mails_nothing(ward, secretary):
    Rule.objects.filter(key="reminders.pledge_unsigned.effective_from").update(value="2026-05-01")
    make_campaign(ward.committee, year=2026)
    reminders.plan_due()
    assert not Notification.objects.filter(kind="pledge_unsigned").exists()


@time_machine.travel(APRIL, tick=False)
def test_the_email_lists_the_names_in_vietnamese(ward, secretary, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_campaign(ward.committee, year=2026)
    make_member(ward.cell01, full_name="Đỗ Thị Chưa Ký", admitted_on=dt.date(2020, 1, 1), official_on=None)
    reminders.plan_due()
    reminders.send_due()
    (body,) = [m.body for m in mail.outbox if secretary.member.email in m.to]
    assert "Đỗ Thị Chưa Ký" in body and "31/03/2026" in body
    assert "Lê Văn Miễn" not in body


@time_machine.travel(APRIL, tick=False)
def test_the_overseers_monthly_reminder_carries_the_cells_pledge_progress(ward, cell02):
    overseer = make_person(cell02, Role.COMMITTEE_MEMBER, full_name="Bùi Quốc Phụ").member
    make_assignment(overseer, ward.cell01, dt.date(2026, 4, 1))
    campaign = make_campaign(ward.committee, year=2026)
    make_pledge(ward.members01[0], campaign)
    reminders.plan_due()
    item = Notification.objects.get(kind="oversight", recipient=overseer)
    expected = pledge_services.expected_members(campaign).filter(cell=ward.cell01).count()
    assert (item.payload["pledges_signed"], item.payload["pledges_expected"]) == (1, expected)
    digest = Digest.objects.get(kind="oversight", recipient=overseer)
    _subject, text, _html = reminders.render_digest(digest, [item], overseer)
    assert vi("Pledge progress: %(signed)s of %(expected)s signed", signed=1, expected=expected) in text
