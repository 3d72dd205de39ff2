"""Importing a member list: the template, the preview, every refusal, the import itself (issue 14)."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from openpyxl import Workbook, load_workbook

from cells import importing, services
from cells.models import Member, MemberImport
from phuthang import periods
from tests.conftest import once, vi
from tests.factories import make_cell, make_committee, make_member

HEADER = [
    "Họ và tên",
    "Giới tính",
    "Ngày sinh",
    "Số thẻ đảng viên",
    "Chi bộ (mã hoặc tên)",
    "Ngày vào Đảng",
    "Ngày chính thức",
    "Điện thoại",
    "Email",
]
GOOD = [
    "Nguyễn Văn Mới",
    "Nam",
    "19/05/1975",
    "31.000001",
    "CB01",
    "26/03/2000",
    "26/03/2001",
    "0912345678",
    "",
]


TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def windows_1258(text: str) -> bytes:
    """As old Vietnamese Excel writes it: precomposed â, ơ, ư…, the five tones as combining marks."""
    out = b""
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            marks = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(m for m in marks if m not in TONES))
            out += (base + "".join(m for m in marks if m in TONES)).encode("cp1258")
    return out


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8", header: list[str] | None = None) -> bytes:
    lines = [",".join(header or HEADER), *(",".join(r) for r in rows)]
    text = "\r\n".join(lines) + "\r\n"
    return windows_1258(text) if encoding == "cp1258" else text.encode(encoding)


def xlsx_bytes(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header or HEADER)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: Any, content: bytes, *, scope: str, name: str = "danhsach.csv") -> Any:
    data = once(scope=scope, file=SimpleUploadedFile(name, content))
    return client.post("/members/import/", data)


def preview(client: Any, staff: Any, committee: Any, content: bytes, name: str = "danhsach.csv") -> Any:
    client.force_login(staff)
    response = upload(client, content, scope=f"committee:{committee.pk}", name=name)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"])


def last_import() -> MemberImport:
    return MemberImport.objects.order_by("-pk").first()


# --- the template


def test_the_template_lists_the_columns_and_an_example_row(client, staff, ward):
    client.force_login(staff)
    response = client.get("/members/import/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[2][1:] == HEADER
    assert rows[3][1] == "Nguyễn Văn An"


def test_the_filled_template_previews_and_imports(client, staff, ward):
    client.force_login(staff)
    book = load_workbook(io.BytesIO(client.get("/members/import/template.xlsx").content))
    sheet = book.active
    sheet.cell(row=4, column=6, value="CB02")
    out = io.BytesIO()
    book.save(out)
    page = preview(client, staff, ward.committee, out.getvalue(), name="mau.xlsx")
    assert vi("New member") in page.content.decode()
    client.post(f"/members/imports/{last_import().pk}/confirm/")
    made = Member.objects.get(card_number="12.345678")
    assert (made.full_name, made.cell, made.birth_date) == (
        "Nguyễn Văn An",
        ward.cell02,
        dt.date(1975, 5, 19),
    )


# --- the preview writes nothing; the import writes all


def test_the_preview_says_what_each_row_will_do_and_writes_no_member(client, staff, ward):
    kept = ward.members01[0]
    gender = str(kept.get_gender_display())  # Nam or Nữ, as the factory made them
    same = [kept.full_name, gender, f"{kept.birth_date:%d/%m/%Y}", kept.card_number, "CB01", "", "", "", ""]
    other = ward.members02[0]
    changed = [
        other.full_name,
        str(other.get_gender_display()),
        f"{other.birth_date:%d/%m/%Y}",
        other.card_number,
        "CB02",
        "",
        "",
        "0987654321",
        "",
    ]
    before = Member.objects.count()
    page = preview(client, staff, ward.committee, csv_bytes([GOOD, same, changed])).content.decode()
    assert Member.objects.count() == before
    assert vi("New member") in page and vi("Unchanged") in page and vi("Update") in page
    assert escape(vi("Phone")) in page  # the update names what changes


def test_confirm_imports_every_row_and_records_the_import(client, staff, ward):
    second = ["Trần Thị Hai", "Nữ", "01/02/1980", "", "Chi bộ Trường Tiểu học", "", "", "", ""]
    content = csv_bytes([GOOD, second])
    preview(client, staff, ward.committee, content)
    response = client.post(f"/members/imports/{last_import().pk}/confirm/", follow=True)
    assert Member.objects.filter(full_name="Nguyễn Văn Mới", cell=ward.cell01).exists()
    assert Member.objects.filter(full_name="Trần Thị Hai", cell=ward.cell02, card_number=None).exists()
    done = last_import()
    assert (done.status, done.created, done.updated, done.rows) == ("imported", 2, 0, 2)
    assert done.uploaded_by == staff and done.file_name == "danhsach.csv" and len(done.sha256) == 64
    message = "Imported: %(created)d new members, %(updated)d updated, %(unchanged)d unchanged."
    assert escape(vi(message, created=2, updated=0, unchanged=0)) in response.content.decode()


def test_each_change_of_an_import_is_in_the_history(client, staff, ward):
    from cells.models import MemberEvent  # type: ignore[attr-defined]

    preview(client, staff, ward.committee, csv_bytes([GOOD]))
    client.post(f"/members/imports/{last_import().pk}/confirm/")
    made = Member.objects.get(card_number="31.000001")
    assert MemberEvent.objects.filter(pgh_obj_id=made.pk, pgh_label="insert").exists()


def test_importing_the_same_file_again_changes_nothing_and_says_so(client, staff, ward):
    content = csv_bytes([GOOD])
    preview(client, staff, ward.committee, content)
    client.post(f"/members/imports/{last_import().pk}/confirm/")
    member = Member.objects.get(card_number="31.000001")
    page = preview(client, staff, ward.committee, content).content.decode()
    assert escape(vi("Nothing to import: every member in the file is already as it says.")) in page
    assert vi("Unchanged") in page
    response = client.post(f"/members/imports/{last_import().pk}/confirm/", follow=True)
    assert (
        escape(vi("Nothing changed: every member in the file is already as it says."))
        in response.content.decode()
    )
    member.refresh_from_db()
    assert member.version == 1 and Member.objects.filter(card_number="31.000001").count() == 1


def test_a_row_matches_by_name_and_birth_date_when_it_has_no_card(client, staff, ward):
    person = make_member(
        ward.cell01, full_name="Đỗ Văn Khớp", birth_date=dt.date(1970, 7, 7), card_number=None
    )
    row = ["Đỗ Văn Khớp", "Nam", "07/07/1970", "22.000222", "CB01", "", "", "", ""]
    preview(client, staff, ward.committee, csv_bytes([row]))
    client.post(f"/members/imports/{last_import().pk}/confirm/")
    person.refresh_from_db()
    assert person.card_number == "22.000222"
    assert Member.objects.filter(full_name="Đỗ Văn Khớp").count() == 1


def test_a_file_with_one_bad_row_imports_nothing(client, staff, ward):
    bad = ["Lê Văn Sai", "Nam", "31/02/1970", "", "CB01", "", "", "", ""]
    preview(client, staff, ward.committee, csv_bytes([GOOD, bad]))
    response = client.post(f"/members/imports/{last_import().pk}/confirm/", follow=True)
    assert not Member.objects.filter(full_name="Nguyễn Văn Mới").exists()
    assert last_import().status == "previewed"
    message = "Nothing was imported: %(count)d row(s) have problems. Correct the file and upload it again."
    assert escape(vi(message, count=1)) in response.content.decode()


# --- encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1258"])
def test_a_csv_in_utf8_with_or_without_bom_or_windows_1258_keeps_the_diacritics_in_nfc(
    client, staff, ward, encoding
):
    name = "Nguyễn Thị Ngọc Ánh"
    row = [name, "Nữ", "01/01/1980", "", "CB01", "", "", "", ""]
    content = csv_bytes([row], encoding=encoding)
    if encoding == "cp1258":
        assert b"\xcc" in content or b"\xde" in content  # a tone as a combining mark, to be put together
    preview(client, staff, ward.committee, content)
    client.post(f"/members/imports/{last_import().pk}/confirm/")
    made = Member.objects.get(birth_date=dt.date(1980, 1, 1), cell=ward.cell01, full_name__startswith="Nguy")
    assert made.full_name == name and unicodedata.is_normalized("NFC", made.full_name)


def test_a_semicolon_separated_csv_is_read(client, staff, ward):
    content = ("\n".join([";".join(HEADER), ";".join(GOOD)]) + "\n").encode()
    page = preview(client, staff, ward.committee, content).content.decode()
    assert vi("New member") in page


# --- refusals of the whole file: nothing is kept, the message says why


def refused(client: Any, staff: Any, committee: Any, content: bytes, name: str = "danhsach.csv") -> str:
    client.force_login(staff)
    before = MemberImport.objects.count(), Member.objects.count()
    response = upload(client, content, scope=f"committee:{committee.pk}", name=name)
    assert response.status_code == 200
    assert (MemberImport.objects.count(), Member.objects.count()) == before
    return response.content.decode()


def test_a_wrong_encoding_is_refused(client, staff, ward):
    content = csv_bytes([GOOD]) + b"\x81\x8d bad"
    page = refused(client, staff, ward.committee, content)
    assert "UTF-8" in page and "Windows-1258" in page


def test_a_utf16_file_is_refused_by_its_encoding(client, staff, ward):
    page = refused(client, staff, ward.committee, csv_bytes([GOOD], encoding="utf-16"))
    assert "UTF-16" in page


def test_a_file_that_is_not_a_spreadsheet_is_refused_whatever_its_name(client, staff, ward):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    page = refused(client, staff, ward.committee, png, name="danhsach.xlsx")
    assert (
        escape(vi("This file is not a spreadsheet: upload the template filled in, as .xlsx or .csv.")) in page
    )


def test_a_zip_that_is_not_a_workbook_is_refused(client, staff, ward):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    page = refused(client, staff, ward.committee, out.getvalue(), name="danhsach.xlsx")
    assert (
        escape(vi("This file is not a spreadsheet: upload the template filled in, as .xlsx or .csv.")) in page
    )


def test_an_old_xls_file_is_refused_with_how_to_save_it(client, staff, ward):
    page = refused(client, staff, ward.committee, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert ".xls" in page


def test_a_file_over_the_size_limit_is_refused(client, staff, ward, settings):
    settings.MEMBER_IMPORT_MAX_BYTES = 1024
    page = refused(client, staff, ward.committee, csv_bytes([GOOD] * 40))
    assert escape(vi("The file is larger than %(limit)d MB: split it into smaller files.", limit=1)) in page


def test_a_file_over_the_row_limit_is_refused(client, staff, ward, settings):
    settings.MEMBER_IMPORT_MAX_ROWS = 3
    page = refused(client, staff, ward.committee, csv_bytes([GOOD] * 20))
    assert escape(vi("The file has more than %(limit)d rows: split it into smaller files.", limit=3)) in page


def test_a_template_missing_a_required_column_is_refused(client, staff, ward):
    header = [h for h in HEADER if h != "Giới tính"]
    row = [v for h, v in zip(HEADER, GOOD, strict=True) if h != "Giới tính"]
    page = refused(client, staff, ward.committee, csv_bytes([row], header=header))
    message = vi("The file lacks the columns %(columns)s: use the template's columns.", columns="“Giới tính”")
    assert escape(message) in page


def test_a_column_twice_is_refused(client, staff, ward):
    page = refused(client, staff, ward.committee, csv_bytes([[*GOOD, "x"]], header=[*HEADER, "Họ và tên"]))
    assert escape(vi("The column “%(column)s” is in the file twice.", column="Họ và tên")) in page


# --- foreign headers: mapped once, remembered


def test_a_file_with_other_headers_is_mapped_once_and_the_mapping_remembered(client, staff, ward):
    header = ["Tên đảng viên", "Phái", "Đơn vị", "Ghi chú"]
    content = csv_bytes([["Phan Văn Lạ", "Nam", "CB01", "x"]], header=header)
    client.force_login(staff)
    response = upload(client, content, scope=f"committee:{ward.committee.pk}")
    assert client.get(response["Location"])["Location"] == f"/members/imports/{last_import().pk}/columns/"
    refused_map = client.post(f"/members/imports/{last_import().pk}/columns/", {"full_name": "0"})
    assert "Giới tính" in refused_map.content.decode()
    client.post(
        f"/members/imports/{last_import().pk}/columns/", {"full_name": "0", "gender": "1", "cell": "2"}
    )
    page = client.get(f"/members/imports/{last_import().pk}/").content.decode()
    assert vi("New member") in page
    # the next file of the same shape goes straight to its preview
    response = upload(client, content, scope=f"committee:{ward.committee.pk}")
    assert client.get(response["Location"]).status_code == 200


# --- refusals of rows: listed by row and column in Vietnamese, nothing imported


def problems_of(client: Any, staff: Any, committee: Any, rows: list[list[Any]], xlsx: bool = False) -> str:
    content = xlsx_bytes(rows) if xlsx else csv_bytes(rows)
    page = preview(client, staff, committee, content, name="ds.xlsx" if xlsx else "ds.csv").content.decode()
    response = client.post(f"/members/imports/{last_import().pk}/confirm/")
    assert response.status_code == 302
    assert last_import().status == "previewed"
    assert not Member.objects.filter(full_name__in=[r[0] for r in rows]).exists()
    return page


def row_with(**changes: str) -> list[str]:
    keys = list(importing.KEYS)
    row = list(GOOD)
    for key, value in changes.items():
        row[keys.index(key)] = value
    return row


def say(row: int, column: str, message: str) -> str:
    return escape(
        vi("Row %(number)s, column “%(column)s”: %(message)s", number=row, column=column, message=message)
    )


def test_a_future_date_is_refused(client, staff, ward):
    future = periods.today() + dt.timedelta(days=3)
    page = problems_of(
        client, staff, ward.committee, [row_with(admitted_on=f"{future:%d/%m/%Y}", official_on="")]
    )
    assert say(2, "Ngày vào Đảng", vi("%(date)s is in the future.", date=f"{future:%d/%m/%Y}")) in page


def test_an_impossible_date_is_refused(client, staff, ward):
    page = problems_of(client, staff, ward.committee, [row_with(birth_date="31/02/1970")])
    assert (
        say(2, "Ngày sinh", vi("“%(value)s” is not a date: write it as dd/mm/yyyy.", value="31/02/1970"))
        in page
    )


def test_admission_after_the_official_date_is_refused(client, staff, ward):
    page = problems_of(
        client, staff, ward.committee, [row_with(admitted_on="01/06/2001", official_on="01/01/2001")]
    )
    assert say(2, "Ngày chính thức", vi("The official date is before the admission date.")) in page


def test_duplicate_card_numbers_in_the_file_are_refused(client, staff, ward):
    second = row_with(full_name="Trần Văn Trùng", birth_date="02/02/1982")
    page = problems_of(client, staff, ward.committee, [GOOD, second])
    message = vi("The card number %(card)s is also on row(s) %(rows)s.", card="31.000001", rows="2")
    assert say(3, "Số thẻ đảng viên", message) in page


def test_a_malformed_card_number_is_refused(client, staff, ward):
    page = problems_of(client, staff, ward.committee, [row_with(card_number="3100001")])
    message = vi("“%(value)s” is not a party card number: it looks like 12.345678.", value="3100001")
    assert say(2, "Số thẻ đảng viên", message) in page


def test_a_cell_that_does_not_exist_is_an_error_not_a_new_cell(client, staff, ward):
    page = problems_of(client, staff, ward.committee, [row_with(cell="CB99")])
    assert (
        say(
            2,
            "Chi bộ (mã hoặc tên)",
            vi("There is no cell “%(cell)s”: write its code or its name.", cell="CB99"),
        )
        in page
    )
    assert not ward.committee.cells.filter(code="CB99").exists()


def test_a_cell_of_another_committee_is_refused(client, staff, ward):
    make_cell(make_committee(), code="XA01", name="Chi bộ xã khác")
    page = problems_of(client, staff, ward.committee, [row_with(cell="XA01")])
    assert (
        say(2, "Chi bộ (mã hoặc tên)", vi("The cell “%(cell)s” belongs to another committee.", cell="XA01"))
        in page
    )


def test_a_formula_instead_of_a_value_is_refused(client, staff, ward):
    row: list[Any] = row_with()
    row[0] = '=HYPERLINK("http://evil","Nguyễn Văn Mới")'
    page = problems_of(client, staff, ward.committee, [row], xlsx=True)
    assert (
        escape(vi("The cell holds a formula (%(formula)s): write the value itself.", formula=row[0][:40]))
        in page
    )


def test_text_beginning_with_an_equals_sign_in_a_csv_is_a_name_problem_not_a_formula_run(client, staff, ward):
    page = problems_of(client, staff, ward.committee, [row_with(gender="=1+1")])
    assert say(2, "Giới tính", vi("“%(value)s” is not a gender: write Nam or Nữ.", value="=1+1")) in page


# --- who may import


def test_a_secretary_imports_for_their_own_cell_only(client, secretary, ward):
    client.force_login(secretary)
    page = client.get("/members/import/").content.decode()
    assert f"cell:{ward.cell01.pk}" in page and f"committee:{ward.committee.pk}" not in page
    other_cell = row_with(cell="CB02", card_number="31.000002", full_name="Ngô Thị Khác")
    response = upload(client, csv_bytes([GOOD, other_cell]), scope=f"cell:{ward.cell01.pk}")
    page = client.get(response["Location"]).content.decode()
    assert (
        say(
            3,
            "Chi bộ (mã hoặc tên)",
            vi("You may import only the members of %(cell)s.", cell=ward.cell01.name),
        )
        in page
    )


def test_a_secretary_may_not_import_into_the_committee(client, secretary, ward):
    client.force_login(secretary)
    response = upload(client, csv_bytes([GOOD]), scope=f"committee:{ward.committee.pk}")
    assert response.status_code == 200 and not MemberImport.objects.exists()


def test_an_ordinary_member_may_not_open_the_import(client, member, ward):
    client.force_login(member)
    assert client.get("/members/import/").status_code == 403


def test_another_secretary_does_not_see_a_cells_import(client, secretary, other_secretary, ward):
    client.force_login(secretary)
    response = upload(client, csv_bytes([GOOD]), scope=f"cell:{ward.cell01.pk}")
    client.force_login(other_secretary)
    assert client.get(response["Location"]).status_code == 404


def test_a_double_tap_on_import_imports_once(client, staff, ward):
    preview(client, staff, ward.committee, csv_bytes([GOOD]))
    pk = last_import().pk
    client.post(f"/members/imports/{pk}/confirm/")
    response = client.post(f"/members/imports/{pk}/confirm/", follow=True)
    assert Member.objects.filter(card_number="31.000001").count() == 1
    assert (
        escape(vi("Already imported: this file was imported once, nothing more changed."))
        in response.content.decode()
    )


def test_the_import_service_refuses_a_file_whose_rows_went_bad_since_the_preview(staff, ward):
    scope = importing.Scope(committee=ward.committee)
    upload = services.upload_member_list(scope=scope, file_name="a.csv", content=csv_bytes([GOOD]), by=staff)
    make_member(ward.cell02, card_number="31.000001")  # someone else's card meanwhile
    with pytest.raises(ValidationError):
        services.import_members(upload, by=staff)
    assert Member.objects.filter(card_number="31.000001").count() == 1


def test_a_card_and_a_phone_typed_as_numbers_in_excel_are_read_as_written(client, staff, ward):
    row: list[Any] = row_with()
    row[3], row[7] = 31.0001, 912345678  # Excel shows 31.000100 and drops the phone's leading 0
    preview(client, staff, ward.committee, xlsx_bytes([row]), name="ds.xlsx")
    client.post(f"/members/imports/{last_import().pk}/confirm/")
    made = Member.objects.get(full_name="Nguyễn Văn Mới")
    assert (made.card_number, made.phone) == ("31.000100", "0912345678")


@pytest.mark.parametrize("n", [10, 300])
def test_the_preview_runs_the_same_queries_however_many_rows(
    client, staff, ward, n, django_assert_num_queries
):
    rows = [row_with(full_name=f"Người Thứ {i}", card_number=f"40.{i:06d}") for i in range(n)]
    client.force_login(staff)
    response = upload(client, csv_bytes(rows), scope=f"committee:{ward.committee.pk}")
    # session, user, access (member), the import with committee, cell and uploader, its file, the
    # committee's cells, members by card, members by birth date, the earlier import of the same file
    with django_assert_num_queries(9):
        page = client.get(response["Location"])
    assert page.status_code == 200


# --- a large file: imported by the worker as a background job (phuthang.jobs)


def test_a_large_file_is_imported_by_a_background_job_with_its_progress(client, staff, ward, settings):
    from phuthang import jobs
    from phuthang.models import Job

    settings.MEMBER_IMPORT_BACKGROUND_ROWS = 2
    rows = [row_with(full_name=f"Người Nền {i}", card_number=f"50.{i:06d}") for i in range(5)]
    preview(client, staff, ward.committee, csv_bytes(rows))
    response = client.post(f"/members/imports/{last_import().pk}/confirm/")
    job = Job.objects.get(kind="registry_import")
    assert response["Location"] == job.get_absolute_url()
    assert not Member.objects.filter(full_name__startswith="Người Nền").exists()  # not in the request
    assert jobs.run(job.pk) == "done"
    job.refresh_from_db()
    assert Member.objects.filter(full_name__startswith="Người Nền").count() == 5
    assert job.result["created"] == 5 and job.result["url"] == last_import().get_absolute_url()
    assert last_import().status == "imported"


def test_a_background_import_whose_file_went_bad_fails_with_the_reason_and_writes_nothing(
    staff, ward, settings
):
    from phuthang import jobs

    scope = importing.Scope(committee=ward.committee)
    upload = services.upload_member_list(scope=scope, file_name="a.csv", content=csv_bytes([GOOD]), by=staff)
    job = jobs.start("registry_import", key="x", by=staff, params={"import_id": upload.pk})
    make_member(ward.cell02, card_number="31.000001")
    assert jobs.run(job.pk) == "failed"
    job.refresh_from_db()
    assert "Chưa nhập gì" in job.error
    assert Member.objects.filter(card_number="31.000001").count() == 1
