"""The inbox and the staff page of reminder emails."""

from __future__ import annotations

import datetime as dt
import html
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from reviews.models import Digest, Notification, Rule
from reviews.services import reminders
from tests.factories import make_assignment, make_cells, make_member, make_notification


@pytest.fixture(autouse=True)
def english(client):
    """The pages in English (chosen with the language switch), so the assertions read plainly."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def item(secretary):
    return make_notification(secretary.member)


def test_the_menu_shows_the_unread_count_and_the_inbox_lists_the_reminders(client, secretary, item):
    client.force_login(secretary)

    page = client.get("/inbox/").content.decode()

    assert "Inbox (1)" in page
    assert "You oversee Chi bộ Tổ dân phố 1 this month" in page
    assert f'href="/inbox/{item.pk}/"' in page


def test_the_inbox_runs_a_fixed_number_of_queries(client, secretary, django_assert_num_queries):
    for _ in range(30):
        make_notification(secretary.member, subject=f"cell:{make_member().cell_id}")
    client.force_login(secretary)

    # session, user, access (member, positions, assignments, committees), the page of notifications,
    # their count, the menu's member with the unread count
    with django_assert_num_queries(9):
        response = client.get("/inbox/")
    assert response.content.decode().count('data-testid="inbox-item"') == 30


def test_opening_a_reminder_shows_the_message_marks_it_read_and_links_its_page(
    client, secretary, item, cell01
):
    client.force_login(secretary)

    response = client.get(f"/inbox/{item.pk}/")

    assert response.status_code == 200
    assert "You oversee Chi bộ Tổ dân phố 1 this month" in response.content.decode()
    assert f'href="/cells/{cell01.pk}/"' in response.content.decode()
    item.refresh_from_db()
    assert item.read_at is not None
    assert "Inbox (1)" not in client.get("/inbox/").content.decode()


def test_a_read_reminder_stays_in_the_inbox_and_opens_again(client, secretary, item):
    client.force_login(secretary)
    client.get(f"/inbox/{item.pk}/")

    assert f'href="/inbox/{item.pk}/"' in client.get("/inbox/").content.decode()
    again = client.get(f"/inbox/{item.pk}/")
    assert again.status_code == 200 and "You oversee Chi bộ Tổ dân phố 1 this month" in again.content.decode()


def test_marking_all_read_empties_the_unread_count(client, secretary, item):
    client.force_login(secretary)

    client.post("/inbox/read-all/")

    assert Notification.objects.unread().count() == 0


def test_nobody_opens_someone_elses_reminder(client, member, item):
    client.force_login(member)

    assert client.get(f"/inbox/{item.pk}/").status_code == 404
    assert Notification.objects.get(pk=item.pk).read_at is None


def test_a_withdrawn_reminder_leaves_the_inbox(client, secretary, item):
    Notification.objects.filter(pk=item.pk).update(withdrawn_at=timezone.now())
    client.force_login(secretary)

    assert "No reminders yet." in client.get("/inbox/").content.decode()


# --- The staff page


def test_staff_see_failed_emails_with_their_error(client, staff, secretary):
    failed = make_notification(
        secretary.member, digest_status="failed", digest_last_error="user@example.org: 550 no such user"
    ).digest
    client.force_login(staff)

    page = client.get("/reminders/?status=failed").content.decode()

    assert "550 no such user" in page
    assert f'href="/reminders/{failed.pk}/"' in page
    detail = client.get(f"/reminders/{failed.pk}/").content.decode()
    assert "550 no such user" in detail and "Send again" in detail


def test_the_list_filters_by_kind_and_period(client, staff, secretary, member):
    make_notification(secretary.member, period="2026-11")
    make_notification(member.member, period="2026-12")
    client.force_login(staff)

    page = client.get("/reminders/?kind=oversight&period=2026-12").content.decode()

    assert page.count('data-testid="digest"') == 1
    assert "Lê Thị Viên" in page


def test_a_malformed_period_is_explained_on_the_field(client, staff, secretary):
    make_notification(secretary.member)
    client.force_login(staff)

    response = client.get("/reminders/?period=november")

    assert response.status_code == 200
    assert "Write a month as 2026-11 or a week as 2026-W47." in response.content.decode()


def test_the_staff_list_runs_a_fixed_number_of_queries(client, staff, ward, django_assert_num_queries):
    for _ in range(25):
        make_notification(make_member(ward.cell01))
    client.force_login(staff)

    # session, user, access (member), counts by status, the page with recipients, its count
    with django_assert_num_queries(6):
        response = client.get("/reminders/")
    assert response.content.decode().count('data-testid="digest"') == 25


def test_an_email_is_shown_as_it_was_sent(client, staff, ward, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Rule.objects.update_or_create(key="reminders.oversight.effective_from", defaults={"value": "2020-01-01"})
    overseer = make_member(ward.cell02, full_name="Bùi Quốc Phụ")
    make_assignment(overseer, ward.cell01)
    reminders.plan_due()
    reminders.send_due()
    digest = Digest.objects.get()
    client.force_login(staff)

    page = client.get(f"/reminders/{digest.pk}/").content.decode()

    assert html.escape(digest.message_id) in page
    assert f'src="/reminders/{digest.pk}/as-sent/"' in page
    assert "Chi bộ Tổ dân phố 1" in client.get(f"/reminders/{digest.pk}/as-sent/").content.decode()


def test_the_preview_shows_who_would_be_reminded_and_writes_nothing(client, staff, ward):
    Rule.objects.update_or_create(key="reminders.oversight.effective_from", defaults={"value": "2020-01-01"})
    make_assignment(make_member(ward.cell02, full_name="Bùi Quốc Phụ"), ward.cell01)
    client.force_login(staff)

    page = client.get("/reminders/preview/").content.decode()

    assert "Bùi Quốc Phụ" in page and "You oversee Chi bộ Tổ dân phố 1 this month" in page
    assert Notification.objects.count() == 0


def test_the_preview_shows_fifty_emails_a_page_and_finds_a_recipient(client, staff, ward):
    Rule.objects.update_or_create(key="reminders.oversight.effective_from", defaults={"value": "2020-01-01"})
    cells = make_cells(60, ward.committee)
    for n, cell in enumerate(cells):
        make_assignment(make_member(ward.cell02, full_name=f"Ủy viên số {n:02d}"), cell)
    client.force_login(staff)

    first = client.get("/reminders/preview/").content.decode()
    second = client.get("/reminders/preview/?page=2").content.decode()
    found = client.get("/reminders/preview/?q=số 07").content.decode()

    assert first.count('data-testid="preview-digest"') == 50
    assert second.count('data-testid="preview-digest"') == 10
    assert "page=2" in first
    assert found.count('data-testid="preview-digest"') == 1 and "Ủy viên số 07" in found


def test_a_leader_sees_the_emails_of_their_committee_but_may_not_send(client, leader, secretary):
    make_notification(secretary.member)
    client.force_login(leader)

    assert client.get("/reminders/").content.decode().count('data-testid="digest"') == 1
    assert client.post("/reminders/run/").status_code == 403


def test_send_now_enqueues_after_the_commit_without_waiting_for_the_broker(
    client, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff)

    with mock.patch.object(reminders, "_enqueue_run") as enqueue:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = client.post("/reminders/run/")
        assert response.status_code == 302
        enqueue.assert_not_called()  # not before the commit
        for callback in callbacks:
            callback()
    enqueue.assert_called_once()


def test_a_broker_that_is_down_is_logged_not_raised(caplog):
    with mock.patch("reviews.tasks.run_reminders.apply_async", side_effect=OSError("refused")):
        reminders._publish_run()

    assert "could not enqueue run_reminders" in caplog.text


def test_staff_send_a_failed_email_again(client, staff, secretary, django_capture_on_commit_callbacks):
    digest = make_notification(secretary.member, digest_status="failed", digest_attempts=3).digest
    client.force_login(staff)

    with mock.patch.object(reminders, "_enqueue_run"):
        client.post(f"/reminders/{digest.pk}/retry/")

    digest.refresh_from_db()
    assert (digest.status, digest.attempts) == ("pending", 0)
    assert digest.next_attempt_at <= timezone.now() + dt.timedelta(seconds=1)
