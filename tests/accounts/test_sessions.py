"""Sessions end after SESSION_IDLE_SECONDS without a request and SESSION_MAX_SECONDS in any case (2 h and
12 h by default); /account/sessions/ lists a user's live logins and ends the others, or all of them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils.html import escape

from accounts.models import UserSession
from tests.conftest import vi
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 15, 7, 30, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 13; SM-A536E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
PC_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"


def logged_in(username: str, *, address: str = "198.51.100.20", agent: str = PHONE_UA) -> Client:
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the login should succeed"
    return client


def is_logged_in(client: Client) -> bool:
    return client.get("/account/sessions/").status_code == 200


def test_an_idle_session_is_logged_out_with_a_message(member):
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in("dangvien")
        clock.shift(dt.timedelta(hours=2) - dt.timedelta(seconds=1))
        assert is_logged_in(client)
        clock.shift(dt.timedelta(hours=2) + dt.timedelta(seconds=1))
        response = client.get(f"/members/{member.member.pk}/", follow=True)

    assert response.redirect_chain[0] == (f"/accounts/login/?next=/members/{member.member.pk}/", 302)
    message = vi("You were logged out after %(minutes)d minutes without activity. Please log in again.")
    assert escape(message % {"minutes": 120}) in response.content.decode()
    row = UserSession.objects.get()
    assert row.end_reason == "idle" and row.ended_at is not None


def test_a_busy_session_still_ends_at_its_absolute_lifetime(member):
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in("dangvien")
        for _ in range(11):
            clock.shift(dt.timedelta(hours=1, minutes=5))
            assert is_logged_in(client)  # never idle
        clock.move_to(T0 + dt.timedelta(hours=12) - dt.timedelta(seconds=1))
        assert is_logged_in(client)
        clock.shift(dt.timedelta(seconds=2))
        response = client.get("/account/sessions/", follow=True)

    message = vi("You were logged out: a login lasts at most %(hours)d hours. Please log in again.")
    assert escape(message % {"hours": 12}) in response.content.decode()
    assert UserSession.objects.get().end_reason == "expired"


def test_the_limits_come_from_settings(member, settings):
    settings.SESSION_IDLE_SECONDS = 300
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in("dangvien")
        clock.shift(dt.timedelta(seconds=301))
        assert not is_logged_in(client)


def test_last_seen_is_written_at_most_once_a_minute(member, django_assert_num_queries):
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in("dangvien")
        clock.shift(dt.timedelta(seconds=30))
        client.get("/account/sessions/")
        assert UserSession.objects.get().last_seen_at == T0
        clock.shift(dt.timedelta(seconds=31))
        client.get("/account/sessions/")
        assert UserSession.objects.get().last_seen_at == T0 + dt.timedelta(seconds=61)


def test_the_page_lists_the_users_live_sessions_and_marks_this_one(member, secretary):
    with time_machine.travel(T0, tick=False) as clock:
        phone = logged_in("dangvien", address="198.51.100.20", agent=PHONE_UA)
        clock.shift(dt.timedelta(minutes=5))
        logged_in("dangvien", address="192.0.2.44", agent=PC_UA)
        logged_in("chibo01", address="192.0.2.99")  # someone else's: not listed
        old = logged_in("dangvien", address="192.0.2.55")
        old.post("/accounts/logout/")  # ended: not listed
        response = phone.get("/account/sessions/")

    page = response.content.decode()
    assert page.count('class="list-group-item') == 2
    assert "Chrome · Android" in page and "Firefox · Windows" in page
    assert "198.51.100.20" in page and "192.0.2.44" in page
    assert "192.0.2.99" not in page and "192.0.2.55" not in page
    assert "15/06/2026 07:30" in page  # started, Vietnam time
    assert page.index(escape(vi("This device"))) < page.index("Firefox")  # this one first, marked


def test_the_sessions_page_runs_a_fixed_number_of_queries(member, django_assert_num_queries):
    with time_machine.travel(T0, tick=False):
        client = logged_in("dangvien")
        for n in range(5):
            logged_in("dangvien", address=f"192.0.2.{n}")
        # session, user, the sessions, the access for the menu and the permission (member, positions,
        # overseen cells, committees), unread notifications for the menu
        with django_assert_num_queries(8):
            client.get("/account/sessions/")


def test_log_out_everywhere_else_ends_the_other_sessions_only(member, secretary):
    with time_machine.travel(T0, tick=False):
        here = logged_in("dangvien")
        others = [logged_in("dangvien", address=f"192.0.2.{n}") for n in range(3)]
        someone_else = logged_in("chibo01")
        response = here.post("/account/sessions/end/", {"which": "others"}, follow=True)

        assert escape(vi("Logged out of %(count)d other session(s).") % {"count": 3}) in (
            response.content.decode()
        )
        assert is_logged_in(here)
        assert not any(is_logged_in(c) for c in others)
        assert is_logged_in(someone_else)
    ended = UserSession.objects.filter(end_reason="ended_elsewhere")
    assert ended.count() == 3
    assert not Session.objects.filter(session_key__in=ended.values("session_key")).exists()


def test_log_out_everywhere_ends_this_session_too(member):
    with time_machine.travel(T0, tick=False):
        here = logged_in("dangvien")
        other = logged_in("dangvien", address="192.0.2.1")
        response = here.post("/account/sessions/end/", {"which": "all"})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        assert not is_logged_in(here)
        assert not is_logged_in(other)
    assert not UserSession.objects.alive().exists()


def test_ending_sessions_answers_only_post(member):
    client = logged_in("dangvien")
    assert client.get("/account/sessions/end/").status_code == 405


def test_the_menu_and_the_own_member_page_link_to_the_sessions_page(client, member, secretary):
    client.force_login(member)
    own = client.get(f"/members/{member.member.pk}/").content.decode()
    assert own.count('href="/account/sessions/"') == 2  # the menu, and the page's own button
    client.force_login(secretary)
    other = client.get(f"/members/{member.member.pk}/").content.decode()
    assert other.count('href="/account/sessions/"') == 1  # the menu only: not the secretary's page


def test_a_session_from_before_the_limits_is_tracked_from_its_next_request(client, member):
    client.force_login(member)
    session = client.session
    for key in ("accounts_started", "accounts_seen"):
        del session[key]
    session.save()
    UserSession.objects.update(session_key="from-before-the-limits")  # as if never tracked
    assert client.get("/account/sessions/").status_code == 200
    assert UserSession.objects.filter(session_key=client.session.session_key).count() == 1
