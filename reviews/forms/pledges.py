from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cells.models import Committee
from phuthang import periods, safe_input
from phuthang.submits import OnceForm
from phuthang.widgets import DateInWords
from reviews.forms.reviews import VersionForm
from reviews.services.pledges import Line

DATE = DateInWords()
SEPARATOR = "|"
LINES_HELP = _(
    "One per line. After a line you may add a target and a date, each after a “|”, for example: "
    "Tham gia đầy đủ sinh hoạt chi bộ | 12/12 buổi | 31/12/2026"
)


def parse_lines(text: str, label: Any) -> list[Line]:
    """The lines of a text box: each "text | target | date", the last two optional; empty lines skipped."""
    lines, day = [], forms.DateField(validators=[safe_input.DEFAULT_DATES])
    for number, raw in enumerate(text.splitlines(), start=1):
        parts = [part.strip() for part in raw.split(SEPARATOR)]
        if not parts[0]:
            if any(parts):
                raise ValidationError(
                    _("%(field)s, line %(line)d: write the text before the “|”."),
                    params={"field": label, "line": number},
                )
            continue
        if len(parts) > 3:
            raise ValidationError(
                _("%(field)s, line %(line)d: at most a target and a date after the text, each after a “|”."),
                params={"field": label, "line": number},
            )
        target = parts[1] if len(parts) > 1 else ""
        due_on: dt.date | None = None
        if len(parts) > 2 and parts[2]:
            try:
                due_on = day.clean(parts[2])
            except ValidationError:
                raise ValidationError(
                    _("%(field)s, line %(line)d: “%(date)s” is not a date; write it like 31/12/2026."),
                    params={"field": label, "line": number, "date": parts[2]},
                ) from None
        if len(target) > 300:
            raise ValidationError(
                _("%(field)s, line %(line)d: the target is too long (300 characters at most)."),
                params={"field": label, "line": number},
            )
        lines.append(Line(text=parts[0], target=target, due_on=due_on))
    return lines


class CampaignForm(OnceForm):
    committee = forms.ModelChoiceField(queryset=Committee.objects.none(), label=_("Committee"))
    year = forms.IntegerField(label=_("Year"), min_value=periods.FIRST_YEAR, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    due_on = forms.DateField(label=_("Sign by"), widget=DATE)
    text = forms.CharField(
        label=_("Common text"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Every member reads this before signing. It starts from the office's reference text."),
    )

    def __init__(self, *args: Any, committees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = committees

    def details(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("submit_token", None)
        data.pop("committee", None)
        return data


class TextCorrectionForm(VersionForm):
    text = forms.CharField(label=_("Corrected text"), widget=forms.Textarea(attrs={"rows": 12}))
    reason = forms.CharField(
        label=_("What was corrected, and why"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class _LinesForm(OnceForm):
    """The commitments and deeds typed one per line; the campaign version the page showed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)  # of the campaign text shown
    commitments = forms.CharField(
        label=_("Personal commitments"), widget=forms.Textarea(attrs={"rows": 5}), help_text=LINES_HELP
    )
    deeds = forms.CharField(
        label=_("Registered deeds (việc làm cụ thể)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=LINES_HELP,
    )
    reason = forms.CharField(
        label=_("Reason for signing again"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=1000,
        help_text=_("Only when a pledge was already signed: it is kept, and this one takes its place."),
    )

    def __init__(self, *args: Any, signing_again: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not signing_again:
            del self.fields["reason"]
        else:
            self.fields["reason"].required = True

    def clean_commitments(self) -> list[Line]:
        lines = parse_lines(self.cleaned_data["commitments"], self.fields["commitments"].label)
        if not lines:
            raise ValidationError(_("Write at least one personal commitment."))
        return lines

    def clean_deeds(self) -> list[Line]:
        return parse_lines(self.cleaned_data.get("deeds") or "", self.fields["deeds"].label)

    def signature(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("submit_token", None)
        data.pop("confirmed", None)
        data["campaign_version"] = data.pop("version")
        return data


class SignForm(_LinesForm):
    confirmed = forms.BooleanField(
        label=_("I have read the pledge above and commit to it."),
        error_messages={"required": _("Tick the box to confirm that you have read the pledge.")},
    )


class PaperPledgeForm(_LinesForm):
    paper_signed_on = forms.DateField(label=_("Date on the paper"), widget=DATE)

    field_order = ["paper_signed_on", "commitments", "deeds", "reason"]


# --- Personal action plans


class PlanForm(OnceForm):
    unit = forms.TypedChoiceField(label=_("For the unit I lead"), coerce=int)
    year = forms.IntegerField(label=_("Year"), min_value=periods.FIRST_YEAR, max_value=2100)
    items = forms.CharField(
        label=_("Items of the plan"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One per line: the task, then its target and its due date, each after a “|”, for example: "
            "Dự đủ sinh hoạt ở chi bộ phụ trách | 12/12 buổi | 31/12/2026"
        ),
    )

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        self.fields["unit"].choices = [(i, unit.name) for i, unit in enumerate(units)]

    def clean_items(self) -> list[Line]:
        return parse_lines(self.cleaned_data["items"], self.fields["items"].label)

    def details(self) -> dict[str, Any]:
        return {
            "unit": self.units[self.cleaned_data["unit"]],
            "year": self.cleaned_data["year"],
            "items": self.cleaned_data["items"],
        }


class NoteForm(VersionForm):
    on = forms.DateField(label=_("Date"), widget=DATE)
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    status = forms.ChoiceField(label=_("Status now"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from reviews.models import ActionPlanItem

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = ActionPlanItem.Status.choices


class PledgeLinesForm(safe_input.Form):
    """One outcome and note per line of the member's pledge of the review's year."""

    def __init__(self, *args: Any, lines: list[Any], **kwargs: Any) -> None:
        from reviews.models import PledgeLineOutcome

        super().__init__(*args, **kwargs)
        self.lines = lines
        choices = [("", _("— not marked —")), *PledgeLineOutcome.Outcome.choices]
        for line, outcome in lines:
            self.fields[f"o{line.pk}"] = forms.ChoiceField(
                label=line.text, choices=choices, required=False, initial=outcome.outcome if outcome else ""
            )
            self.fields[f"n{line.pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=1000, initial=outcome.note if outcome else ""
            )

    def marks(self) -> dict[int, tuple[str, str]]:
        return {
            line.pk: (self.cleaned_data[f"o{line.pk}"], self.cleaned_data[f"n{line.pk}"])
            for line, _o in self.lines
        }
