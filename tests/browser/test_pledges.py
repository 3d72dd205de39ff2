"""On a phone, `dangvien` signs this year's pledge with two commitments; `chibo01` then sees cell 01's count
go up by one and `dangvien` leave the unsigned list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from reviews.models import Pledge
from tests.conftest import vi
from tests.factories import PASSWORD, make_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _log_in(page: Page, url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=vi("Log in")).click()


def _cell01_signed(page: Page, url: str, campaign_pk: int) -> int:
    page.goto(f"{url}/pledges/campaigns/{campaign_pk}/")
    return int(page.get_by_test_id("cell-CB01").get_by_test_id("signed").inner_text())


def test_a_member_signs_on_a_phone_and_the_secretary_sees_it(
    page: Page, live_server, ward, secretary, member
):
    campaign = make_campaign(ward.committee)
    _log_in(page, live_server.url, "chibo01")
    before = _cell01_signed(page, live_server.url, campaign.pk)
    page.get_by_test_id("cell-CB01").get_by_role("link", name=ward.cell01.name).click()
    expect(page.get_by_test_id("unsigned-list")).to_contain_text("Lê Thị Viên")

    _log_in(page, live_server.url, "dangvien")
    page.locator(".navbar-toggler").click()
    page.locator("#nav").get_by_role("link", name=vi("Pledges"), exact=True).click()
    page.get_by_role("link", name=campaign.title).click()
    page.get_by_test_id("sign-link").click()
    expect(page.get_by_test_id("pledge-text")).to_contain_text(campaign.text)
    page.get_by_label(vi("Personal commitments")).fill(
        "Tham gia đầy đủ sinh hoạt chi bộ | 12/12 buổi\nGiúp đỡ hai hộ khó khăn trong tổ | 2 hộ | 31/12/2026"
    )
    page.get_by_label(vi("I have read the pledge above and commit to it.")).check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.get_by_test_id("sign").click()
    expect(page).to_have_url(re.compile(r"/pledges/\d+/$"))
    expect(page.get_by_test_id("commitments").locator("li")).to_have_count(2)
    assert Pledge.objects.get(member=member.member).lines.count() == 2

    _log_in(page, live_server.url, "chibo01")
    assert _cell01_signed(page, live_server.url, campaign.pk) == before + 1
    page.get_by_test_id("cell-CB01").get_by_role("link", name=ward.cell01.name).click()
    expect(page.get_by_test_id("unsigned-list")).not_to_contain_text("Lê Thị Viên")
    expect(page.get_by_test_id("signed-list")).to_contain_text("Lê Thị Viên")
