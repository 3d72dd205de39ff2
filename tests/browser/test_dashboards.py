"""Each person's home answers their question on a phone: the overseer sees which cells still need a score."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from playwright.sync_api import Page, expect

from phuthang import periods
from reviews.models import MeetingAssessment
from reviews.services import meetings as meeting_services
from tests.conftest import vi
from tests.factories import PASSWORD, make_assignment, make_cell, make_meeting, make_member, make_shortcoming

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _finalise(meeting):
    member = meeting.attendance.select_related("member").first().member
    meeting = meeting_services.save_meeting(
        meeting,
        version=meeting.version,
        by=None,
        changes=meeting_services.SheetChanges(
            fields={
                "ended_at": dt.time(10, 0),
                "resolution": "Nghị quyết",
                "chair": member,
                "recorder": member,
            }
        ),
    )
    return meeting_services.finalise_meeting(meeting, by=None)


def test_an_overseer_sees_on_a_phone_which_of_this_months_cells_still_need_a_score(
    page: Page, live_server, ward, overseer
):
    scored = make_cell(ward.committee, name="Chi bộ Đã chấm", code="CB07")
    make_member(scored)
    make_member(ward.cell02)
    for cell in (ward.cell02, scored):
        make_assignment(overseer.member, cell)
    old = make_cell(ward.committee, name="Chi bộ Tháng trước", code="CB06")
    make_assignment(overseer.member, old, periods.add_months(periods.month_start(), -1))
    day = periods.today().replace(day=20)
    with time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))):
        to_score = _finalise(make_meeting(ward.cell02))
        done = _finalise(make_meeting(scored))
        meeting_services.assess_meeting(
            done, overseer=overseer.member, version=0, attended=True, verdict=MeetingAssessment.Verdict.MEETS
        )

    page.goto(f"{live_server.url}/")
    page.locator("input[name=username]").fill("uyvien01")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=vi("Log in")).click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/overseer/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone

    this_month = page.get_by_test_id("this-month")
    needs_score = this_month.locator('[data-state="finalised"]')
    expect(needs_score).to_have_count(1)
    expect(needs_score).to_contain_text(ward.cell02.name)
    expect(needs_score).to_contain_text(vi("Finalised, not scored yet"))
    expect(this_month.get_by_test_id(f"cell-{scored.pk}")).to_contain_text(vi("Scored by me"))
    expect(this_month.get_by_test_id(f"cell-{ward.cell01.pk}")).to_contain_text(vi("Not held yet"))
    expect(this_month).not_to_contain_text("Chi bộ Tháng trước")
    expect(page.get_by_test_id("last-month")).to_contain_text("Chi bộ Tháng trước")

    needs_score.get_by_role("link", name=vi("Score the meeting")).click()
    expect(page).to_have_url(f"{live_server.url}/meetings/{to_score.pk}/assess/")


def test_the_ward_secretary_follows_overdue_shortcomings_from_the_dashboard_to_the_list_and_exports_it(
    page: Page, live_server, ward, leader
):
    late = make_shortcoming(
        ward.cell01, description="Chậm nộp báo cáo khắc phục", due_on=periods.today() - dt.timedelta(days=3)
    )
    make_shortcoming(ward.cell02, description="Còn trong hạn khắc phục")

    page.goto(f"{live_server.url}/")
    page.locator("input[name=username]").fill("bithu")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=vi("Log in")).click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone

    overdue = page.get_by_role("link").filter(has_text=vi("Overdue shortcomings"))
    expect(overdue).to_contain_text("1")
    overdue.click()
    expect(page).to_have_url(f"{live_server.url}/shortcomings/?timeliness=overdue")
    expect(page.get_by_text(late.description)).to_be_visible()
    expect(page.get_by_text("Còn trong hạn khắc phục")).to_have_count(0)

    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(
        download.value.path(), "rb"
    ) as file:  # playwright's file has no extension: openpyxl reads bytes
        sheet = openpyxl.load_workbook(file).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(late.description in text for text in cells)
    assert not any("Còn trong hạn khắc phục" in text for text in cells)
