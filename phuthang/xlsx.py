"""The one way phuthang writes a list as an XLSX sheet that an office worker prints as it is.

Row 1 holds the title; row 2 the filters applied, the number of rows and when the sheet was exported (Vietnam
time); row 3 the bold header, frozen, with a filter, repeated on every printed page; then one row per record,
numbered from 1 in the STT column. Text is wrapped and always written as text, so a description beginning with
"=" is never a formula; dates are real dates shown dd/mm/yyyy; widths fit the content within bounds; the page
is A4, landscape when the table is wide, fitted to the page width.

Rows are streamed with openpyxl's write-only mode through one styled cell per column, so memory and time stay
flat at province scale; only the widths need the rows first (one len() per text cell).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from django import forms
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from phuthang.documents import exported_at, xml_safe

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TEXT, DATE, NUMBER = "text", "date", "number"
HEADER_ROW = 3
DATE_FORMAT = "dd/mm/yyyy"
MIN_WIDTH = 5
DATE_WIDTH = 12
PORTRAIT_UP_TO = 95  # total column width (characters) that still fits an A4 page upright
MAX_TEXT = 32767  # characters an Excel cell holds
FORMULA_STARTS = ("=", "+", "-", "@")

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass(frozen=True)
class Column:
    title: str  # or a lazy translation
    kind: str = TEXT  # TEXT, DATE (a datetime.date) or NUMBER
    max_width: int = 30  # characters; longer text wraps


def filters_applied(form: forms.Form) -> str:
    """The filters a bound, valid filter form applied, as "Label: value; …" (an invalid form filters nothing)."""
    parts = []
    if form.is_bound and form.is_valid():
        for name, field in form.fields.items():
            value = form.cleaned_data.get(name)
            if isinstance(value, str):
                value = value.strip()
            if value is None or value == "" or value is False:
                continue
            if value is True:
                parts.append(str(field.label))
                continue
            if isinstance(field, forms.ModelChoiceField):
                shown = str(value)
            elif isinstance(field, forms.ChoiceField):
                shown = str(dict(cast(Iterable[tuple[Any, Any]], field.choices)).get(value, value))
            else:
                shown = str(value)
            parts.append(f"{field.label}: {shown}")
    return "; ".join(parts) or _("none, every record in sight")


def _cleaned(column: Column, values: Sequence[Any]) -> list[Any]:
    if column.kind == TEXT:
        return [xml_safe(str(value))[:MAX_TEXT] if value not in (None, "") else None for value in values]
    if column.kind == DATE:
        return [value.date() if isinstance(value, dt.datetime) else value for value in values]
    return list(values)


def _width(column: Column, values: list[Any]) -> float:
    header = max((len(word) for word in column.title.split()), default=0) + 2
    if column.kind == DATE:
        content = DATE_WIDTH
    elif column.kind == NUMBER:
        content = max((len(str(value)) for value in values if value is not None), default=0) + 2
    else:
        content = min(max(map(len, filter(None, values)), default=0) + 2, column.max_width)
    return max(content, header, MIN_WIDTH)


_DATA_TYPE = {TEXT: "s", DATE: "d", NUMBER: "n"}


def _prepared_cells(cells: list[Cell], row: int) -> Iterable[Cell]:
    for column, cell in enumerate(cells, 1):
        cell.row, cell.column = row, column
        yield cell


def _cell(sheet: Any, *, kind: str, quoted: bool = False) -> Cell:
    cell = WriteOnlyCell(sheet)
    cell.border = _BORDER
    if kind == DATE:
        cell.number_format = DATE_FORMAT
        cell.alignment = Alignment(horizontal="center", vertical="top")
    elif kind == NUMBER:
        cell.alignment = Alignment(horizontal="center", vertical="top")
    else:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    cell.quotePrefix = quoted  # Excel keeps it text even when the cell is edited later
    return cell


def write_xlsx(
    *, sheet_name: str, title: str, filters: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]
) -> bytes:
    """The workbook's bytes: `rows` hold one value per column (STT is added in front)."""
    records = list(rows)
    by_column = list(zip(*records, strict=True)) if records else [() for _column in columns]
    values = [_cleaned(column, data) for column, data in zip(columns, by_column, strict=True)]
    columns = [Column(_("No."), NUMBER), *(replace(column, title=str(column.title)) for column in columns)]
    values = [list(range(1, len(records) + 1)), *values]
    widths = [_width(column, data) for column, data in zip(columns, values, strict=True)]
    last = get_column_letter(len(columns))

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name[:31])
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(records)}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if sum(widths) > PORTRAIT_UP_TO else "portrait"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.7
    sheet.page_margins.header = sheet.page_margins.footer = 0.3  # the page number clear of the table
    sheet.oddFooter.center.text = _("Page &P of &N")

    heading = WriteOnlyCell(sheet, value=xml_safe(title))
    heading.font = Font(bold=True, size=14)
    heading.alignment = Alignment(horizontal="center", vertical="center")
    summary = " · ".join(
        [
            _("Filters: %(filters)s") % {"filters": filters},
            ngettext("%(count)d row", "%(count)d rows", len(records)) % {"count": len(records)},
            _("exported at %(when)s") % {"when": exported_at()},
        ]
    )
    about = WriteOnlyCell(sheet, value=xml_safe(summary))
    about.data_type = "s"
    about.font = Font(italic=True)
    about.alignment = Alignment(wrap_text=True, vertical="top")
    lines = 1 + int(len(summary) * 1.1 // max(sum(widths), 1))
    sheet.row_dimensions[1].height = 22
    sheet.row_dimensions[2].height = 15 * lines
    sheet.merged_cells.add(f"A1:{last}1")
    sheet.merged_cells.add(f"A2:{last}2")
    sheet.append([heading])
    sheet.append([about])

    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=xml_safe(column.title))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
        cell.border = _BORDER
        header.append(cell)
    sheet.append(header)

    # Each row goes out through one prepared cell per column. openpyxl's own path would, per cell, re-check
    # the text (cleaned above), try the cell as a value, fail and allocate another cell: twice the time.
    # Should a later openpyxl rename this private method, its public path takes the same cells, only slower.
    sheet._values_to_row = _prepared_cells
    plain = [_cell(sheet, kind=column.kind) for column in columns]
    quoted = [_cell(sheet, kind=TEXT, quoted=True) if column.kind == TEXT else None for column in columns]
    kinds = [_DATA_TYPE[column.kind] for column in columns]
    for row in zip(*values, strict=True):
        cells = []
        for value, kind, cell, quoted_cell in zip(row, kinds, plain, quoted, strict=True):
            if quoted_cell is not None and value is not None and value.startswith(FORMULA_STARTS):
                cell = quoted_cell
            cell._value = value  # type: ignore[attr-defined]  # the public setter re-checks cleaned text
            cell.data_type = kind if value is not None else "n"  # text stays text: never a formula
            cells.append(cell)
        sheet.append(cells)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
