"""Remediation journeys on a phone: UBKT works the board, a member reports progress, cell02 sees nothing of 01.

The cast comes from tests/conftest.py: `inspector` is ubkt2, `member` is dangvien of cell01, `other_secretary`
is chibo02 of cell02.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from cells.models import Cell
from phuthang import periods
from reviews.forms.shortcomings import CELL_CHOICES_UP_TO
from reviews.models import Shortcoming
from tests.conftest import vi
from tests.factories import PASSWORD, make_cell, make_member, make_review, make_shortcoming

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=vi("Log in")).click()


def test_ubkt_filters_overdue_items_of_one_cell_verifies_one_and_reopens_another(page: Page, ward, inspector):
    today = periods.today()
    late = make_shortcoming(
        ward.cell01,
        description="Quá hạn chi bộ 1",
        raised_on=today - dt.timedelta(days=90),
        due_on=today - dt.timedelta(days=5),
    )
    make_shortcoming(
        ward.cell02,
        description="Quá hạn chi bộ 2",
        raised_on=today - dt.timedelta(days=90),
        due_on=today - dt.timedelta(days=5),
    )
    make_shortcoming(ward.cell01, description="Còn hạn chi bộ 1")
    fixed = make_shortcoming(ward.cell01, description="Đã báo cáo khắc phục", status="reported_fixed")
    verified = make_shortcoming(ward.cell01, description="Đã xác nhận trước", status="verified")

    log_in(page, "ubkt2")
    page.goto("/shortcomings/")
    page.get_by_text(vi("Filter")).first.click()
    page.get_by_label(vi("Due date")).select_option("overdue")
    page.get_by_label(vi("Cell"), exact=True).select_option(str(ward.cell01.pk))
    page.get_by_role("button", name=vi("Apply")).click()
    expect(page.get_by_test_id(f"shortcoming-{late.pk}")).to_be_visible()
    expect(page.get_by_test_id(f"shortcoming-{late.pk}").get_by_test_id("overdue")).to_be_visible()
    expect(page.get_by_text("Quá hạn chi bộ 2")).to_have_count(0)
    expect(page.get_by_text("Còn hạn chi bộ 1")).to_have_count(0)

    page.goto(f"/shortcomings/?cell={ward.cell01.pk}")
    card = page.get_by_test_id(f"shortcoming-{fixed.pk}")
    card.get_by_placeholder(vi("Note (needed to reopen)")).fill("Đã kiểm tra tại chi bộ")
    card.get_by_role("button", name=vi("Verify")).click()
    page.get_by_role("button", name=vi("Yes, verify the fix")).click()  # asked once, the note carried over
    expect(page.get_by_test_id(f"shortcoming-{fixed.pk}").get_by_test_id("status")).to_have_text(
        vi("Verified")
    )

    card = page.get_by_test_id(f"shortcoming-{verified.pk}")
    card.get_by_placeholder(vi("Note (needed to reopen)")).fill("Phát hiện tái phạm")
    card.get_by_role("button", name=vi("Reopen")).click()
    expect(page.get_by_test_id(f"shortcoming-{verified.pk}").get_by_test_id("status")).to_have_text(
        vi("In progress")
    )
    fixed.refresh_from_db()
    verified.refresh_from_db()
    assert (fixed.status, fixed.verification_note) == ("verified", "Đã kiểm tra tại chi bộ")
    assert (verified.status, verified.verification_note) == ("in_progress", "Phát hiện tái phạm")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_member_reports_progress_on_their_own_shortcoming(page: Page, ward, member):
    item = make_shortcoming(ward.cell01, subject_member=member.member, description="Vắng sinh hoạt 2 tháng")
    log_in(page, "dangvien")
    page.goto(f"/members/{member.member.pk}/reviews/")
    page.get_by_role("link", name=vi("Report progress")).click()
    page.get_by_label(vi("What has been done")).fill("Đã dự đủ các buổi sinh hoạt tháng này")
    page.get_by_role("button", name=vi("Send the report")).click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Đã dự đủ các buổi sinh hoạt tháng này")
    expect(page.get_by_test_id("status")).to_have_text(vi("In progress"))
    assert Shortcoming.objects.get(pk=item.pk).status == "in_progress"


def test_chibo02_reaches_none_of_cell01s_reviews_or_shortcomings(page: Page, ward, other_secretary):
    review = make_review(member=ward.members01[0])
    item = make_shortcoming(ward.cell01, description="Của chi bộ 1")
    log_in(page, "chibo02")
    for url in (
        f"/reviews/{review.pk}/",
        f"/shortcomings/{item.pk}/",
        f"/cells/{ward.cell01.pk}/reviews/",
        f"/shortcomings/{item.pk}/report/",
        f"/reviews/{review.pk}/propose/",
    ):
        response = page.goto(url)
        assert response is not None and response.status == 404, url
    page.goto("/shortcomings/")
    expect(page.get_by_text("Của chi bộ 1")).to_have_count(0)


def test_ubkt_of_many_cells_types_part_of_a_name_and_taps_the_cell_suggested(page: Page, inspector):
    committee = inspector.member.cell.committee
    for i in range(CELL_CHOICES_UP_TO):
        make_cell(committee, name=f"Chi bộ Thôn {i:03d}", code=f"TH{i:03d}")
    chosen = Cell.objects.get(code="TH042")
    make_member(chosen, full_name="Đỗ Văn Bốn Hai")
    log_in(page, "ubkt2")
    page.goto("/shortcomings/new/")
    page.get_by_label(vi("Cell (name or code)")).press_sequentially("thôn 042", delay=20)
    suggestion = page.get_by_test_id("cell-suggestions").get_by_role("link")
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_have_text("Chi bộ Thôn 042 (TH042)")
    suggestion.click()
    expect(page.get_by_test_id("chosen-cell")).to_contain_text("Chi bộ Thôn 042")
    expect(page.locator("select[name=subject_member] option")).to_have_count(
        2
    )  # the collective, the one member
