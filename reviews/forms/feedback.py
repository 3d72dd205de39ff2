"""Forms of the register of citizens' feedback: recording, classifying, each step, the shortcoming."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cells.models import Cell, Committee, Member
from phuthang import choosers, periods, safe_input
from phuthang.submits import OnceForm
from phuthang.widgets import DateInWords
from reviews.forms.reviews import VersionForm
from reviews.forms.shortcomings import MemberChoiceField
from reviews.models import FeedbackItem, ReceptionSession

DATE = DateInWords()
Item = FeedbackItem
RECENT_SESSIONS_DAYS = 60  # an item is recorded within two months of the session it came from


class FeedbackForm(OnceForm):
    """A new item of a committee's register."""

    committee = forms.ModelChoiceField(queryset=Committee.objects.none(), label=_("Committee"))
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    channel = forms.ChoiceField(label=_("Channel"), choices=Item.Channel.choices)
    postmark_on = forms.DateField(
        label=_("Postmark date"), widget=DATE, required=False, help_text=_("Letters only.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Item.Kind.choices)
    anonymous = forms.BooleanField(label=_("Anonymous (no sender's name)"), required=False)
    sender_name = forms.CharField(label=_("Sender's name"), max_length=200, required=False)
    sender_address = forms.CharField(label=_("Sender's address"), max_length=300, required=False)
    sender_contact = forms.CharField(label=_("Sender's contact"), max_length=200, required=False)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000)
    concerns = forms.ChoiceField(label=_("It concerns"), choices=Item.Concerns.choices)
    concerned_member = choosers.MemberChooser(label=_("Member concerned"), required=False)
    concerned_cell = choosers.CellChooser(label=_("Cell concerned"), required=False)
    concerned_other = forms.CharField(label=_("Person or body concerned"), max_length=300, required=False)
    reception = forms.ModelChoiceField(
        queryset=ReceptionSession.objects.none(),
        label=_("Recorded at the session"),
        required=False,
        empty_label="—",
    )

    def __init__(self, *args: Any, committees: list[Committee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [c.pk for c in committees]
        since = periods.today() - dt.timedelta(days=RECENT_SESSIONS_DAYS)
        self.fields["reception"].queryset = ReceptionSession.objects.filter(
            committee_id__in=ids, held_on__gte=since
        ).order_by("-held_on")
        self.fields["committee"].queryset = Committee.objects.filter(pk__in=ids).order_by("code")
        if len(committees) == 1:
            self.fields["committee"].initial = committees[0].pk
        cast(choosers.Chooser, self.fields["concerned_member"]).among(
            Member.objects.current().filter(cell__committee_id__in=ids).order_by("cell__code", "full_name")
        )
        cast(choosers.Chooser, self.fields["concerned_cell"]).among(
            Cell.objects.filter(committee_id__in=ids, active=True).order_by("code")
        )
        self.fields["received_on"].initial = periods.today()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # a name left typed in the box of what the item does not concern does not stop it being recorded
        for concerns, name in (
            (Item.Concerns.MEMBER, "concerned_member"),
            (Item.Concerns.CELL, "concerned_cell"),
        ):
            if data.get("concerns") != concerns:
                self.errors.pop(name, None)
                data[name] = None
        return data


class ClassifyForm(VersionForm):
    jurisdiction = forms.ChoiceField(
        label=_("Jurisdiction"), choices=[("", "—"), *Item.Jurisdiction.choices], required=False
    )
    duplicate_of = forms.ModelChoiceField(
        queryset=FeedbackItem.objects.none(),
        label=_("Duplicate of an earlier item"),
        required=False,
        empty_label="—",
    )
    not_handled = forms.ChoiceField(
        label=_("Not to be handled"), choices=[("", "—"), *Item.NotHandled.choices], required=False
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    handler = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), label=_("Handler"), required=False, empty_label="—"
    )

    def __init__(self, *args: Any, earlier: Any, handlers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["duplicate_of"].queryset = earlier
        self.fields["handler"].queryset = handlers
        self.fields["handler"].label_from_instance = lambda user: (
            user.member.full_name if getattr(user, "member", None) else user.get_username()
        )


class StepForm(VersionForm):
    """One of the handling's small steps, posted from the item's page."""

    action = forms.ChoiceField(
        choices=[(a, a) for a in ("tell", "note", "extend", "reply")], widget=forms.HiddenInput
    )
    on = forms.DateField(label=_("Date"), widget=DATE, required=False)
    text = forms.CharField(
        label=_("Note or reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    days = forms.IntegerField(
        label=_("Working days (extension)"), required=False, min_value=0, max_value=1000
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") in ("tell", "reply") and data.get("on") is None and "on" not in self.errors:
            self.add_error("on", _("Give the date."))
        if data.get("action") == "extend" and data.get("days") is None and "days" not in self.errors:
            self.add_error("days", _("Give the number of working days."))
        return data


class ConcludeForm(VersionForm):
    conclusion = forms.CharField(
        label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )
    finds_fault = forms.BooleanField(label=_("The conclusion finds fault"), required=False)
    concluded_on = forms.DateField(label=_("Concluded on"), widget=DATE)


class FeedbackShortcomingForm(OnceForm, VersionForm):
    description = forms.CharField(label=_("Shortcoming"), widget=forms.Textarea(attrs={"rows": 3}))
    plan = forms.CharField(label=_("Remediation plan"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = MemberChoiceField(
        queryset=Member.objects.none(),
        label=_("Responsible for the fix"),
        required=False,
        empty_label=_("— the member concerned —"),
    )
    due_on = forms.DateField(label=_("Due date"), widget=DATE)

    def __init__(self, *args: Any, cell: Cell, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Member.objects.current().filter(cell=cell).select_related("cell")
        self.fields["due_on"].initial = periods.today() + dt.timedelta(days=90)

    def clean_due_on(self) -> dt.date:
        due_on = self.cleaned_data["due_on"]
        if due_on < periods.today():
            raise forms.ValidationError(_("The due date cannot be in the past."))
        return due_on


class AttachForm(safe_input.Form):
    file = forms.FileField(
        label=_("Scan (PDF, JPEG or PNG)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class RegisterFilterForm(safe_input.Form):
    """The register's filters and search, read from the query string; an unknown value is ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *Item.Kind.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Item.Status.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def apply(self, qs: Any, user: Any) -> Any:
        from reviews.services import feedback as services

        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["overdue"]:
            qs = qs.overdue()
        return services.search(qs, user, data["q"])


class ReceptionForm(OnceForm):
    committee = forms.ModelChoiceField(queryset=Committee.objects.none(), label=_("Committee"))
    kind = forms.ChoiceField(label=_("Kind"), choices=ReceptionSession.Kind.choices)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    received_by = forms.CharField(label=_("Received by"), max_length=300)
    attendance = forms.IntegerField(label=_("How many came"), min_value=0, max_value=100000)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, committees: list[Committee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = Committee.objects.filter(pk__in=[c.pk for c in committees])
        if len(committees) == 1:
            self.fields["committee"].initial = committees[0].pk
        self.fields["held_on"].initial = periods.today()


class ReportForm(safe_input.Form):
    """The report's period, from the query string: an unknown value falls back to this month."""

    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[
            ("month", _("Month")),
            ("quarter", _("Quarter")),
            ("six", _("Six months")),
            ("nine", _("Nine months")),
            ("year", _("Year")),
        ],
    )
    year = forms.IntegerField(label=_("Year"), required=False)
    number = forms.IntegerField(label=_("Month or quarter"), required=False, min_value=1, max_value=12)

    def chosen(self) -> tuple[str, int, int]:
        today = periods.today()
        data = self.cleaned_data if self.is_valid() else {}
        kind = data.get("period") or "month"
        year = data.get("year") or today.year
        if not periods.plausible_year(year):
            year = today.year
        default = today.month if kind == "month" else (today.month + 2) // 3
        number = data.get("number") or default
        if kind == "quarter":
            number = min(number, 4)
        return kind, year, number
