"""Login lockout, probed from outside as an auditor would: through POST /accounts/login/ only.

Defaults: 5 failures for one username from one address, or 20 from one address over any usernames, lock
for 15 minutes after the last failure. Addresses are set with REMOTE_ADDR (the socket's address).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils.html import escape

from accounts import lockout
from accounts.models import LoginFailure
from tests.conftest import vi
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

ATTACKER, OFFICE, PROXY = "203.0.113.7", "198.51.100.20", "10.0.0.2"
T0 = dt.datetime(2026, 6, 15, 9, 0, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def attempt(username: str, password: str, *, address: str = ATTACKER, **headers: str):
    """One login from a fresh browser; True when it got in."""
    client = Client(REMOTE_ADDR=address, **headers)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302, response


def locked_text(per_address: bool, time: str) -> str:
    if per_address:
        text = vi(
            "Too many failed logins from your network. Logging in from it is locked until %(time)s "
            "(Vietnam time).",
            time=time,
        )
    else:
        text = vi(
            "Too many failed logins for this account from your network. It is locked from here until "
            "%(time)s (Vietnam time); from elsewhere you can still log in.",
            time=time,
        )
    return escape(text)


@pytest.fixture
def bithu(db):
    return make_user("bithu")


def test_thirty_wrong_passwords_then_the_right_one_is_refused(bithu):
    with time_machine.travel(T0, tick=False) as clock:
        outcomes = []
        for _ in range(30):
            outcomes.append(attempt("bithu", "wrong")[0])
            clock.shift(dt.timedelta(seconds=2))
        got_in, response = attempt("bithu", PASSWORD)

    assert outcomes == [False] * 30
    assert not got_in
    # the 5th failure came at 09:00:08; the lock lifts 15 minutes later, shown rounded up to the minute
    assert locked_text(False, "09:16") in response.content.decode()
    assert LoginFailure.objects.filter(kind="password").count() == 5  # then refused without a check
    assert LoginFailure.objects.filter(kind="locked").count() == 26  # every refusal is on record


def test_the_lock_starts_at_the_fifth_failure(bithu):
    with time_machine.travel(T0, tick=False):
        for _ in range(4):
            attempt("bithu", "wrong")
        assert attempt("bithu", PASSWORD)[0]  # 4 failures: still in (and the success clears them)
        for _ in range(5):
            attempt("bithu", "wrong")
        got_in, response = attempt("bithu", PASSWORD)
    assert not got_in
    assert locked_text(False, "09:15") in response.content.decode()


def test_the_right_password_after_the_fifth_failure_says_when_the_lock_lifts(bithu):
    with time_machine.travel(T0, tick=False):
        for _ in range(4):
            attempt("bithu", "wrong")
        _got_in, response = attempt("bithu", "wrong")
    assert locked_text(False, "09:15") in response.content.decode()  # told at once, not on the next try


def test_the_lock_lifts_fifteen_minutes_after_the_last_failure(bithu):
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            attempt("bithu", "wrong")
        clock.shift(dt.timedelta(minutes=15) - dt.timedelta(seconds=1))
        before = attempt("bithu", PASSWORD)[0]
        clock.shift(dt.timedelta(seconds=2))
        after = attempt("bithu", PASSWORD)[0]
    assert (before, after) == (False, True)


def test_attempts_while_locked_do_not_move_the_time_it_lifts(bithu):
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            attempt("bithu", "wrong")
        for _ in range(10):
            clock.shift(dt.timedelta(minutes=1))
            attempt("bithu", "wrong")
        clock.move_to(T0 + dt.timedelta(minutes=15, seconds=1))
        assert attempt("bithu", PASSWORD)[0]


def test_the_real_user_gets_in_from_another_address_while_locked_at_the_attackers(bithu):
    with time_machine.travel(T0, tick=False):
        for _ in range(30):
            attempt("bithu", "wrong", address=ATTACKER)
        assert not attempt("bithu", PASSWORD, address=ATTACKER)[0]
        assert attempt("bithu", PASSWORD, address=OFFICE)[0]
        assert not attempt("bithu", PASSWORD, address=ATTACKER)[0]  # the office's success clears only its own


def test_one_password_sprayed_over_thirty_accounts_is_locked_at_twenty(db):
    accounts = [make_user(f"chibo{n:02d}") for n in range(1, 31)]
    with time_machine.travel(T0, tick=False):
        refused_with_lock = []
        for n, account in enumerate(accounts, start=1):
            got_in, response = attempt(account.username, "matkhau123")
            assert not got_in
            if locked_text(True, "09:15") in response.content.decode():
                refused_with_lock.append(n)
        sprayed_then_right = attempt("chibo30", PASSWORD)[0]
        from_elsewhere = attempt("chibo30", PASSWORD, address=OFFICE)[0]

    assert refused_with_lock[0] == 20  # the 20th failure locks the address, and says so
    assert refused_with_lock == list(range(20, 31))
    assert LoginFailure.objects.filter(kind="password").count() == 20
    assert not sprayed_then_right  # even a right password from the spraying address
    assert from_elsewhere


def test_usernames_differing_only_in_case_count_as_one(bithu):
    with time_machine.travel(T0, tick=False):
        for name in ("bithu", "BITHU", " Bithu", "bithU", "BiThu"):
            attempt(name, "wrong")
        assert not attempt("bithu", PASSWORD)[0]


def test_a_forged_x_forwarded_for_from_a_direct_client_changes_nothing(bithu, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    with time_machine.travel(T0, tick=False):
        for n in range(30):
            attempt("bithu", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")  # a new "address" each time
        got_in = attempt("bithu", PASSWORD, HTTP_X_FORWARDED_FOR=OFFICE)[0]
    assert not got_in
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {ATTACKER}


def test_behind_the_trusted_proxy_the_forwarded_address_is_the_one_counted(bithu, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            attempt("bithu", "wrong", address=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
        attacker = attempt("bithu", PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)[0]
        office = attempt("bithu", PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR=OFFICE)[0]
    assert (attacker, office) == (False, True)
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {ATTACKER}


def test_behind_the_proxy_a_client_prepending_addresses_cannot_choose_its_own(bithu, settings):
    """The proxy appends what it saw; whatever the client wrote before that is on the left."""
    settings.TRUSTED_PROXIES = [PROXY]
    with time_machine.travel(T0, tick=False):
        for n in range(5):
            attempt("bithu", "wrong", address=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}")
        assert not attempt("bithu", PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR=f"{OFFICE}, {ATTACKER}")[0]


def test_the_forwarded_header_of_an_untrusted_address_is_ignored_when_no_proxy_is_named(bithu):
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            attempt("bithu", "wrong", address=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
        assert not attempt("bithu", PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR=OFFICE)[0]


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.7", "", "203.0.113.7"),
        ("203.0.113.7", "1.2.3.4", "203.0.113.7"),  # not a proxy of ours: the header is the client's word
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", "1.2.3.4", "1.2.3.4"),
        ("10.0.0.2", "6.6.6.6, 1.2.3.4", "1.2.3.4"),
        ("10.0.0.2", "1.2.3.4, 10.0.0.9", "1.2.3.4"),  # two trusted hops (10.0.0.0/24)
        ("10.0.0.2", "garbage", "10.0.0.2"),
        ("10.0.0.2", "1.2.3.4, garbage", "10.0.0.2"),
        ("10.0.0.2", " 2001:db8::1 ", "2001:db8::1"),
        ("not an address", "1.2.3.4", ""),
    ],
)
def test_client_address(rf, settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert lockout.client_address(request) == expected


def test_limits_come_from_settings(bithu, settings):
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_SECONDS = 2, 60
    with time_machine.travel(T0, tick=False) as clock:
        attempt("bithu", "wrong")
        attempt("bithu", "wrong")
        assert not attempt("bithu", PASSWORD)[0]
        clock.shift(dt.timedelta(seconds=61))
        assert attempt("bithu", PASSWORD)[0]


def test_failures_spread_wider_than_the_window_do_not_lock(bithu):
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(10):
            attempt("bithu", "wrong")
            clock.shift(dt.timedelta(minutes=4))  # 5 failures span 16 minutes
        assert attempt("bithu", PASSWORD)[0]


def test_a_success_clears_the_failures_but_keeps_them_on_record(bithu):
    with time_machine.travel(T0, tick=False):
        for _ in range(4):
            attempt("bithu", "wrong")
        assert attempt("bithu", PASSWORD)[0]
        for _ in range(4):
            attempt("bithu", "wrong")
        assert attempt("bithu", PASSWORD)[0]  # 8 failures in all, never 5 since a success
    assert LoginFailure.objects.count() == 8
    assert LoginFailure.objects.filter(cleared_at__isnull=False).count() == 8


def test_the_admin_login_is_locked_too(bithu):
    bithu.is_staff = True
    bithu.save(update_fields=["is_staff"])
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            attempt("bithu", "wrong")
        client = Client(REMOTE_ADDR=ATTACKER)
        response = client.post("/admin/login/", {"username": "bithu", "password": PASSWORD})
    assert response.status_code == 200
    assert locked_text(False, "09:15") in response.content.decode()


def test_a_nul_in_the_username_is_a_plain_refusal(db):
    got_in, response = attempt("bit\x00hu", "x")
    assert not got_in and response.status_code == 200
