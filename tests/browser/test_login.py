"""A secretary logs in on a phone and lands on their cell; another cell's address answers the 404 page.

The cast comes from tests/conftest.py: `secretary` is chibo01 of cell01, `other_secretary` chibo02 of cell02,
both created by the factories with the demo password.
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

# transaction=True: the live server's thread must see the test's rows. serialized_rollback=True: the flush
# after each test would otherwise also empty the reference data loaded by migrations (rules, manifestations).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def vi(text: str) -> str:
    with translation.override("vi"):
        return translation.gettext(text)


def log_in(page: Page, username: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=vi("Log in")).click()


def test_secretary_logs_in_on_a_phone_and_sees_their_cell(page: Page, live_server, secretary, cell01):
    log_in(page, "chibo01")
    expect(page).to_have_url(f"{live_server.url}/dashboard/cell/{cell01.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chi bộ Tổ dân phố 1")
    expect(page.get_by_test_id("this-month")).to_be_visible()
    assert page.viewport_size == {"width": 390, "height": 844}
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone


def test_another_cells_secretary_gets_the_404_page_for_cell01(page: Page, other_secretary, cell01, cell02):
    log_in(page, "chibo02")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chi bộ Trường Tiểu học")
    response = page.goto(f"/cells/{cell01.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Page not found"))
    expect(page.get_by_text(vi("This page does not exist, or it is not yours to see."))).to_be_visible()
    expect(page.get_by_text("Chi bộ Tổ dân phố 1")).to_have_count(0)
