"""The minutes DOCX as it is sent and printed: an A4 page with the margins of Vietnamese administrative
documents, the place-date line in the official form, the overseer named, and any stored text writable.
"""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest

from reviews.models import Meeting, Rule
from tests.factories import make_assignment, make_meeting, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(ward, secretary):
    return make_meeting(
        ward.cell01, month=dt.date(2027, 1, 1), chair=secretary.member, recorder=secretary.member
    )


def _docx(client, user, meeting: Meeting) -> docx.document.Document:
    client.force_login(user)
    response = client.get(f"/meetings/{meeting.pk}/minutes.docx")
    assert response.status_code == 200
    return docx.Document(io.BytesIO(response.content))


def _text(document) -> str:
    cells = (cell.text for table in document.tables for row in table.rows for cell in row.cells)
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


def test_the_minutes_are_an_a4_page_with_the_margins_of_administrative_documents(client, secretary, meeting):
    document = _docx(client, secretary, meeting)
    (section,) = document.sections
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    top, bottom, left, right = (
        round(margin.cm, 2)
        for margin in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    )
    assert 2.0 <= top <= 2.5 and 2.0 <= bottom <= 2.5 and 3.0 <= left <= 3.5 and 1.5 <= right <= 2.0
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman" and 13 <= normal.size.pt <= 14


def test_the_place_date_line_is_in_the_official_form(client, secretary, meeting):
    document = _docx(client, secretary, meeting)
    assert "Phúc Thắng, ngày 05 tháng 01 năm 2027" in _text(document)  # from "Đảng bộ phường Phúc Thắng"


def test_the_place_comes_from_a_rule_when_one_is_set(client, secretary, meeting):
    Rule.objects.create(key="documents.place_name", value="Thành phố Hà Giang")
    document = _docx(client, secretary, meeting)
    assert "Thành phố Hà Giang, ngày 05 tháng 01 năm 2027" in _text(document)


def test_the_overseer_is_named_when_present(client, ward, secretary, meeting, cell02):
    overseer = make_person(cell02, "committee_member", username="uyvien", full_name="Đỗ Văn Phụ Trách")
    make_assignment(overseer.member, ward.cell01, meeting.month)
    Meeting.objects.filter(pk=meeting.pk).update(overseer_attended=True, guests="Bí thư đoàn phường")
    text = _text(_docx(client, secretary, meeting))
    assert "Bí thư đoàn phường; đồng chí Đỗ Văn Phụ Trách, đảng ủy viên phụ trách chi bộ" in text


def test_the_overseer_is_not_named_when_absent(client, ward, secretary, meeting, cell02):
    overseer = make_person(cell02, "committee_member", username="uyvien", full_name="Đỗ Văn Phụ Trách")
    make_assignment(overseer.member, ward.cell01, meeting.month)
    assert "Đỗ Văn Phụ Trách" not in _text(_docx(client, secretary, meeting))


def test_a_control_character_in_the_guests_does_not_break_the_docx(client, secretary, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(
        guests="Ông\x01 Nguyễn Văn Khách\x1f", resolution="Nghị\x02 quyết"
    )
    text = _text(_docx(client, secretary, meeting))
    assert "Ông Nguyễn Văn Khách" in text and "Nghị quyết" in text
