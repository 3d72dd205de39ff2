"""The monthly ward report (báo cáo tình hình sinh hoạt chi bộ) as a DOCX the office edits and sends upward.

Compiled from the records of every cell in the user's sight for a month, a quarter or a year: meetings held
and their quality, attendance, oversight, the latest review round's ratings, shortcomings and remediation.
It reads the monthly counts (`CellMonth`) and grouped counts, never the attendance rows: the same queries
for a ward and a province. The page is the minutes' (A4, Nghị định 30/2020/NĐ-CP margins, Times New Roman).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import pgettext
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from phuthang import periods
from phuthang.documents import xml_safe
from reviews.services.minutes_docx import _paragraph, document_place, place_and_date

PERIODS = ("month", "quarter", "year")


@dataclasses.dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    months: list[dt.date]

    @classmethod
    def of(cls, kind: str, month: dt.date) -> Period:
        if kind == "year":
            start, count = dt.date(month.year, 1, 1), 12
        elif kind == "quarter":
            start, count = dt.date(month.year, (month.month - 1) // 3 * 3 + 1, 1), 3
        else:
            kind, start, count = "month", month, 1
        return cls(kind, start, [periods.add_months(start, n) for n in range(count)])

    @property
    def end(self) -> dt.date:
        """The day after the period."""
        return periods.add_months(self.months[-1], 1)

    @property
    def name(self) -> str:
        if self.kind == "year":
            return pgettext("ward report", "year %(year)d") % {"year": self.start.year}
        if self.kind == "quarter":
            return pgettext("ward report", "quarter %(q)d of %(year)d") % {
                "q": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        return pgettext("ward report", "month %(month)s") % {"month": f"{self.start:%m/%Y}"}

    @property
    def slug(self) -> str:
        return {
            "year": f"{self.start:%Y}",
            "quarter": f"{self.start:%Y}-q{(self.start.month - 1) // 3 + 1}",
        }.get(self.kind, f"{self.start:%Y-%m}")


def report_figures(user: Any, period: Period, *, today: dt.date | None = None) -> dict[str, Any]:
    """Every number of the report, from the records in the user's sight (seven queries)."""
    from cells.models import Cell, Committee, OversightAssignment
    from phuthang import access
    from reviews.models import CellMonth, Review, ReviewRound, Shortcoming
    from reviews.models.reviews import RatingLevels, RoundCellCount

    today = today or periods.today()
    a = access.for_user(user)
    cells = Cell.objects.visible_to(user).active()
    committee = (
        Committee.objects.filter(Q() if a.is_staff else Q(pk__in=a.committee_wide_ids))
        .order_by("parent_id", "pk")
        .first()
    )
    in_period = CellMonth.objects.visible_to(user).filter(
        cell__in=cells.values("pk"), month__in=period.months
    )
    counted = dict(
        finalised=Count("pk", filter=Q(state="finalised")),
        late=Count("pk", filter=Q(state="finalised", late=True)),
        draft=Count("pk", filter=Q(state="draft")),
        quality=Count("pk", filter=Q(state="finalised", quality_met=True)),
        thematic=Sum("thematic"),
        present=Sum("present", filter=Q(state="finalised")),
        expected=Sum("expected", filter=Q(state="finalised")),
        excused=Sum("excused", filter=Q(state="finalised")),
        unexcused=Sum("unexcused", filter=Q(state="finalised")),
        attended=Count("pk", filter=Q(overseer_attended=True)),
        scored=Count("pk", filter=Q(scored=True)),
    )
    by_month = {r["month"]: r for r in in_period.order_by().values("month").annotate(**counted)}
    totals = {name: sum((r[name] or 0) for r in by_month.values()) for name in counted}
    assignments = (
        OversightAssignment.objects.visible_to(user)
        .filter(cell__in=cells.values("pk"), month__in=period.months)
        .count()
    )
    shortcomings = (
        Shortcoming.objects.visible_to(user)
        .filter(cell__in=cells.values("pk"))
        .aggregate(
            raised=Count("pk", filter=Q(raised_on__gte=period.start, raised_on__lt=period.end)),
            verified=Count(
                "pk",
                filter=Q(
                    status="verified", verified_at__date__gte=period.start, verified_at__date__lt=period.end
                ),
            ),
            active=Count("pk", filter=Q(status__in=Shortcoming.ACTIVE)),
            overdue=Count("pk", filter=Q(status__in=Shortcoming.ACTIVE, due_on__lt=today)),
        )
    )
    latest = (
        ReviewRound.objects.filter(pk__in=RoundCellCount.objects.visible_to(user).values("round_id"))
        .order_by("-year", "-pk")
        .first()
    )
    ratings: list[tuple[str, int]] = []
    if latest is not None:
        decided = dict(
            Review.objects.visible_to(user)
            .filter(round=latest, status=Review.Status.DECIDED)
            .order_by()
            .values_list("decided_rating")
            .annotate(n=Count("pk"))
        )
        ratings = [(name, decided.get(code, 0)) for code, name in RatingLevels.load().choices]
    return {
        "committee": committee,
        "cells": cells.count(),
        "months": [(m, by_month.get(m)) for m in period.months],
        "totals": totals,
        "assignments": assignments,
        "shortcomings": shortcomings,
        "round": latest,
        "ratings": ratings,
    }


def _percent(part: int, whole: int) -> str:
    return f"{round(part * 100 / whole)}%" if whole else "—"


def ward_report_docx(user: Any, period: Period, *, today: dt.date | None = None) -> bytes:
    today = today or periods.today()
    f = report_figures(user, period, today=today)
    t, cells = f["totals"], f["cells"]
    slots = cells * len(period.months)  # one regular meeting due per cell and month

    document = Document()
    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
        section.top_margin = section.bottom_margin = Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "Times New Roman")
    fonts.set(qn("w:cs"), "Times New Roman")

    committee = f["committee"]
    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    left.paragraphs[0].add_run(xml_safe(committee.name.upper() if committee else "")).bold = True
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(left, "*", center=True)
    right.paragraphs[0].add_run(pgettext("minutes document", "COMMUNIST PARTY OF VIETNAM")).bold = True
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    place = document_place(committee) if committee else ""
    _paragraph(right, place_and_date(place, today), italic=True, center=True)

    _paragraph(document)
    _paragraph(document, pgettext("ward report", "REPORT"), bold=True, center=True, size=14)
    _paragraph(
        document,
        pgettext("ward report", "On the cells' meetings, oversight, reviews and remediation, %(period)s")
        % {"period": period.name},
        bold=True,
        center=True,
    )
    _paragraph(
        document,
        pgettext("ward report", "(Draft compiled from the records; the office checks and completes it.)"),
        italic=True,
        center=True,
    )

    _paragraph(document, pgettext("ward report", "1. Meetings held and their quality"), bold=True)
    _paragraph(
        document,
        pgettext("ward report", "%(cells)d cells. Regular meetings with finalised minutes: %(finalised)d of %(due)d (%(share)s); "
          "%(late)d finalised late; %(draft)d still in draft; %(none)d not recorded. Thematic meetings: %(thematic)d.")
        % {"cells": cells, "finalised": t["finalised"], "due": slots, "share": _percent(t["finalised"], slots),
           "late": t["late"], "draft": t["draft"], "none": max(slots - t["finalised"] - t["draft"], 0),
           "thematic": t["thematic"]},
    )  # fmt: skip
    _paragraph(
        document,
        pgettext("ward report", "Meetings meeting the quality criteria (Hướng dẫn 12-HD/BTCTW): %(quality)d of %(finalised)d (%(share)s).")
        % {"quality": t["quality"], "finalised": t["finalised"], "share": _percent(t["quality"], t["finalised"])},
    )  # fmt: skip

    _paragraph(document, pgettext("ward report", "2. Attendance"), bold=True)
    _paragraph(
        document,
        pgettext("ward report", "At the finalised meetings: %(present)d present of %(expected)d expected (%(share)s); "
          "%(excused)d absences with excuse, %(unexcused)d without.")
        % {"present": t["present"], "expected": t["expected"], "share": _percent(t["present"], t["expected"]),
           "excused": t["excused"], "unexcused": t["unexcused"]},
    )  # fmt: skip
    if len(period.months) > 1:
        table = document.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells,
            [
                pgettext("ward report", "Month"),
                pgettext("ward report", "Minutes finalised"),
                pgettext("ward report", "Attendance"),
                pgettext("ward report", "Quality criteria met"),
            ],
            strict=True,
        ):
            cell.text = text
        for month, row in f["months"]:
            values = row or {}
            cells_row = table.add_row().cells
            cells_row[0].text = f"{month:%m/%Y}"
            cells_row[1].text = f"{values.get('finalised', 0)}/{cells}"
            cells_row[2].text = _percent(values.get("present") or 0, values.get("expected") or 0)
            cells_row[3].text = f"{values.get('quality', 0)}/{values.get('finalised', 0)}"

    _paragraph(document, pgettext("ward report", "3. Oversight by committee members"), bold=True)
    _paragraph(
        document,
        pgettext(
            "ward report",
            "%(assigned)d cell-months assigned; the overseer attended %(attended)d and scored %(scored)d.",
        )
        % {"assigned": f["assignments"], "attended": t["attended"], "scored": t["scored"]},
    )

    _paragraph(document, pgettext("ward report", "4. Reviews and ratings"), bold=True)
    if f["round"] is None:
        _paragraph(document, pgettext("ward report", "No review round yet."))
    else:
        _paragraph(
            document,
            pgettext("ward report", "%(round)s, ratings decided:") % {"round": xml_safe(f["round"].title)},
        )
        for name, count in f["ratings"]:
            _paragraph(document, f"– {name}: {count}")

    s = f["shortcomings"]
    _paragraph(document, pgettext("ward report", "5. Shortcomings and remediation"), bold=True)
    _paragraph(
        document,
        pgettext("ward report", "Raised in the period: %(raised)d; verified fixed in the period: %(verified)d; still being fixed: "
          "%(active)d, of which %(overdue)d overdue.") % s,
    )  # fmt: skip

    _paragraph(document)
    signature = document.add_table(rows=2, cols=2)
    cell = signature.rows[0].cells[1]
    cell.paragraphs[0].add_run(pgettext("ward report", "ON BEHALF OF THE COMMITTEE")).bold = True
    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    signature.rows[1].cells[1].paragraphs[0].add_run(
        pgettext("minutes document", "(signature)")
    ).italic = True
    signature.rows[1].cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
