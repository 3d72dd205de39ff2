"""The monthly ward report: a DOCX compiled from the records, A4, with the official heading, whose numbers
equal a direct count; the same for a quarter and a year."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
import time_machine
from docx.shared import Cm

from reviews.models import Meeting, Shortcoming
from tests.factories import make_meeting, make_member, make_shortcoming
from tests.reviews.test_dashboard_views import MONTH, march  # noqa: F401  # the March 2026 records

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> tuple[docx.document.Document, str]:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return document, "\n".join(parts)


def _get(client, query: str):
    with time_machine.travel(dt.datetime(2026, 4, 2, 12, 0), tick=False):
        return client.get(f"/dashboard/report.docx?{query}")


@pytest.mark.usefixtures("march")
def test_the_monthly_report_is_an_a4_docx_with_the_heading_and_the_months_numbers(client, leader, ward):
    client.force_login(leader)
    response = _get(client, "period=month&month=2026-03")
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert 'filename="bao-cao-2026-03.docx"' in response["Content-Disposition"]
    document, text = _text(response.content)
    section = document.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.01) and abs(section.page_height - Cm(29.7)) < Cm(0.01)
    assert "ĐẢNG BỘ PHƯỜNG PHÚC THẮNG" in text and "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "tháng 03/2026" in text
    finalised = Meeting.objects.filter(month=MONTH, kind="regular", status="finalised").count()
    assert f"3 chi bộ. Sinh hoạt thường kỳ đã hoàn tất biên bản: {finalised}/3 (33%)" in text
    assert "1 còn bản nháp; 1 chưa ghi nhận" in text
    assert "(Hướng dẫn 12-HD/BTCTW): 0/1" in text
    assert "1/2 đảng viên có mặt (50%); 0 lượt vắng có lý do, 1 lượt vắng không lý do" in text
    assert "3 lượt phân công chi bộ theo tháng; đảng ủy viên phụ trách đã dự 1 và đánh giá 1" in text
    active = Shortcoming.objects.filter(status__in=Shortcoming.ACTIVE)
    overdue = active.filter(due_on__lt=dt.date(2026, 4, 2)).count()
    assert f"đang khắc phục: {active.count()}, trong đó {overdue} quá hạn" in text and overdue == 1
    assert "T/M ĐẢNG ỦY" in text


@pytest.mark.usefixtures("march")
def test_the_quarterly_and_yearly_reports_cover_their_months(client, leader, ward):
    client.force_login(leader)
    _document, quarter = _text(_get(client, "period=quarter&month=2026-02").content)
    assert all(f"{m:02d}/2026" in quarter for m in (1, 2, 3)) and "04/2026" not in quarter.split("\n", 3)[-1]
    response = _get(client, "period=year&month=2026-03")
    assert 'filename="bao-cao-2026.docx"' in response["Content-Disposition"]
    _document, year = _text(response.content)
    assert all(f"{m:02d}/2026" in year for m in range(1, 13))


def test_a_secretary_gets_no_ward_report(client, secretary):
    client.force_login(secretary)
    assert client.get("/dashboard/report.docx").status_code == 404


@pytest.mark.parametrize("n", [1, 20])
def test_the_report_runs_the_same_queries_however_many_cells(
    client, leader, ward, n, django_assert_num_queries
):
    from tests.factories import make_cell

    for number in range(n):
        cell = make_cell(ward.committee, code=f"X{number:02d}")
        make_member(cell)
        make_meeting(cell)
        make_shortcoming(cell)
    client.force_login(leader)
    client.get("/dashboard/report.docx")
    # session, user, access (member, positions, assignments, committee tree), the committee, the months'
    # counts, the assignments, the shortcomings, the latest round, the cells' count, the place rule
    with django_assert_num_queries(13):
        client.get("/dashboard/report.docx")
