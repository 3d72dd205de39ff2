"""The shared XLSX sheet (phuthang.xlsx) on its own: text stays text, widths stay bounded, print set-up."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from django import forms
from openpyxl import load_workbook

from phuthang import xlsx
from phuthang.xlsx import DATE, NUMBER, Column


def _sheet(columns, rows):
    content = xlsx.write_xlsx(
        sheet_name="Danh sách", title="DANH SÁCH", filters="không", columns=columns, rows=rows
    )
    return content, load_workbook(io.BytesIO(content)).active


def test_text_that_looks_like_a_formula_stays_text():
    values = ["=1+1", "+84 912 345 678", "-5", "@SUM(A1:A2)", '=HYPERLINK("http://x.example","x")', "#N/A"]
    content, sheet = _sheet([Column("Nội dung")], [[value] for value in values])
    assert [sheet.cell(row=4 + n, column=2).value for n in range(len(values))] == values
    assert all(sheet.cell(row=4 + n, column=2).data_type == "s" for n in range(len(values)))
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


def test_control_characters_are_stripped_and_line_breaks_kept():
    _content, sheet = _sheet([Column("Nội dung")], [["a\x00b\x01c\x08d\x0be\x1ff\tg\nh\ufffe"]])
    assert sheet.cell(row=4, column=2).value == "abcdef\tg\nh"


def test_widths_fit_the_content_within_bounds_and_a_narrow_sheet_prints_upright():
    long_text = "rất dài " * 40
    columns = [Column("Tên", max_width=20), Column("Ngày", DATE), Column("Số", NUMBER)]
    _content, sheet = _sheet(columns, [["Ngắn", dt.date(2026, 12, 2), 7], [long_text, None, None]])
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCD"}
    assert widths["B"] == 20 and widths["C"] == 12
    assert sheet.page_setup.orientation == "portrait" and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.cell(row=4, column=3).value == dt.datetime(2026, 12, 2)
    assert sheet.cell(row=4, column=3).number_format == "dd/mm/yyyy"
    assert sheet.cell(row=5, column=3).value is None and sheet.cell(row=5, column=4).value is None


class _Filters(forms.Form):
    status = forms.ChoiceField(label="Trạng thái", required=False, choices=[("", "Tất cả"), ("open", "Mới")])
    name = forms.CharField(label="Tên", required=False)
    repeat = forms.BooleanField(label="Chỉ hạn chế lặp lại", required=False)


def test_the_filters_applied_are_named_with_what_the_user_chose():
    form = _Filters({"status": "open", "name": "  Bình ", "repeat": "on"})
    assert xlsx.filters_applied(form) == "Trạng thái: Mới; Tên: Bình; Chỉ hạn chế lặp lại"
    assert xlsx.filters_applied(_Filters(None)) == xlsx.filters_applied(_Filters({"status": "bad"}))
