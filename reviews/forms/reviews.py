from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cells.models import Committee
from phuthang import periods, safe_input
from phuthang.submits import OnceForm
from reviews.models import Criterion, Manifestation, ReviewFinding
from reviews.models.reviews import PeriodKind, RatingLevels
from reviews.services.reviews import SelfReview


class VersionForm(safe_input.Form):
    """Carries the version of the row the user saw, so a save from a stale page is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PointsField(forms.CharField):
    """Points as the ward writes them, "8,5" or "8.5"; at most one decimal. The criterion's maximum is the
    service's to check (it names the criterion in its message)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, max_length=6, **kwargs)
        self.widget.attrs.update(
            {"inputmode": "decimal", "autocomplete": "off", "class": "form-control points"}
        )

    def clean(self, value: Any) -> Decimal | None:
        text = (super().clean(value) or "").strip().replace(",", ".")
        if not text:
            return None
        try:
            points = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("Write the points as a number, for example 8 or 8,5.")) from None
        if not points.is_finite() or points != points.quantize(Decimal("0.1")):
            raise ValidationError(
                _("Write the points as a number with at most one decimal, for example 8,5.")
            )
        return points


class WorksheetFields:
    """Mixed into a step's form: its stage's column of the 100-point worksheet, a points field per
    criterion and a box per disqualifier."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    criteria: list[Criterion] = []

    def add_worksheet(self, criteria: list[Criterion], column: dict[int, Any]) -> None:
        self.criteria = criteria
        for c in criteria:
            if c.is_disqualifier:
                self.fields[f"score_{c.pk}"] = forms.BooleanField(
                    label=f"{c.code}. {c.text}", required=False, initial=bool(column.get(c.pk))
                )
            else:
                value = column.get(c.pk)
                self.fields[f"score_{c.pk}"] = PointsField(
                    label=f"{c.code}. {c.text}",
                    initial=None if value is None else f"{value.normalize():f}".replace(".", ","),
                    help_text=_("At most %(max)s points.") % {"max": c.max_points},
                )

    def worksheet_field(self, criterion: Criterion) -> Any:
        return self[f"score_{criterion.pk}"]  # type: ignore[index]  # mixed into a Form

    def column(self) -> dict[int, Any]:
        return {c.pk: self.cleaned_data.get(f"score_{c.pk}") for c in self.criteria}


class RoundForm(OnceForm):
    committee = forms.ModelChoiceField(queryset=Committee.objects.none(), label=_("Committee"))
    title = forms.CharField(label=_("Title"), max_length=200)
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices, initial=PeriodKind.YEAR)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", "—"), (1, "I"), (2, "II"), (3, "III"), (4, "IV")],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args: Any, committees: list[Committee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = Committee.objects.filter(pk__in=[c.pk for c in committees])
        if len(committees) == 1:
            self.fields["committee"].initial = committees[0].pk
        year = periods.today().year
        self.fields["year"].initial = year
        self.fields["title"].initial = _("Year-end review %(year)s") % {"year": year}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("period_kind") == PeriodKind.QUARTER and not data.get("quarter"):
            self.add_error("quarter", _("Choose the quarter."))
        return data


class SelfAssessmentForm(VersionForm, WorksheetFields):
    """The self-review in the official form's sections, and the 27-manifestation self-check."""

    self_strengths = forms.CharField(
        label=_("1. Strengths and results"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
        help_text=_("Political thought, ethics and lifestyle, discipline; the tasks done and their results."),
    )
    self_shortcomings = forms.CharField(
        label=_("2. Shortcomings and their causes"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
        required=False,
    )
    self_collective = forms.CharField(
        label=_("4. Responsibility for the collective's shortcomings"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
        required=False,
        help_text=_("For those holding a leadership position."),
    )
    self_direction = forms.CharField(
        label=_("5. Direction and measures to overcome the shortcomings"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
        required=False,
    )
    self_level = forms.ChoiceField(label=_("6. The level I propose"), required=False)

    def __init__(
        self,
        *args: Any,
        levels: RatingLevels,
        manifestations: list[Manifestation],
        marked: set[int],
        leader: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["self_level"].choices = rating_choices(levels)
        if not leader:
            del self.fields["self_collective"]
        self.manifestations = manifestations
        for m in manifestations:
            self.fields[f"marked_{m.pk}"] = forms.BooleanField(
                label=m.label, required=False, initial=m.pk in marked
            )

    def marked_rows(self) -> list[Any]:
        return [self[f"marked_{m.pk}"] for m in self.manifestations]

    def sections(self) -> SelfReview:
        data = self.cleaned_data
        return SelfReview(
            strengths=data["self_strengths"].strip(),
            shortcomings=data.get("self_shortcomings", "").strip(),
            collective=data.get("self_collective", "").strip(),
            direction=data.get("self_direction", "").strip(),
            level=data.get("self_level", ""),
            marked=frozenset(m.pk for m in self.manifestations if data.get(f"marked_{m.pk}")),
        )


def rating_choices(levels: RatingLevels) -> list[tuple[str, str]]:
    return [("", _("— no rating —")), *levels.choices]


class ProposalForm(VersionForm, WorksheetFields):
    """The cell's step: criticism received, the 27-line checklist, and the proposed rating."""

    criticism = forms.CharField(
        label=_("Comments received (criticism)"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    rating = forms.ChoiceField(label=_("Proposed rating"), required=False)

    def __init__(
        self,
        *args: Any,
        levels: RatingLevels,
        manifestations: list[Manifestation],
        lines: dict[int, ReviewFinding],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = rating_choices(levels)
        self.fields["rating"].help_text = _(
            "If any manifestation below is concluded as present, the only allowed rating is “%(name)s”."
        ) % {"name": levels.name(levels.lowest)}
        self.manifestations = manifestations
        self.marked = {pk for pk, line in lines.items() if line.self_marked}
        for m in manifestations:
            line = lines.get(m.pk)
            self.fields[f"present_{m.pk}"] = forms.BooleanField(
                label=m.label, required=False, initial=bool(line and line.present)
            )
            self.fields[f"note_{m.pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=1000, initial=line.note if line else ""
            )

    def checklist_rows(self) -> list[tuple[Manifestation, Any, Any, bool]]:
        """Each manifestation with the cell's fields and whether the member marked it themself."""
        return [
            (m, self[f"present_{m.pk}"], self[f"note_{m.pk}"], m.pk in self.marked)
            for m in self.manifestations
        ]

    def findings(self) -> dict[int, tuple[bool, str]]:
        return {
            m.pk: (
                bool(self.cleaned_data.get(f"present_{m.pk}")),
                self.cleaned_data.get(f"note_{m.pk}", "").strip(),
            )
            for m in self.manifestations
        }


class DecisionForm(VersionForm, WorksheetFields):
    rating = forms.ChoiceField(label=_("Decided rating"), required=False)
    reason = forms.CharField(
        label=_("Why the decided level differs from the worksheet's"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
        help_text=_("Needed only when the level decided is not the one the worksheet's points suggest."),
    )

    def __init__(self, *args: Any, levels: RatingLevels, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = rating_choices(levels)


class ReopenForm(VersionForm):
    reason = forms.CharField(label=_("Reason for re-opening"), widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason for withdrawing"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the member moved to another cell. The review is kept, marked withdrawn."),
    )
