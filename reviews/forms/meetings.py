"""Forms for the meeting pages. They validate and clean; services.meetings writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cells.models import Cell, Member
from phuthang import periods, safe_input
from phuthang.submits import OnceForm
from phuthang.widgets import DateInWords
from reviews.models import Attendance, Meeting, MeetingAssessment, MeetingTask
from reviews.services import meetings as services

TASK_ROWS = 3  # blank task rows on the sheet; the page shows one and reveals the others on demand
PREFIXES = ("att_", "reason_", "done_")


class ListedMemberField(forms.ModelChoiceField):
    """One of the members already fetched: its choices and its check read the list, never the database."""

    def __init__(self, members: list[Member], **kwargs: Any) -> None:
        super().__init__(queryset=Member.objects.none(), **kwargs)
        self.members = {str(m.pk): m for m in members}
        self.choices = [("", "---------"), *((m.pk, m.full_name) for m in members)]

    def to_python(self, value: Any) -> Member | None:
        if value in self.empty_values:
            return None
        try:
            return self.members[str(value)]
        except KeyError:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


def _member_choice(members: list[Member], *, label: str, required: bool) -> forms.ModelChoiceField:
    return ListedMemberField(members, label=label, required=required)


class DetailsMixin:
    """The meeting's details and the checks between them; needs `self.cell`, `self.month`, `self.meeting`."""

    cell: Cell
    month: dt.date | None
    meeting: Meeting | None
    cleaned_data: dict[str, Any]

    def _add_detail_fields(self, members: list[Member]) -> None:
        fields = forms.fields_for_model(
            Meeting,
            fields=["kind", "topic", "date", "started_at", "ended_at", "place"],
            widgets={
                "date": DateInWords(),
                "started_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                "ended_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            },
        )
        self.fields.update(fields)  # type: ignore[attr-defined]
        self.fields["chair"] = _member_choice(members, label=_("Chair"), required=False)  # type: ignore[attr-defined]
        self.fields["recorder"] = _member_choice(members, label=_("Recorder"), required=False)  # type: ignore[attr-defined]

    def _check_details(self) -> None:
        data = self.cleaned_data
        add_error = self.add_error  # type: ignore[attr-defined]
        start, end = data.get("started_at"), data.get("ended_at")
        if start and end and end <= start:
            add_error("ended_at", _("The meeting must end after it starts."))
        month = self.month
        date = data.get("date")
        if month and date and periods.month_start(date) != month:
            add_error(
                "date",
                _("The date must fall within the meeting's month (%(month)s).")
                % {"month": date_format(month, "YEAR_MONTH_FORMAT")},
            )
        if data.get("kind") == Meeting.Kind.THEMATIC and not (data.get("topic") or "").strip():
            add_error("topic", _("A thematic meeting needs its topic."))
        if data.get("kind") == Meeting.Kind.REGULAR and month:
            others = Meeting.objects.standing().filter(cell=self.cell, month=month, kind=Meeting.Kind.REGULAR)
            if self.meeting is not None:
                others = others.exclude(pk=self.meeting.pk)
            if others.exists():
                add_error(
                    "kind",
                    _("This cell already has a regular meeting for %(month)s.")
                    % {"month": date_format(month, "YEAR_MONTH_FORMAT")},
                )


class StartMeetingForm(DetailsMixin, OnceForm):
    month_text = forms.CharField(
        label=_("Month"), widget=forms.DateInput(attrs={"type": "month"}), help_text=_("The month it is for.")
    )

    def __init__(self, *args: Any, cell: Cell, members: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cell, self.meeting, self.month = cell, None, None
        self._add_detail_fields(members)
        self.fields["ended_at"].help_text = _("You can fill it in at the end of the meeting.")

    def clean_month_text(self) -> str:
        text = self.cleaned_data["month_text"]
        self.month = periods.parse_month(text)
        if self.month is None:
            raise forms.ValidationError(_("Choose a month, for example 11/2026."))
        return text

    def clean(self) -> dict[str, Any]:
        super().clean()
        self._check_details()
        return self.cleaned_data

    def details(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in services.DETAIL_FIELDS}


class MeetingSheetForm(DetailsMixin, safe_input.Form):
    """The whole draft on one page: details, attendance, minutes, votes and tasks, saved at once.

    Attendance fields are named after member ids; any id that is not an expected member of the cell, or
    a task that is not an open task of the cell, is refused (tampered POST).
    """

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, meeting: Meeting, sheet: services.Sheet, **kwargs: Any) -> None:
        """The sheet of `meeting` as it is stored (`sheet` from services.meeting_sheet)."""
        initial = {name: getattr(meeting, name) for name in services.EDITABLE_FIELDS}
        initial.update(chair=meeting.chair_id, recorder=meeting.recorder_id, version=meeting.version)
        super().__init__(*args, initial=initial, **kwargs)
        members, expected, rows = sheet.members, sheet.expected, sheet.rows
        self.cell, self.meeting, self.month = meeting.cell, meeting, meeting.month
        self.expected, self.open_tasks = expected, sheet.open_tasks
        self._add_detail_fields(members)
        minutes = forms.fields_for_model(
            Meeting,
            fields=list(services.MINUTES_FIELDS),
            widgets={
                name: forms.Textarea(attrs={"rows": 3})
                for name in ("guests", "situation", "last_resolution_review", "discussion", "resolution")
            },
        )
        self.fields.update(minutes)
        for member in expected:
            row = rows.get(member.pk)
            self.fields[f"att_{member.pk}"] = forms.ChoiceField(
                label=member.full_name,
                choices=Attendance.Status.choices,
                initial=row.status if row else Attendance.Status.PRESENT,
                widget=forms.RadioSelect,
                required=False,  # a member who joined after the sheet was loaded stays present
            )
            self.fields[f"reason_{member.pk}"] = forms.CharField(
                label=format_lazy("{} — {}", member.full_name, _("Reason")),  # as the error summary names it
                required=False,
                max_length=300,
                initial=row.reason if row else "",
            )
        for task in self.open_tasks:
            self.fields[f"done_{task.pk}"] = forms.BooleanField(
                label=task.text, required=False, initial=task.done_at_id == meeting.pk
            )
        assignees = [("", _("The whole cell")), *((m.pk, m.full_name) for m in members)]
        self.member_ids = {m.pk for m in members}
        for n in range(TASK_ROWS):
            self.fields[f"task_text_{n}"] = forms.CharField(label=_("Task"), required=False, max_length=500)
            self.fields[f"task_assignee_{n}"] = forms.TypedChoiceField(
                label=_("Assignee"), choices=assignees, required=False, coerce=int, empty_value=None
            )
            self.fields[f"task_due_{n}"] = forms.DateField(
                label=_("Due date"),
                required=False,
                widget=DateInWords(),
            )

    # --- What the template walks

    def attendance_rows(self) -> list[tuple[Member, forms.BoundField, forms.BoundField]]:
        return [(m, self[f"att_{m.pk}"], self[f"reason_{m.pk}"]) for m in self.expected]

    def task_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"task_text_{n}"], self[f"task_assignee_{n}"], self[f"task_due_{n}"])
            for n in range(TASK_ROWS)
        ]

    def done_fields(self) -> list[tuple[MeetingTask, forms.BoundField]]:
        return [(task, self[f"done_{task.pk}"]) for task in self.open_tasks]

    # --- Validation

    def clean(self) -> dict[str, Any]:
        super().clean()
        self._refuse_unknown_keys()
        self._check_details()
        marks = self.marks()
        for member_id, mark in marks.items():
            if mark.status == Attendance.Status.EXCUSED and not mark.reason.strip():
                self.add_error(f"reason_{member_id}", _("Give the reason for the excused absence."))
        present = sum(1 for mark in marks.values() if mark.status == Attendance.Status.PRESENT)
        votes = (self.cleaned_data.get("votes_for") or 0) + (self.cleaned_data.get("votes_against") or 0)
        if votes > present:
            self.add_error(
                "votes_for",
                _("The votes (%(votes)d) cannot be more than the members present (%(present)d).")
                % {"votes": votes, "present": present},
            )
        self._check_tasks()
        return self.cleaned_data

    def _refuse_unknown_keys(self) -> None:
        for key in self.data:
            if key.startswith(PREFIXES) and key not in self.fields:
                raise forms.ValidationError(
                    _(
                        "The form named someone who is not an expected member of this cell, or a task "
                        "that is not open. Reload the page and try again."
                    ),
                    code="tampered",
                )

    def _check_tasks(self) -> None:
        date = self.cleaned_data.get("date") or self.meeting.date
        for n in range(TASK_ROWS):
            text = (self.cleaned_data.get(f"task_text_{n}") or "").strip()
            due = self.cleaned_data.get(f"task_due_{n}")
            if not text:
                if due or self.cleaned_data.get(f"task_assignee_{n}"):
                    self.add_error(f"task_text_{n}", _("Say what must be done."))
                continue
            if due is None:
                self.add_error(f"task_due_{n}", _("Give the due date."))
            elif due < date:
                self.add_error(f"task_due_{n}", _("The due date cannot be before the meeting."))

    # --- Cleaned values for the service

    def changes(self) -> services.SheetChanges:
        return services.SheetChanges(
            fields={name: self.cleaned_data[name] for name in services.EDITABLE_FIELDS},
            marks=self.marks(),
            new_tasks=self.new_tasks(),
            done_task_ids=self.done_task_ids(),
        )

    def marks(self) -> dict[int, services.Mark]:
        return {
            m.pk: services.Mark(
                self.cleaned_data.get(f"att_{m.pk}") or Attendance.Status.PRESENT,
                (self.cleaned_data.get(f"reason_{m.pk}") or "").strip(),
            )
            for m in self.expected
            if self.cleaned_data.get(f"att_{m.pk}")
        }

    def new_tasks(self) -> list[dict[str, Any]]:
        return [
            {
                "text": self.cleaned_data[f"task_text_{n}"].strip(),
                "assignee_id": self.cleaned_data.get(f"task_assignee_{n}"),
                "due_on": self.cleaned_data[f"task_due_{n}"],
            }
            for n in range(TASK_ROWS)
            if (self.cleaned_data.get(f"task_text_{n}") or "").strip()
        ]

    def done_task_ids(self) -> set[int]:
        return {task.pk for task in self.open_tasks if self.cleaned_data.get(f"done_{task.pk}")}


class ReopenForm(safe_input.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why must the minutes be reopened?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        max_length=1000,
    )


class WithdrawForm(safe_input.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why is this draft withdrawn?"),
        help_text=_("For example: started for the wrong month."),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=5,
        max_length=1000,
    )


class AssessmentForm(safe_input.ModelForm):
    # the assessment's version the page showed, 0 when there was none yet: a save from a stale page is refused
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = MeetingAssessment
        fields = [
            "attended",
            "attendance_ok",
            "content_ok",
            "discussion_ok",
            "resolution_ok",
            "length_ok",
            "verdict",
            "note",
        ]
        widgets = {"verdict": forms.RadioSelect, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["verdict"].choices = MeetingAssessment.Verdict.choices  # no blank "---------" radio
        self.fields["version"].initial = self.instance.version if self.instance.pk else 0
