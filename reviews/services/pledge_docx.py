"""A signed pledge as a DOCX: the header of the minutes (reviews/services/minutes_docx.py), the title, the
member's details, the common text exactly as signed, the commitments and deeds, and the signature block.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from phuthang.documents import xml_safe
from reviews.models import Pledge, PledgeLine
from reviews.services.minutes_docx import document_place, place_and_date


def _line(line: PledgeLine) -> str:
    parts = [line.text]
    if line.target:
        parts.append(_("target: %(target)s") % {"target": line.target})
    if line.due_on:
        parts.append(_("by %(day)s") % {"day": date_format(line.due_on, "SHORT_DATE_FORMAT")})
    return " — ".join(parts)


def pledge_docx(pledge: Pledge, *, commitments: Sequence[PledgeLine], deeds: Sequence[PledgeLine]) -> bytes:
    document = Document()
    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, as the minutes
        section.top_margin = section.bottom_margin = Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "Times New Roman")
    fonts.set(qn("w:cs"), "Times New Roman")

    def paragraph(container, text: str = "", *, bold=False, italic=False, center=False, size=None):  # type: ignore[no-untyped-def]
        p = container.add_paragraph()
        run = p.add_run(xml_safe(text))
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return p

    member, cell, committee = pledge.member, pledge.member.cell, pledge.campaign.committee
    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    left.paragraphs[0].add_run(xml_safe(committee.name.upper()))
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph(left, cell.name.upper(), bold=True, center=True)
    right.paragraphs[0].add_run(pgettext("minutes document", "COMMUNIST PARTY OF VIETNAM")).bold = True
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph(right, place_and_date(document_place(committee), pledge.signed_on), italic=True, center=True)

    paragraph(document)
    paragraph(document, pgettext("pledge document", "PLEDGE"), bold=True, center=True, size=14)
    paragraph(document, pledge.campaign.title, bold=True, center=True)
    paragraph(document, _("Full name: %(name)s") % {"name": member.full_name})
    paragraph(document, _("Cell: %(cell)s") % {"cell": cell.name})
    for text in pledge.text_signed.splitlines():
        if text.strip():
            paragraph(document, text.strip())
    for title, lines in ((_("Personal commitments"), commitments), (_("Registered deeds"), deeds)):
        if lines:
            paragraph(document, title, bold=True)
            for number, line in enumerate(lines, start=1):
                paragraph(document, f"{number}. {_line(line)}")
    paragraph(document)
    if pledge.method == Pledge.Method.PAPER:
        note = _("Signed on paper on %(day)s; recorded in the app by %(who)s.") % {
            "day": date_format(pledge.signed_on, "SHORT_DATE_FORMAT"),
            "who": pledge.recorded_by.get_username() if pledge.recorded_by else "",
        }
    else:
        note = _("Signed in the app on %(at)s (version %(version)d of the text).") % {
            "at": date_format(timezone.localtime(pledge.signed_at), "SHORT_DATETIME_FORMAT"),
            "version": pledge.text_version,
        }
    paragraph(document, note, italic=True)
    signature = document.add_table(rows=1, cols=2).rows[0].cells
    paragraph(signature[1], _("THE MEMBER WHO PLEDGES"), bold=True, center=True)
    paragraph(signature[1])
    paragraph(signature[1], member.full_name, bold=True, center=True)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
