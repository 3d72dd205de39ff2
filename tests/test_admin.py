"""The Django admin as the office staff (văn phòng) use it: in Vietnamese, and deleting nothing a record
depends on (user accounts are deactivated, schedules disabled, past oversight kept as it was)."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import escape
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from cells.models import Role
from phuthang import periods
from reviews.models import Digest, RemediationUpdate, Rule
from tests.conftest import vi
from tests.factories import make_assignment, make_person, make_shortcoming, make_user


@pytest.fixture
def office(db: Any) -> Any:
    """The office account as seed_demo makes it: staff and superuser, no member behind it."""
    return make_user("vanphong", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, office):
    client.force_login(office)
    return client


def admin_url(obj: Any, view: str) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=[obj.pk])


def changelist_url(model: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


# --- Nothing a record depends on is deleted


def past_assignment(ward) -> Any:
    overseer = make_person(ward.cell02, Role.COMMITTEE_MEMBER).member
    return make_assignment(overseer, ward.cell01, month=periods.add_months(periods.month_start(), -2))


RECORDS = {
    "user account": lambda ward: make_user("chibo09"),
    "past oversight assignment": past_assignment,
    "current oversight assignment": lambda ward: make_assignment(
        make_person(ward.cell02, Role.COMMITTEE_MEMBER).member, ward.cell01
    ),
    "rule": lambda ward: Rule.objects.get(key="reminders.oversight.day"),
    "periodic task": lambda ward: PeriodicTask.objects.get(name="Send reminders"),
    "interval": lambda ward: IntervalSchedule.objects.get(every=1, period="minutes"),
    "crontab": lambda ward: CrontabSchedule.objects.create(minute="0", hour="8"),
    "solar event": lambda ward: SolarSchedule.objects.create(event="sunrise", latitude=21.2, longitude=105.7),
    "clocked": lambda ward: ClockedSchedule.objects.create(
        clocked_time=dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    ),
}


@pytest.mark.parametrize("kind", list(RECORDS))
def test_the_admin_offers_no_way_to_delete(kind, admin_client, ward):
    record = RECORDS[kind](ward)
    model = type(record)

    changelist = admin_client.get(changelist_url(model))
    change = admin_client.get(admin_url(record, "change"))
    delete_page = admin_client.get(admin_url(record, "delete"))
    delete = admin_client.post(admin_url(record, "delete"), {"post": "yes"})
    bulk = admin_client.post(
        changelist_url(model), {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
    )

    assert changelist.status_code == change.status_code == 200
    assert 'value="delete_selected"' not in changelist.content.decode()
    assert admin_url(record, "delete") not in change.content.decode()
    assert delete_page.status_code == delete.status_code == 403
    assert bulk.status_code in (200, 302)
    assert model.objects.filter(pk=record.pk).exists()


def test_a_user_account_is_deactivated_instead_of_deleted(admin_client, office, ward):
    accounts = [make_user("chibo09"), make_user("chibo10")]

    response = admin_client.post(
        changelist_url(get_user_model()),
        {"action": "deactivate", "_selected_action": [a.pk for a in accounts]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Đã khóa 2 tài khoản." in response.content.decode()
    for account in accounts:
        account.refresh_from_db()
        assert not account.is_active  # the account stays, with its name on everything it wrote


def test_the_office_cannot_deactivate_its_own_account(admin_client, office):
    response = admin_client.post(
        changelist_url(get_user_model()),
        {"action": "deactivate", "_selected_action": [office.pk]},
        follow=True,
    )

    assert escape(vi("You cannot deactivate your own account.")) in response.content.decode()
    office.refresh_from_db()
    assert office.is_active


def test_a_past_months_oversight_assignment_is_kept_as_it_was(admin_client, ward):
    assignment = past_assignment(ward)
    other = make_person(ward.cell02, Role.COMMITTEE_MEMBER).member

    response = admin_client.post(
        admin_url(assignment, "change"),
        {"overseer": other.pk, "cell": assignment.cell_id, "month": assignment.month.strftime("%d/%m/%Y")},
    )

    assert response.status_code == 403
    assignment.refresh_from_db()
    assert assignment.overseer_id != other.pk


def test_a_schedule_is_turned_off_with_its_enabled_box(admin_client):
    task = PeriodicTask.objects.get(name="Send reminders")

    admin_client.post(
        changelist_url(PeriodicTask), {"action": "disable_tasks", "_selected_action": [task.pk]}
    )

    task.refresh_from_db()
    assert not task.enabled


# --- In Vietnamese

ENGLISH = [
    "Django administration",
    "Trang quản trị cho Django",  # Django's own Vietnamese for "Django administration"
    "Periodic Tasks",
    "Periodic tasks",
    "Intervals",
    "Crontabs",
    "Solar events",
    "Clocked",
    "Send the selected failed emails again",
    "Toggle theme",
    "Toggle navigation",
    "Select all objects on this page for an action",
    "Enable selected tasks",
    "Interval Schedule",
    "every minute",
    "Can add",  # permission names, stored in English
    "Task Name",
]


class VisibleText(HTMLParser):
    """What a page shows or reads out: text outside scripts and styles, and the labels in attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in ("script", "style", "template")
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder") or (name == "value" and tag == "input"):
                self.parts.append(value or "")

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("script", "style", "template")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_the_admin_pages_speak_vietnamese_to_the_office(admin_client, office, ward):
    secretary = make_person(ward.cell01, Role.CELL_SECRETARY, username="chibo01")
    Digest.objects.create(
        recipient=secretary.member, kind="minutes_late", period="2026-11", status=Digest.Status.FAILED
    )
    digest_page = changelist_url(Digest)
    pages = {
        "/admin/": ["Trang quản trị phuthang", "Tổ chức, hồ sơ và thiết lập", "Tác vụ định kỳ"],
        changelist_url(PeriodicTask): ["Bật các tác vụ đã chọn", "Chạy các tác vụ đã chọn"],
        admin_url(PeriodicTask.objects.get(name="Send reminders"), "change"): ["Lịch chạy", "Bật"],
        changelist_url(IntervalSchedule): ["mỗi phút", "mỗi 5 phút"],  # not "5 biên bản" (meeting minutes)
        digest_page: [vi("Send the selected failed emails again")],
        changelist_url(get_user_model()): [
            vi("Deactivate the selected accounts (they can no longer log in)")
        ],
        admin_url(office, "change"): ["Có quyền thêm tác vụ định kỳ", "Đặt lại mật khẩu"],
        admin_url(IntervalSchedule.objects.get(every=1, period="minutes"), "change"): ["Tác vụ Celery"],
    }
    for url, vietnamese in pages.items():
        page = visible_text(admin_client.get(url).content.decode())
        for text in vietnamese:
            assert text in page, (url, text)
        for text in ENGLISH:
            assert text not in page, (url, text)


def test_a_shortcomings_timeline_in_the_admin_names_each_update_in_vietnamese(admin_client, ward):
    shortcoming = make_shortcoming(ward.cell01)
    RemediationUpdate.objects.create(
        shortcoming=shortcoming, kind=RemediationUpdate.Kind.STATUS, to_status="in_progress", text="Đang làm"
    )

    page = visible_text(admin_client.get(admin_url(shortcoming, "change")).content.decode())

    assert f"#{shortcoming.pk} {vi('Status change')}" in page
    assert f"{shortcoming.pk} status " not in page
