"""XLSX exports of lists, each through the shared sheet of phuthang.xlsx (title, filters, STT, dates, print)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.db.models.functions import JSONObject
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phuthang import periods, xlsx
from phuthang.xlsx import DATE, Column
from reviews.models import RemediationUpdate, Shortcoming
from reviews.models.shortcomings import inspection_notes

# The columns of the shortcomings export, with how wide their text may grow before it wraps.
SHORTCOMING_COLUMNS = [
    Column(gettext_lazy("Cell"), max_width=24),
    Column(gettext_lazy("Member concerned"), max_width=22),
    Column(gettext_lazy("Shortcoming"), max_width=45),
    Column(gettext_lazy("Manifestation"), max_width=35),
    Column(gettext_lazy("Remediation plan"), max_width=45),
    Column(gettext_lazy("Responsible for the fix"), max_width=22),
    Column(gettext_lazy("Raised on"), DATE),
    Column(gettext_lazy("Original due date"), DATE),
    Column(gettext_lazy("Due date"), DATE),
    Column(gettext_lazy("Status"), max_width=16),
    Column(gettext_lazy("Overdue"), max_width=8),
    Column(gettext_lazy("Repeat"), max_width=8),
    Column(gettext_lazy("Verification note"), max_width=35),
]


def _inspection_notes(item: Any) -> str:
    """Every note the inspection committee wrote on the item, oldest first, each with its day and action."""
    lines = [
        f"{timezone.localtime(dt.datetime.fromisoformat(n['at'])):%d/%m/%Y} "
        f"{_('Verified') if n['to_status'] == Shortcoming.Status.VERIFIED else _('Reopened')}: {n['text']}"
        for n in item.inspection_note_list
    ]
    return "\n".join(lines) or item.verification_note


def board_rows(shortcomings: Any) -> Any:
    """The board's shortcomings as the export lists them: by cell, then due date."""
    return shortcomings.for_list().order_by("cell__code", "due_on", "pk")


def shortcomings_xlsx(shortcomings: Any, *, form: forms.Form) -> HttpResponse:
    """The shortcomings as a printable sheet, its title row naming the board filters of `form`."""
    content, filename = shortcomings_xlsx_file(shortcomings, form=form)
    return xlsx.xlsx_response(content, filename=filename)


def shortcomings_xlsx_file(
    shortcomings: Any, *, form: forms.Form, progress: Callable[[int], None] | None = None
) -> tuple[bytes, str]:
    """The sheet's bytes and file name; `progress(rows written)` every 1,000 rows (the export's job)."""
    today = periods.today()
    collective = _("(the cell as a collective)")
    yes = _("yes")
    # the labels once, not a translation lookup per row (15% of a 32,000-row export's time)
    status_labels = {value: str(label) for value, label in Shortcoming.Status.choices}
    notes = (
        RemediationUpdate.objects.filter(inspection_notes(), shortcoming=OuterRef("pk"))
        .order_by("at", "pk")
        .values(json=JSONObject(at="at", to_status="to_status", text="text"))
    )
    shortcomings = shortcomings.annotate(inspection_note_list=ArraySubquery(notes))  # still one query

    def rows() -> Iterator[list[Any]]:
        for n, item in enumerate(shortcomings.iterator(chunk_size=2000), start=1):
            if progress is not None and n % 1000 == 0:
                progress(n)
            yield [
                item.cell.name,
                item.subject_member.full_name if item.subject_member_id else collective,
                item.description,
                item.manifestation.label if item.manifestation_id else "",
                item.plan,
                item.owner.full_name,
                item.raised_on,
                item.original_due_on,
                item.due_on,
                status_labels[item.status],
                yes if item.is_overdue(today) else "",
                yes if item.is_repeat else "",
                _inspection_notes(item),
            ]

    content = xlsx.write_xlsx(
        sheet_name=_("Shortcomings"),
        title=_("LIST OF SHORTCOMINGS AND THEIR REMEDIATION"),
        filters=xlsx.filters_applied(form),
        columns=SHORTCOMING_COLUMNS,
        rows=rows(),
    )
    return content, f"shortcomings-{today:%Y-%m-%d}.xlsx"
