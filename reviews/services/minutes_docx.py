"""The minutes as a DOCX in the usual "BIÊN BẢN SINH HOẠT CHI BỘ" layout (python-docx).

Header with the committee and cell on the left and the Party's name and the place-date line on the right,
the title, time and place, the attendance block naming the absent and their reasons (and the overseer when
present), the content sections, the resolution, the vote, the tasks, and signature blocks for the chair and
the recorder. The page is that of Vietnamese administrative documents (Nghị định 30/2020/NĐ-CP): A4, margins
top and bottom 2 cm, left 3 cm, right 1.5 cm, Times New Roman 13 pt.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from cells.models import Committee, Member, OversightAssignment
from phuthang.documents import xml_safe
from reviews.models import Attendance, Meeting, MeetingAssessment, MeetingTask
from reviews.models.rules import rule
from reviews.services import meetings as services

if TYPE_CHECKING:
    from docx.blkcntnr import BlockItemContainer
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph

# The place named in the place-date line ("Phúc Thắng, ngày 05 tháng 01 năm 2027"). When this rule is not
# set, the place is the committee's name without its kind of organisation and unit ("Đảng bộ phường").
PLACE_RULE = "documents.place_name"
_UNIT_PREFIX = re.compile(
    r"^\s*(?:đảng\s+bộ|đảng\s+ủy|đảng\s+uỷ|chi\s+bộ)?\s*"
    r"(?:phường|xã|thị\s+trấn|đặc\s+khu|thị\s+xã|quận|huyện|thành\s+phố|tỉnh)?\s+",
    re.IGNORECASE,
)


def document_place(committee: Committee) -> str:
    """The place of the place-date line: the rule `documents.place_name` if set, else from the committee."""
    configured = rule(PLACE_RULE)
    if isinstance(configured, str) and configured.strip():
        return configured.strip()
    name = unicodedata.normalize("NFC", committee.name).strip()
    return _UNIT_PREFIX.sub("", name, count=1).strip() or name


def place_and_date(place: str, day: dt.date) -> str:
    """ "Phúc Thắng, ngày 05 tháng 01 năm 2027": day and month in two digits, as official documents write."""
    return pgettext("minutes document", "%(place)s, day %(day)s month %(month)s year %(year)s") % {
        "place": place,
        "day": f"{day:%d}",
        "month": f"{day:%m}",
        "year": f"{day:%Y}",
    }


def _overseer(meeting: Meeting) -> Member | None:
    """The committee member overseeing the cell that month: who scored the meeting, else who was assigned."""
    assessment = MeetingAssessment.objects.filter(meeting=meeting).select_related("overseer").first()
    if assessment is not None:
        return assessment.overseer
    assignment = (
        OversightAssignment.objects.filter(cell_id=meeting.cell_id, month=meeting.month)
        .select_related("overseer")
        .first()
    )
    return assignment.overseer if assignment else None


def _paragraph(
    document_or_cell: DocxDocument | BlockItemContainer,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    center: bool = False,
    size: int | None = None,
) -> Paragraph:
    paragraph = document_or_cell.add_paragraph()
    run = paragraph.add_run(xml_safe(text))
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return paragraph


def _section(document: DocxDocument, title: str, body: str) -> None:
    _paragraph(document, title, bold=True)
    for line in (body or "").splitlines() or ["…"]:
        if line.strip():
            _paragraph(document, line.strip())


def minutes_docx(meeting: Meeting, *, rows: Iterable[Attendance], tasks: Iterable[MeetingTask]) -> bytes:
    rows = list(rows)
    document = Document()
    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, not python-docx's US Letter
        section.top_margin = section.bottom_margin = Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "Times New Roman")
    fonts.set(qn("w:cs"), "Times New Roman")

    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    left.paragraphs[0].add_run(xml_safe(meeting.cell.committee.name.upper())).bold = False
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(left, meeting.cell.name.upper(), bold=True, center=True)
    _paragraph(left, "*", center=True)
    right.paragraphs[0].add_run(pgettext("minutes document", "COMMUNIST PARTY OF VIETNAM")).bold = True
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(
        right, place_and_date(document_place(meeting.cell.committee), meeting.date), italic=True, center=True
    )

    _paragraph(document)
    _paragraph(
        document, pgettext("minutes document", "MINUTES OF THE CELL MEETING"), bold=True, center=True, size=14
    )
    if meeting.kind == Meeting.Kind.REGULAR:
        subtitle = pgettext("minutes document", "Regular meeting of %(month)s") % {
            "month": f"{meeting.month:%m/%Y}"
        }
    elif meeting.kind == Meeting.Kind.THEMATIC:
        subtitle = pgettext("minutes document", "Thematic meeting: %(topic)s") % {"topic": meeting.topic}
    else:
        subtitle = meeting.get_kind_display()
    _paragraph(document, subtitle, bold=True, center=True)

    _paragraph(
        document,
        pgettext("minutes document", "Time: from %(start)s to %(end)s on %(date)s.")
        % {
            "start": f"{meeting.started_at:%H:%M}",
            "end": f"{meeting.ended_at:%H:%M}" if meeting.ended_at else "…",
            "date": f"{meeting.date:%d/%m/%Y}",
        },
    )
    _paragraph(document, pgettext("minutes document", "Place: %(place)s.") % {"place": meeting.place or "…"})
    _paragraph(
        document,
        pgettext("minutes document", "Chair: %(chair)s. Recorder: %(recorder)s.")
        % {
            "chair": meeting.chair.full_name if meeting.chair else "…",
            "recorder": meeting.recorder.full_name if meeting.recorder else "…",
        },
    )

    _paragraph(document, pgettext("minutes document", "I. ATTENDANCE"), bold=True)
    absent = [row for row in rows if row.status != Attendance.Status.PRESENT]
    _paragraph(document, services.announcement(meeting, []))
    if absent:
        table = document.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        heading = table.rows[0].cells
        heading[0].text = pgettext("minutes document", "Absent member")
        heading[1].text = pgettext("minutes document", "Absence")
        heading[2].text = pgettext("minutes document", "Reason")
        for row in absent:
            cells = table.add_row().cells
            cells[0].text = xml_safe(row.member.full_name)
            cells[1].text = row.get_status_display()
            cells[2].text = xml_safe(row.reason)
    if meeting.guests or meeting.overseer_attended:
        guests = meeting.guests.strip()
        if meeting.overseer_attended:
            overseer = _overseer(meeting)
            attended = (
                pgettext("minutes document", "comrade %(name)s, the committee member overseeing the cell")
                % {"name": overseer.full_name}
                if overseer
                else _("the overseer of the cell attended")
            )
            guests = (guests + "; " if guests else "") + attended
        _paragraph(document, pgettext("minutes document", "Guests: %(guests)s.") % {"guests": guests})

    _paragraph(document, pgettext("minutes document", "II. CONTENT"), bold=True)
    _section(document, pgettext("minutes document", "1. News and situation"), meeting.situation)
    _section(
        document,
        pgettext("minutes document", "2. Review of last month's resolution"),
        meeting.last_resolution_review,
    )
    _section(document, pgettext("minutes document", "3. Discussion"), meeting.discussion)

    _paragraph(document, pgettext("minutes document", "III. RESOLUTION"), bold=True)
    _section(document, "", meeting.resolution)
    tasks = list(tasks)
    if tasks:
        _paragraph(document, pgettext("minutes document", "Tasks assigned:"), bold=True)
        for task in tasks:
            who = task.assignee.full_name if task.assignee else _("The whole cell")
            _paragraph(
                document,
                f"– {task.text} ({who}; " + _("due %(date)s") % {"date": f"{task.due_on:%d/%m/%Y}"} + ")",
            )
    _paragraph(
        document,
        pgettext("minutes document", "Vote: %(for)s for, %(against)s against, of %(present)d present.")
        % {
            "for": meeting.votes_for if meeting.votes_for is not None else "…",
            "against": meeting.votes_against if meeting.votes_against is not None else "…",
            "present": meeting.present_count,
        },
    )
    if meeting.ended_at:
        _paragraph(
            document,
            pgettext("minutes document", "The meeting closed at %(end)s the same day.")
            % {"end": f"{meeting.ended_at:%H:%M}"},
            italic=True,
        )

    _paragraph(document)
    signatures = document.add_table(rows=3, cols=2)
    signatures.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, (title, person) in enumerate(
        [
            (pgettext("minutes document", "RECORDER"), meeting.recorder),
            (pgettext("minutes document", "CHAIR"), meeting.chair),
        ]
    ):
        cell = signatures.rows[0].cells[column]
        cell.paragraphs[0].add_run(title).bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        signatures.rows[1].cells[column].paragraphs[0].add_run(
            pgettext("minutes document", "(signature)")
        ).italic = True
        signatures.rows[1].cells[column].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        name = signatures.rows[2].cells[column].paragraphs[0]
        name.add_run("\n\n\n" + (xml_safe(person.full_name) if person else "")).bold = True
        name.alignment = WD_ALIGN_PARAGRAPH.CENTER

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
