"""The written reply to a sender as a DOCX in the official layout (Nghị định 30/2020/NĐ-CP), as the minutes.

Header with the committee on the left and the Party's name and the place-date line on the right, the
number line, the subject ("V/v trả lời đơn"), the addressee, the body (received on, what it said, the
classification or the conclusion), and the signature block "T/M ĐẢNG ỦY" for the head.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import pgettext
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from phuthang import periods
from phuthang.documents import xml_safe
from reviews.models import FeedbackItem
from reviews.services.minutes_docx import _paragraph, document_place, place_and_date


def reply_docx(item: FeedbackItem) -> bytes:
    document = Document()
    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "Times New Roman")
    fonts.set(qn("w:cs"), "Times New Roman")

    day = item.replied_on or periods.today()
    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    left.paragraphs[0].add_run(xml_safe(item.committee.name.upper())).bold = True
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(left, "*", center=True)
    _paragraph(left, pgettext("reply document", "No. …"), center=True)
    _paragraph(
        left, pgettext("reply document", "On replying to the letter"), italic=True, center=True, size=12
    )
    right.paragraphs[0].add_run(pgettext("minutes document", "COMMUNIST PARTY OF VIETNAM")).bold = True
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(right, place_and_date(document_place(item.committee), day), italic=True, center=True)

    _paragraph(document)
    _paragraph(
        document,
        pgettext("reply document", "To: %(name)s") % {"name": item.sender_name or "…"},
        bold=True,
        center=True,
    )
    if item.sender_address:
        _paragraph(
            document, pgettext("reply document", "Address: %(address)s") % {"address": item.sender_address}
        )
    _paragraph(
        document,
        pgettext("reply document", "On %(day)s the %(committee)s received your %(kind)s with this content:")
        % {
            "day": f"{item.received_on:%d/%m/%Y}",
            "committee": item.committee.name,
            "kind": item.get_kind_display().lower(),
        },
    )
    for line in item.content.splitlines():
        if line.strip():
            _paragraph(document, line.strip(), italic=True)
    if item.status == FeedbackItem.Status.CONCLUDED:
        _paragraph(document, pgettext("reply document", "Having examined it, the committee concludes:"))
        for line in item.conclusion.splitlines():
            if line.strip():
                _paragraph(document, line.strip())
    else:
        _paragraph(
            document,
            pgettext("reply document", "The item is: %(status)s.") % {"status": item.get_status_display()},
        )
        if item.classification_reason:
            _paragraph(document, item.classification_reason)
    _paragraph(document, pgettext("reply document", "The committee informs you accordingly."))

    _paragraph(document)
    signatures = document.add_table(rows=3, cols=2)
    signatures.alignment = WD_TABLE_ALIGNMENT.CENTER
    recipients = signatures.rows[0].cells[0].paragraphs[0]
    recipients.add_run(pgettext("reply document", "Recipients:")).bold = True
    signatures.rows[1].cells[0].paragraphs[0].add_run(
        pgettext("reply document", "- As above;\n- Filed.")
    ).font.size = Pt(11)
    sign = signatures.rows[0].cells[1].paragraphs[0]
    sign.add_run(pgettext("reply document", "ON BEHALF OF THE PARTY COMMITTEE")).bold = True
    sign.alignment = WD_ALIGN_PARAGRAPH.CENTER
    signatures.rows[1].cells[1].paragraphs[0].add_run(
        pgettext("minutes document", "(signature)")
    ).italic = True
    signatures.rows[1].cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def report_docx(committee_name: str, period: Any, rows: list[Any]) -> bytes:
    """The periodic report as a DOCX in the same layout: header, title naming the period, the count table."""
    document = Document()
    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    left.paragraphs[0].add_run(xml_safe(committee_name.upper())).bold = True
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(left, "*", center=True)
    right.paragraphs[0].add_run(pgettext("minutes document", "COMMUNIST PARTY OF VIETNAM")).bold = True
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document)
    _paragraph(
        document,
        pgettext("report document", "REPORT ON RECEIVING AND SETTLING CITIZENS' FEEDBACK"),
        bold=True,
        center=True,
        size=14,
    )
    _paragraph(
        document,
        f"{period.label} ({period.start:%d/%m/%Y} – {period.end:%d/%m/%Y})",
        italic=True,
        center=True,
    )
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    heading = table.rows[0].cells
    heading[0].text = pgettext("report document", "Counted by")
    heading[1].text = pgettext("report document", "Group")
    heading[2].text = pgettext("report document", "Items")
    for row in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = (
            xml_safe(row.dimension),
            xml_safe(row.label),
            str(row.count),
        )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
