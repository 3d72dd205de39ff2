"""The member list, its export in the import template's columns, and the printable cell list (issue 14)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from openpyxl import load_workbook

from cells.models import Member, MemberImport
from tests.conftest import once, vi
from tests.factories import make_member


def sheet_rows(content: bytes) -> list[list]:
    return [list(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


def test_the_export_holds_the_filtered_members_in_the_template_columns(client, staff, ward):
    client.force_login(staff)
    response = client.get(f"/members/export.xlsx?cell={ward.cell02.pk}")
    rows = sheet_rows(response.content)
    names = {r[1] for r in rows[3:]}
    assert names == {m.full_name for m in ward.members02}
    assert rows[2][1:3] == ["Họ và tên", "Giới tính"]
    assert ward.cell02.name in rows[1][0]  # the filters applied, named


def test_an_export_imports_back_unchanged(client, staff, ward):
    make_member(ward.cell01, full_name="=Công Thức Giả", card_number=None, phone="")
    client.force_login(staff)
    content = client.get("/members/export.xlsx").content
    response = client.post(
        "/members/import/",
        once(scope=f"committee:{ward.committee.pk}", file=SimpleUploadedFile("xuat.xlsx", content)),
    )
    page = client.get(response["Location"]).content.decode()
    assert escape(vi("Nothing to import: every member in the file is already as it says.")) in page
    upload = MemberImport.objects.get()
    assert upload.rows == Member.objects.current().count()


def test_a_secretary_exports_only_their_cell(client, secretary, ward):
    client.force_login(secretary)
    rows = sheet_rows(client.get("/members/export.xlsx").content)
    assert {r[5] for r in rows[3:]} == {ward.cell01.code}


def test_the_list_filters_by_status(client, staff, ward):
    client.force_login(staff)
    page = client.get("/members/?status=probationary").content.decode()
    assert ward.members01[1].full_name in page and ward.members01[0].full_name not in page
    page = client.get("/members/?status=exempt").content.decode()
    assert ward.members01[2].full_name in page and ward.members01[1].full_name not in page


def test_a_member_who_left_is_listed_only_under_left(client, staff, ward):
    gone = make_member(
        ward.cell01, full_name="Người Đã Chuyển", left_on=dt.date(2024, 1, 1), left_reason="transferred"
    )
    client.force_login(staff)
    assert gone.full_name not in client.get("/members/").content.decode()
    assert gone.full_name in client.get("/members/?status=left").content.decode()


@pytest.mark.parametrize("n", [5, 120])
def test_the_member_list_runs_the_same_queries_however_many_members(
    client, staff, ward, n, django_assert_num_queries
):
    for i in range(n):
        make_member(ward.cell01, full_name=f"Đảng Viên {i}", card_number=None)
    client.force_login(staff)
    # session, user, access (member), the number of members, this page of members with their cell,
    # the cells of the filter
    with django_assert_num_queries(6):
        assert client.get("/members/").status_code == 200


def test_the_printable_list_shows_the_cells_current_members(client, secretary, ward):
    client.force_login(secretary)
    page = client.get(f"/cells/{ward.cell01.pk}/print/").content.decode()
    assert all(m.full_name in page for m in ward.members01)
    assert ward.members02[0].full_name not in page
