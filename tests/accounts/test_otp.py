"""The second factor (TOTP): turned on from /account/otp/enrol/ by leaders, UBKT and office staff; once on,
a password alone opens no page; OTP_REQUIRED_FOR makes it compulsory for the role kinds it names."""

from __future__ import annotations

import base64
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils.html import escape
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import LoginFailure
from tests.conftest import vi
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 15, 8, 0, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
ATTACKER, OFFICE = "203.0.113.7", "198.51.100.20"


def _code(key_hex: str, t: int) -> str:
    """The code an authenticator app shows at POSIX time t."""
    generator = TOTP(bytes.fromhex(key_hex))
    generator.time = t
    return f"{generator.token():06d}"


def now_code(device: TOTPDevice) -> str:
    return _code(device.key, int(dt.datetime.now(dt.UTC).timestamp()))


def password_login(username: str, *, address: str = OFFICE) -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    return client, response


@pytest.fixture
def leader_with_app(leader):
    return TOTPDevice.objects.create(user=leader, name="app", confirmed=True)


def test_after_the_password_every_page_waits_for_the_code(leader_with_app, cell01):
    with time_machine.travel(T0, tick=False):
        client, response = password_login("bithu")
        assert response.status_code == 302
        for path in ("/", "/cells/", f"/cells/{cell01.pk}/", "/account/sessions/", "/admin/", "/reminders/"):
            answer = client.get(path)
            assert answer.status_code == 302, path
            assert answer["Location"].startswith("/account/otp/"), path
        page = client.get("/account/otp/?next=/cells/")
        assert page.status_code == 200
        assert escape(vi("Code from the authenticator app")) in page.content.decode()

        typed = client.post("/account/otp/", {"code": now_code(leader_with_app), "next": "/cells/"})
        assert typed.status_code == 302 and typed["Location"] == "/cells/"
        assert client.get("/cells/").status_code == 200


def test_the_code_page_sends_back_to_the_page_first_asked_for(leader_with_app):
    with time_machine.travel(T0, tick=False):
        client, _ = password_login("bithu")
        asked = client.get("/reminders/")
        assert asked["Location"] == "/account/otp/?next=%2Freminders%2F"


def test_a_code_is_used_once(leader_with_app):
    with time_machine.travel(T0, tick=False):
        first, _ = password_login("bithu")
        typed = now_code(leader_with_app)
        first.post("/account/otp/", {"code": typed})
        second, _ = password_login("bithu")
        again = second.post("/account/otp/", {"code": typed})
    assert again.status_code == 200  # refused: a code seen once is spent
    assert escape(vi("This code is not right. Type the code the app shows now.")) in again.content.decode()


def test_wrong_codes_count_toward_the_lockout(leader_with_app):
    with time_machine.travel(T0, tick=False) as clock:
        client, _ = password_login("bithu", address=ATTACKER)  # the password is known, the phone is not
        for n in range(4):
            answer = client.post("/account/otp/", {"code": f"00000{n}"})
            assert answer.status_code == 200
        fifth = client.post("/account/otp/", {"code": "000009"}, follow=True)
        assert fifth.redirect_chain[-1][0] == "/accounts/login/"
        message = vi(
            "Too many failed logins for this account from your network. It is locked from here until "
            "%(time)s (Vietnam time); from elsewhere you can still log in.",
            time="08:15",
        )
        assert escape(message) in fifth.content.decode()
        assert client.get("/cells/").status_code == 302  # logged out
        assert password_login("bithu", address=ATTACKER)[1].status_code == 200  # the password: refused too
        assert password_login("bithu", address=OFFICE)[1].status_code == 302  # the real user elsewhere
        clock.shift(dt.timedelta(minutes=15, seconds=1))
        assert password_login("bithu", address=ATTACKER)[1].status_code == 302
    assert LoginFailure.objects.filter(kind="code").count() == 5


def test_a_right_code_clears_the_failures(leader_with_app):
    with time_machine.travel(T0, tick=False):
        client, _ = password_login("bithu")
        for _ in range(4):
            client.post("/account/otp/", {"code": "123456"})
        client.post("/account/otp/", {"code": now_code(leader_with_app)})
    assert LoginFailure.objects.counted().count() == 0
    assert LoginFailure.objects.count() == 4


def test_a_password_login_with_no_app_does_not_clear_for_an_app_user_before_the_code(leader_with_app):
    with time_machine.travel(T0, tick=False):
        for _ in range(4):
            Client(REMOTE_ADDR=ATTACKER).post("/accounts/login/", {"username": "bithu", "password": "x"})
        client, _ = password_login("bithu", address=ATTACKER)
        client.post("/account/otp/", {"code": "111111"})  # the fifth failure: the code, not the password
        assert password_login("bithu", address=ATTACKER)[1].status_code == 200


def test_malformed_codes_are_a_plain_message(leader_with_app):
    with time_machine.travel(T0, tick=False):
        client, _ = password_login("bithu")
        for typed in ("", "12345", "abcdef", "1" * 5000, "12\x003456"):
            answer = client.post("/account/otp/", {"code": typed})
            assert answer.status_code == 200, typed


def test_enrolment_shows_the_secret_and_a_qr_code_and_a_code_from_it_turns_it_on(client, leader):
    client.force_login(leader)
    with time_machine.travel(T0, tick=False):
        page = client.get("/account/otp/enrol/").content.decode()
        secret = re.search(r'data-testid="secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
        assert "<svg" in page and "<path" in page  # drawn on the server, nothing fetched
        assert client.get("/account/otp/enrol/").content.decode().count(secret[:4]) >= 1  # same secret again
        key = base64.b32decode(secret).hex()

        wrong = client.post("/account/otp/enrol/", {"code": "000000"})
        assert wrong.status_code == 200 and not TOTPDevice.objects.exists()
        right = client.post("/account/otp/enrol/", {"code": _code(key, int(T0.timestamp()))})
    assert right.status_code == 302
    device = TOTPDevice.objects.get(user=leader)
    assert device.confirmed and device.key == key
    assert LoginFailure.objects.count() == 0  # a wrong code while enrolling guesses nothing


def test_after_enrolment_the_next_login_asks_for_the_code(leader_with_app):
    client, _ = password_login("bithu")
    assert client.get("/cells/")["Location"].startswith("/account/otp/")


@pytest.mark.parametrize("role", ["leader", "inspector", "staff"])
def test_leaders_ubkt_and_office_may_turn_it_on(request, client, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/account/otp/enrol/").status_code == 200


@pytest.mark.parametrize("role", ["secretary", "overseer", "member", "stranger"])
def test_others_may_not(request, client, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/account/otp/enrol/").status_code == 403


def test_when_required_for_leaders_a_leader_must_enrol_before_anything(settings, leader, member, cell01):
    settings.OTP_REQUIRED_FOR = ["leader"]
    client, _ = password_login("bithu")
    for path in ("/", "/cells/", "/account/sessions/", "/admin/"):
        assert client.get(path)["Location"].startswith("/account/otp/enrol/"), path
    page = client.get("/account/otp/enrol/")
    assert escape(vi("Your role must use a second factor: turn it on before anything else.")) in (
        page.content.decode()
    )
    key = client.session["accounts_otp_enrol_key"]
    done = client.post("/account/otp/enrol/", {"code": _code(key, int(dt.datetime.now(dt.UTC).timestamp()))})
    assert done.status_code == 302
    assert client.get("/cells/").status_code == 200

    other, _ = password_login("dangvien")
    assert other.get(f"/members/{member.member.pk}/").status_code == 200  # not a leader: not asked


def test_when_required_for_the_office_only_leaders_are_not_asked(settings, leader, staff):
    settings.OTP_REQUIRED_FOR = ["staff", "inspector"]
    client, _ = password_login("bithu")
    assert client.get("/cells/").status_code == 200
    office, _ = password_login("vanphong")
    assert office.get("/cells/")["Location"].startswith("/account/otp/enrol/")


def test_the_enrolled_page_says_it_is_on(client, leader_with_app, leader):
    client.force_login(leader)
    session = client.session
    session.pop("accounts_otp_pending")
    session.save()
    page = client.get("/account/otp/enrol/")
    on = vi(
        "The second factor is on for your account: after your password you are asked for the code from "
        "your app."
    )
    assert escape(on) in page.content.decode()


def test_an_authenticator_reset_by_the_office_meanwhile_asks_for_nothing(leader_with_app):
    client, _ = password_login("bithu")
    TOTPDevice.objects.update(confirmed=False)  # the office unticks "confirmed" in the admin
    assert client.get("/account/otp/?next=/cells/")["Location"] == "/cells/"
    assert client.get("/cells/").status_code == 200
