from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cells.models import Committee
from phuthang import periods, safe_input
from phuthang.submits import OnceForm
from reviews.models import Manifestation, ReviewFinding
from reviews.models.reviews import PeriodKind, RatingLevels
from reviews.services.reviews import SelfReview


class VersionForm(safe_input.Form):
    """Carries the version of the row the user saw, so a save from a stale page is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


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


class SelfAssessmentForm(VersionForm):
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


class ProposalForm(VersionForm):
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


class DecisionForm(VersionForm):
    rating = forms.ChoiceField(label=_("Decided rating"), required=False)

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
