"""On a 390 px phone: the lockout message after five wrong passwords, and the sessions page ending the
other logins (a second phone, another browser context, is sent back to the login page)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import vi
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name=vi("Log in")).click()


def test_five_wrong_passwords_then_the_right_one_shows_when_the_lock_lifts(page: Page, secretary):
    for _ in range(5):
        log_in(page, "chibo01", "sai-mat-khau")
    log_in(page, "chibo01")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    message = vi(
        "Too many failed logins for this account from your network. It is locked from here until "
        "%(time)s (Vietnam time); from elsewhere you can still log in."
    )
    alert = page.get_by_text(message.split("%(time)s")[0].strip())
    expect(alert).to_be_visible()
    assert re.search(r"\d\d:\d\d", alert.inner_text())  # the time it lifts, Vietnam time
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_log_out_the_other_login_from_the_sessions_page(page: Page, browser: Browser, live_server, member):
    other = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    second_phone = other.new_page()
    log_in(second_phone, "dangvien")
    log_in(page, "dangvien")

    page.goto("/account/sessions/")
    items = page.get_by_test_id("sessions").locator("li")
    expect(items).to_have_count(2)
    expect(items.first.get_by_text(vi("This device"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("button[name=which][value=others]").click()

    expect(page.get_by_text(vi("Logged out of %(count)d other session(s).") % {"count": 1})).to_be_visible()
    expect(page.get_by_test_id("sessions").locator("li")).to_have_count(1)
    second_phone.goto("/account/sessions/")
    expect(second_phone).to_have_url(re.compile(r"/accounts/login/\?next=/account/sessions/$"))
    other.close()
