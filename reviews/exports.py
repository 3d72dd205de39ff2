"""XLSX exports of lists, written row by row (openpyxl's write-only mode) so memory stays flat."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.db.models.functions import JSONObject
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from phuthang import periods
from reviews.models import RemediationUpdate, Shortcoming
from reviews.models.shortcomings import inspection_notes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _date(day: Any) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _inspection_notes(item: Any) -> str:
    """Every note the inspection committee wrote on the item, oldest first, each with its day and action."""
    lines = [
        f"{timezone.localtime(dt.datetime.fromisoformat(n['at'])):%d/%m/%Y} "
        f"{_('Verified') if n['to_status'] == Shortcoming.Status.VERIFIED else _('Reopened')}: {n['text']}"
        for n in item.inspection_note_list
    ]
    return "\n".join(lines) or item.verification_note


def shortcomings_xlsx(shortcomings: Any) -> HttpResponse:
    today = periods.today()
    notes = (
        RemediationUpdate.objects.filter(inspection_notes(), shortcoming=OuterRef("pk"))
        .order_by("at", "pk")
        .values(json=JSONObject(at="at", to_status="to_status", text="text"))
    )
    shortcomings = shortcomings.annotate(inspection_note_list=ArraySubquery(notes))  # still one query
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Shortcomings"))
    sheet.append(
        [
            _("No."),
            _("Cell"),
            _("Member concerned"),
            _("Shortcoming"),
            _("Manifestation"),
            _("Remediation plan"),
            _("Responsible for the fix"),
            _("Raised on"),
            _("Original due date"),
            _("Due date"),
            _("Status"),
            _("Overdue"),
            _("Repeat"),
            _("Verification note"),
        ]
    )
    for item in shortcomings.iterator(chunk_size=2000):
        sheet.append(
            [
                item.pk,
                item.cell.name,
                item.subject_member.full_name if item.subject_member_id else _("(the cell as a collective)"),
                item.description,
                item.manifestation.label if item.manifestation_id else "",
                item.plan,
                item.owner.full_name,
                _date(item.raised_on),
                _date(item.original_due_on),
                _date(item.due_on),
                item.get_status_display(),
                _("yes") if item.is_overdue(today) else "",
                _("yes") if item.is_repeat else "",
                _inspection_notes(item),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="shortcomings-{today:%Y-%m-%d}.xlsx"'
    return response
