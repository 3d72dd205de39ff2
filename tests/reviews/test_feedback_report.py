"""The periodic report: counts per kind, channel, jurisdiction and state for a month, quarter, 6, 9 months, year."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from reviews.models import FeedbackItem
from reviews.services import feedback as services
from tests.factories import make_feedback

pytestmark = pytest.mark.django_db


def test_the_six_and_nine_months_run_from_january_and_a_quarter_is_three_months():
    assert services.report_period("quarter", 2026, 3) == services.Period(
        "quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 30)
    )
    assert services.report_period("six", 2026).end == dt.date(2026, 6, 30)
    assert services.report_period("nine", 2026).end == dt.date(2026, 9, 30)
    assert services.report_period("month", 2026, 2).end == dt.date(2026, 2, 28)
    assert services.report_period("year", 2026).end == dt.date(2026, 12, 31)


def _counts(rows):
    return {(row.dimension, row.label): row.count for row in rows}


def test_the_counts_cover_only_the_items_received_in_the_period(ward):
    member = ward.members01[0]
    make_feedback(ward.committee, concerned_member=member, received_on=dt.date(2026, 2, 3))
    make_feedback(
        ward.committee,
        concerned_member=member,
        received_on=dt.date(2026, 5, 3),
        kind="proposal",
        channel="online",
    )
    make_feedback(
        ward.committee,
        concerned_member=member,
        received_on=dt.date(2026, 8, 3),
        status="forwarded",
        jurisdiction="state",
    )
    six = _counts(services.report_counts(FeedbackItem.objects.all(), services.report_period("six", 2026)))
    assert six[("Tổng số", "Số đơn, ý kiến tiếp nhận")] == 2
    assert six[("Loại", "Tố cáo")] == 1 and six[("Loại", "Kiến nghị")] == 1
    assert six[("Hình thức tiếp nhận", "Trực tuyến")] == 1
    nine = _counts(services.report_counts(FeedbackItem.objects.all(), services.report_period("nine", 2026)))
    assert nine[("Tổng số", "Số đơn, ý kiến tiếp nhận")] == 3
    assert nine[("Trạng thái", "Đã chuyển đi")] == 1


def test_the_report_page_and_its_sheet_show_the_same_counts(client, ward, leader):
    make_feedback(ward.committee, concerned_member=ward.members01[0], received_on=dt.date(2026, 3, 10))
    client.force_login(leader)
    query = {"period": "quarter", "year": 2026, "number": 1}
    page = client.get("/feedback/report/", query)
    assert page.status_code == 200 and "Quý 1/2026" in page.content.decode()
    sheet = load_workbook(io.BytesIO(client.get("/feedback/report.xlsx", query).content)).active
    rows = {(r[1], r[2]): r[3] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows[("Tổng số", "Số đơn, ý kiến tiếp nhận")] == 1 and rows[("Loại", "Tố cáo")] == 1


def test_the_report_document_holds_the_same_counts(client, ward, leader):
    from docx import Document

    make_feedback(ward.committee, concerned_member=ward.members01[0], received_on=dt.date(2026, 3, 10))
    client.force_login(leader)
    response = client.get("/feedback/report.docx", {"period": "year", "year": 2026})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    table = Document(io.BytesIO(response.content)).tables[1]
    rows = {(r.cells[0].text, r.cells[1].text): r.cells[2].text for r in table.rows[1:]}
    assert rows[("Tổng số", "Số đơn, ý kiến tiếp nhận")] == "1"
