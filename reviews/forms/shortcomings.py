from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cells.models import Cell, Member
from phuthang import choosers, periods, safe_input
from phuthang.submits import OnceForm
from phuthang.widgets import DateInWords
from reviews.forms.reviews import VersionForm
from reviews.models import Manifestation, Meeting, Shortcoming

DATE = DateInWords()


class ManifestationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Manifestation) -> str:
        return obj.label


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.full_name} ({obj.cell.code})"


def meeting_label(meeting: Meeting) -> str:
    label = f"{date_format(meeting.date, 'SHORT_DATE_FORMAT')} · {meeting.get_kind_display()}"
    return f"{label}: {meeting.topic}" if meeting.topic else label


class ShortcomingForm(OnceForm):
    """A new shortcoming of the one cell chosen first. Subjects, owners and meetings must be of that cell.

    Only the chosen cell's members and meetings are offered (a province's inspector may record in thousands
    of cells); a posted id is still looked up among everything the user may record in, so a member or a
    meeting of another of their cells reads "not one of this cell" rather than a bare "not a valid choice".
    """

    cell = forms.ModelChoiceField(
        queryset=Cell.objects.none(),
        label=_("Cell"),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("You may not record shortcomings in this cell.")},
    )
    source = forms.ChoiceField(label=_("Found in"), choices=Shortcoming.Source.choices)
    subject_member = MemberChoiceField(
        queryset=Member.objects.none(),
        label=_("Member concerned"),
        required=False,
        empty_label=_("— the cell as a collective —"),
        error_messages={"invalid_choice": _("Choose one of the members of the cell listed here.")},
    )
    description = forms.CharField(label=_("Shortcoming"), widget=forms.Textarea(attrs={"rows": 3}))
    manifestation = ManifestationChoiceField(
        queryset=Manifestation.objects.order_by("code"),
        label=_("Manifestation of degradation"),
        required=False,
        empty_label=_("— none —"),
    )
    plan = forms.CharField(label=_("Remediation plan"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = MemberChoiceField(
        queryset=Member.objects.none(),
        label=_("Responsible for the fix"),
        required=False,
        empty_label=_("— the member concerned —"),
        help_text=_("Left as it is, the member concerned answers for the fix."),
        error_messages={"invalid_choice": _("Choose one of the members of the cell listed here.")},
    )
    meeting = forms.ModelChoiceField(
        queryset=Meeting.objects.none(),
        label=_("Meeting it came from"),
        required=False,
        empty_label=_("— none —"),
        help_text=_("The cell meeting where the shortcoming was raised, if any."),
        error_messages={"invalid_choice": _("Choose one of the meetings of your cells listed here.")},
    )
    raised_on = forms.DateField(label=_("Raised on"), widget=DATE)
    due_on = forms.DateField(label=_("Due date"), widget=DATE)

    def __init__(
        self,
        *args: Any,
        cells: QuerySet[Cell],
        cell: Cell | None,
        meetings: QuerySet[Meeting],
        **kwargs: Any,
    ) -> None:
        """`cells` and `meetings`: everything the user may record in and link (read one posted row at a
        time, never listed); `cell`: the one chosen, whose members and meetings are the choices shown."""
        super().__init__(*args, **kwargs)
        self.cell = cell
        self.fields["cell"].queryset = cells
        if cell is not None:
            self.fields["cell"].initial = cell.pk
        members = Member.objects.current().filter(cell__in=cells).select_related("cell")
        shown = list(members.filter(cell=cell).order_by("full_name")) if cell is not None else []
        for name, empty in (
            ("subject_member", _("— the cell as a collective —")),
            ("owner", _("— the member concerned —")),
        ):
            field = self.fields[name]
            field.queryset = members
            field.choices = [("", empty), *((m.pk, field.label_from_instance(m)) for m in shown)]
        self.fields["meeting"].queryset = meetings.select_related("cell")
        own = list(meetings.filter(cell=cell).order_by("-date", "-pk")) if cell is not None else []
        self.fields["meeting"].choices = [("", _("— none —")), *((m.pk, meeting_label(m)) for m in own)]
        today = periods.today()
        self.fields["raised_on"].initial = today
        self.fields["due_on"].initial = today + dt.timedelta(days=90)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("owner") is None and "owner" not in self.errors:
            if data.get("subject_member") is not None:
                data["owner"] = data["subject_member"]
            elif "subject_member" not in self.errors:
                self.add_error(
                    "owner", _("The cell as a collective needs the person responsible for the fix.")
                )
        cell = data.get("cell")
        if cell is not None:
            for name in ("subject_member", "owner"):
                person = data.get(name)
                if person is not None and person.cell_id != cell.pk:
                    self.add_error(name, _("This person is not a member of %(cell)s.") % {"cell": cell.name})
        meeting = data.get("meeting")
        if meeting is not None and cell is not None and meeting.cell_id != cell.pk:
            self.add_error("meeting", _("This meeting is not one of %(cell)s.") % {"cell": cell.name})
        raised_on, due_on = data.get("raised_on"), data.get("due_on")
        if raised_on and due_on and due_on < raised_on:
            self.add_error(
                "due_on",
                _("The due date cannot be before the day the shortcoming was raised (%(day)s).")
                % {"day": date_format(raised_on, "SHORT_DATE_FORMAT")},
            )
        if raised_on and raised_on > periods.today():
            self.add_error("raised_on", _("The day raised cannot be in the future."))
        return data


class ShortcomingEditForm(VersionForm):
    description = forms.CharField(label=_("Shortcoming"), widget=forms.Textarea(attrs={"rows": 3}))
    manifestation = ManifestationChoiceField(
        queryset=Manifestation.objects.order_by("code"),
        label=_("Manifestation of degradation"),
        required=False,
        empty_label=_("— none —"),
    )
    plan = forms.CharField(label=_("Remediation plan"), widget=forms.Textarea(attrs={"rows": 3}))


class ProgressForm(OnceForm, VersionForm):
    text = forms.CharField(
        label=_("What has been done"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    fixed = forms.BooleanField(
        label=_("The shortcoming is fixed: ask the inspection committee to verify"), required=False
    )


class StatusForm(VersionForm):
    action = forms.ChoiceField(
        choices=[(a, a) for a in ("start", "report_fixed", "verify", "reopen", "withdraw")],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)  # verifying asks once first


class ExtensionRequestForm(OnceForm, VersionForm):
    new_due_on = forms.DateField(label=_("New due date"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ExtensionDecisionForm(safe_input.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


CELL_CHOICES_UP_TO = choosers.CHOICES_UP_TO  # the shared chooser's threshold, one for every list of cells


class BoardFilterForm(safe_input.Form):
    """The board's filters, read from the query string; an unknown value is ignored, never a 500.

    Whoever sees at most CELL_CHOICES_UP_TO cells picks one from a list; beyond that they search cells by
    name or code, and `?cell=<pk>` (links from a cell's page, bookmarks) still works as a hidden field.
    """

    status = forms.ChoiceField(label=_("Status"), required=False)
    timeliness = forms.ChoiceField(
        label=_("Due date"),
        required=False,
        choices=[
            ("", _("All")),
            ("overdue", _("Overdue")),
            ("extended", _("Extended")),
            ("on_time", _("On time")),
        ],
    )
    cell = forms.ModelChoiceField(
        queryset=Cell.objects.none(), label=_("Cell"), required=False, empty_label=_("All")
    )
    group = forms.ChoiceField(
        label=_("Manifestation group"),
        required=False,
        choices=[
            ("", _("All")),
            ("1", _("1. Political ideology")),
            ("2", _("2. Ethics, lifestyle")),
            ("3", _("3. Self-evolution, self-transformation")),
        ],
    )
    cell_search = forms.CharField(label=_("Cell (name or code)"), required=False, max_length=100)
    owner = forms.CharField(label=_("Responsible (name)"), required=False, max_length=100)
    year = forms.TypedChoiceField(label=_("Period (year)"), required=False, coerce=int, empty_value=None)
    repeat = forms.BooleanField(label=_("Repeats only"), required=False)

    def __init__(self, *args: Any, cells: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *Shortcoming.Status.choices]
        self.fields["cell"].queryset = cells
        few = list(cells[: CELL_CHOICES_UP_TO + 1])  # one query, and the list's options when few
        if len(few) <= CELL_CHOICES_UP_TO:
            self.fields["cell"].choices = [("", _("All")), *((c.pk, str(c)) for c in few)]
            del self.fields["cell_search"]
        else:
            self.fields["cell"].widget = forms.HiddenInput()
        self.fields["year"].choices = [("", _("All")), *((y, str(y)) for y in years)]

    @property
    def hidden_cell(self) -> Cell | None:
        """The cell chosen through `?cell=` when there is no list to show it in."""
        if "cell_search" not in self.fields or not self.is_valid():
            return None
        return self.cleaned_data["cell"]

    def apply(self, qs: Any, today: dt.date) -> Any:
        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["timeliness"] == "overdue":
            qs = qs.overdue(today)
        elif data["timeliness"] == "extended":
            qs = qs.extended(today)
        elif data["timeliness"] == "on_time":
            qs = qs.on_time(today)
        if data["cell"]:
            qs = qs.filter(cell=data["cell"])
        if found := data.get("cell_search", "").strip():
            qs = qs.filter(Q(cell__name__icontains=found) | Q(cell__code__icontains=found))
        if data["group"]:
            qs = qs.filter(manifestation__group=data["group"])
        if data["owner"]:
            qs = qs.filter(owner__full_name__icontains=data["owner"].strip())
        if data["year"]:
            qs = qs.filter(period_start__year=data["year"])
        if data["repeat"]:
            qs = qs.filter(is_repeat=True)
        return qs


class CellChoiceForm(safe_input.Form):
    """The first step of recording a shortcoming, sent by GET: the cell. As on the board's filters, a list
    when the user may record in at most CELL_CHOICES_UP_TO cells, else a search by name or code."""

    cell = forms.TypedChoiceField(label=_("Cell"), coerce=int, empty_value=None)
    cell_search = forms.CharField(label=_("Cell (name or code)"), max_length=100)

    def __init__(self, *args: Any, few: list[Cell] | None, **kwargs: Any) -> None:
        """`few`: the cells to list, or None when they are too many to list."""
        super().__init__(*args, **kwargs)
        if few is not None:
            self.fields["cell"].choices = [("", _("— choose a cell —")), *((c.pk, str(c)) for c in few)]
            del self.fields["cell_search"]
        else:
            del self.fields["cell"]
