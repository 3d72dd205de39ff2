"""A citizen's letter on a phone: the office records it, UBKT concludes it and raises a shortcoming, and the
cell's secretary sees the shortcoming and the item but never who denounced.

The cast comes from tests/conftest.py: `staff` is vanphong, `inspector` is ubkt2, `secretary` is chibo01.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from reviews.models import FeedbackItem
from tests.browser.test_reviews import log_in
from tests.conftest import vi

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
DENOUNCER = "Trần Văn Tố"


def test_a_letter_about_a_member_of_cell01_becomes_a_shortcoming_and_the_denouncer_stays_secret(
    page: Page, ward, staff, inspector, secretary
):
    concerned = ward.members01[0]
    log_in(page, "vanphong")
    page.goto("/feedback/")
    page.get_by_role("link", name=vi("Record an item")).click()
    page.get_by_label(vi("Channel")).select_option("letter")
    page.get_by_label(vi("Kind")).select_option("denunciation")
    page.get_by_label(vi("Sender's name")).fill(DENOUNCER)
    page.get_by_label(vi("Sender's address")).fill("Số 5 ngõ 12, tổ dân phố 1")
    page.get_by_label(vi("Content")).fill("Đồng chí dùng xe công vào việc riêng.")
    page.get_by_label(vi("It concerns")).select_option("member")
    page.get_by_label(vi("Member concerned")).select_option(str(concerned.pk))
    page.get_by_role("button", name=vi("Save")).click()
    expect(page.get_by_test_id("sender")).to_have_text(vi("The denouncer's identity is kept secret"))
    item = FeedbackItem.objects.get()
    assert (item.sender_name, item.concerned_member_id) == (DENOUNCER, concerned.pk)

    page.get_by_role("link", name=vi("Classify")).click()
    page.get_by_label(vi("Jurisdiction")).select_option("ubkt")
    page.get_by_role("button", name=vi("Save")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(vi("Accepted, being handled"))

    page.context.clear_cookies()
    log_in(page, "ubkt2")
    page.goto(f"/feedback/{item.pk}/")
    page.get_by_role("link", name=vi("Conclude")).click()
    page.locator("#id_conclusion").fill("Nội dung tố cáo đúng: đã dùng xe công hai lần.")
    page.get_by_label(vi("The conclusion finds fault")).check()
    page.get_by_role("button", name=vi("Save the conclusion")).click()
    expect(page.get_by_test_id("conclusion")).to_contain_text("đã dùng xe công hai lần")
    page.get_by_role("link", name=vi("Raise a shortcoming")).click()
    page.get_by_label(vi("Remediation plan")).fill("Kiểm điểm trước chi bộ, cam kết không tái phạm.")
    page.get_by_role("button", name=vi("Raise the shortcoming")).click()
    item.refresh_from_db()
    expect(page).to_have_url(f"{page.url.split('/shortcomings/')[0]}/shortcomings/{item.shortcoming_id}/")

    page.context.clear_cookies()
    log_in(page, "chibo01")
    page.goto(f"/shortcomings/{item.shortcoming_id}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(concerned.full_name)
    page.get_by_test_id("feedback-item").click()
    expect(page.get_by_test_id("sender")).to_have_text(vi("The denouncer's identity is kept secret"))
    expect(page.get_by_text(DENOUNCER)).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
