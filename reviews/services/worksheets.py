"""The 100-point worksheet (QĐ 366-QĐ/TW): the criteria a review is scored on, each stage's column, the
totals and the level the points suggest (docs/worksheet.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from reviews.models import CriteriaGroup, Criterion, Review, WorksheetScore
from reviews.models.reviews import RatingLevels
from reviews.models.rules import rules

if TYPE_CHECKING:
    from django.contrib.auth import models as auth

    from reviews.services.reviews import EarlierShortcomings

Stage = WorksheetScore.Stage
Section = Criterion.Section
STAGES = (Stage.SELF, Stage.CELL, Stage.DECISION)

# A stage's column: for each criterion's id, its points (a disqualifier: whether it applies); None: not scored.
Column = dict[int, Decimal | bool | None]


def section_points() -> dict[str, int]:
    """The points each section must add up to (rules rating_levels.worksheet_*_points: 30 and 70)."""
    found = rules("rating_levels")
    return {
        Section.GENERAL: int(found.get("worksheet_general_points", 30)),
        Section.TASKS: int(found.get("worksheet_tasks_points", 70)),
    }


def criteria_for(review: Review) -> list[Criterion]:
    """The active criteria of the first active group for this kind of review, in order (one query)."""
    first_group = (
        CriteriaGroup.objects.filter(active=True, collective=review.is_collective)
        .order_by("position", "pk")
        .values("pk")[:1]
    )
    return list(
        Criterion.objects.filter(active=True, group_id=Subquery(first_group))
        .select_related("group")
        .order_by("position", "pk")
    )


def suggested_level(
    total: Decimal, *, levels: RatingLevels, disqualified: bool, top_allowed: bool = True
) -> str:
    """THE reading of the points: disqualifiers first (the lowest level), then the first level whose minimum
    the total reaches (90, 70, 50, 0 from the rules); the top one only when its other condition holds."""
    if not levels.levels:
        return ""
    if disqualified:
        return levels.lowest
    for level in levels.levels:
        if total >= level.min_points and (top_allowed or level.code != levels.top):
            return level.code
    return levels.lowest


@dataclass
class StageColumn:
    stage: str
    label: str
    points: dict[int, Decimal] = field(default_factory=dict)
    breached: set[int] = field(default_factory=set)
    general: Decimal = Decimal(0)
    tasks: Decimal = Decimal(0)
    suggested: str = ""
    suggested_name: str = ""
    reasons: list[str] = field(default_factory=list)  # why the suggestion is the lowest level, or not the top

    @property
    def scored(self) -> bool:
        return bool(self.points)

    @property
    def total(self) -> Decimal:
        return self.general + self.tasks


@dataclass(frozen=True)
class Line:
    criterion: Criterion
    cells: list[tuple[StageColumn, Decimal | None, bool]]  # (column, points, breached) per stage


@dataclass(frozen=True)
class Worksheet:
    criteria: list[Criterion]
    columns: list[StageColumn]
    sections: list[tuple[str, str, int, list[Line]]]  # (code, title, points, lines)

    def column(self, stage: str) -> StageColumn:
        return next(c for c in self.columns if c.stage == stage)

    @property
    def latest(self) -> StageColumn | None:
        """The column the decision is compared with: the deciding level's, else the cell's."""
        for stage in (Stage.DECISION, Stage.CELL):
            if self.column(stage).scored:
                return self.column(stage)
        return None


def build(
    criteria: list[Criterion],
    scores: list[WorksheetScore],
    *,
    levels: RatingLevels,
    present: bool,
    earlier: EarlierShortcomings,
) -> Worksheet:
    """The three columns with their totals and suggestions, from rows already fetched (and the sections'
    points, one query)."""
    labels = dict(Stage.choices)
    columns: dict[str, StageColumn] = {
        str(stage): StageColumn(stage=str(stage), label=str(labels[stage])) for stage in STAGES
    }
    kinds = {c.pk: c for c in criteria}
    for score in scores:
        criterion = kinds.get(score.criterion_id)
        if criterion is None:
            continue  # a criterion taken out of use since: its score no longer counts
        column = columns[score.stage]
        if criterion.is_disqualifier:
            if score.breached:
                column.breached.add(criterion.pk)
            continue
        column.points[criterion.pk] = score.points
        if criterion.section == Section.GENERAL:
            column.general += score.points
        else:
            column.tasks += score.points
    tasks_max = sum(c.max_points for c in criteria if c.section == Section.TASKS)
    for column in columns.values():
        if not column.scored:
            continue
        if present:
            column.reasons.append(_("a manifestation of degradation was concluded as present"))
        for pk in sorted(column.breached, key=lambda pk: kinds[pk].position):
            column.reasons.append(kinds[pk].text)
        if tasks_max and column.tasks * 2 < tasks_max:
            column.reasons.append(_("less than half of the points for the results of the tasks"))
        column.suggested = suggested_level(
            column.total, levels=levels, disqualified=bool(column.reasons), top_allowed=earlier.all_fixed
        )
        reached_top = bool(levels.levels) and column.total >= levels.levels[0].min_points
        if not column.reasons and reached_top and not earlier.all_fixed:
            column.reasons.append(_("the shortcomings of earlier periods are not all fixed"))
        column.suggested_name = levels.name(column.suggested)
    points = section_points()
    titles = dict(Section.choices)
    sections: list[tuple[str, str, int, list[Line]]] = []
    for code in (Section.GENERAL, Section.TASKS, Section.DISQUALIFIER):
        lines = [
            Line(
                criterion=c,
                cells=[(col, col.points.get(c.pk), c.pk in col.breached) for col in columns.values()],
            )
            for c in criteria
            if c.section == code
        ]
        if lines:
            sections.append((str(code), str(titles[code]), points.get(code, 0), lines))
    return Worksheet(criteria=criteria, columns=list(columns.values()), sections=sections)


def load(
    review: Review, *, levels: RatingLevels, present: bool, earlier: EarlierShortcomings
) -> Worksheet | None:
    """The review's worksheet (three queries: the criteria, the scores, the sections' points), or None when
    no criteria apply (one query)."""
    criteria = criteria_for(review)
    if not criteria:
        return None
    scores = list(review.scores.all())
    return build(criteria, scores, levels=levels, present=present, earlier=earlier)


def save_column(
    review: Review, *, stage: str, column: Column, criteria: list[Criterion], by: auth.User | None
) -> None:
    """Check and write one stage's column; the caller holds the review's lock and names the stage by its
    step, so nobody writes another stage's column. A column is scored in full or left empty."""
    known = {c.pk: c for c in criteria}
    scorable = [c for c in criteria if not c.is_disqualifier]
    given = {pk: value for pk, value in column.items() if pk in known}
    errors: dict[str, list[str]] = {}
    for pk, value in given.items():
        criterion = known[pk]
        if criterion.is_disqualifier or value is None or isinstance(value, bool):
            continue
        if value < 0:
            errors[f"score_{pk}"] = [_("Points cannot be below zero.")]
        elif value > criterion.max_points:
            errors[f"score_{pk}"] = [
                _("Criterion %(code)s has at most %(max)s points; %(points)s were entered.")
                % {"code": criterion.code, "max": criterion.max_points, "points": number(value)}
            ]
    if errors:
        raise ValidationError(errors)
    existing = {s.criterion_id: s for s in review.scores.filter(stage=stage)}
    points_given = [c for c in scorable if given.get(c.pk) is not None]
    if not points_given and not any(given.get(c.pk) for c in criteria if c.is_disqualifier):
        if any(s.criterion_id in known for s in existing.values()):
            raise ValidationError(_("The worksheet was scored before: give the points of every criterion."))
        return  # the worksheet is not used for this review at this stage
    missing = [c.code for c in scorable if given.get(c.pk) is None]
    if missing:
        raise ValidationError(
            _("Give the points of every criterion of the worksheet, or none. Missing: %(codes)s.")
            % {"codes": ", ".join(missing)}
        )
    to_create, to_update = [], []
    for criterion in criteria:
        value = given.get(criterion.pk)
        points = Decimal(0) if criterion.is_disqualifier else Decimal(str(value))
        breached = bool(value) if criterion.is_disqualifier else False
        row = existing.get(criterion.pk)
        if row is None:
            to_create.append(
                WorksheetScore(
                    review=review, criterion=criterion, stage=stage, points=points, breached=breached, by=by
                )
            )
        elif (row.points, row.breached) != (points, breached):
            row.points, row.breached, row.by, row.at = (
                points,
                breached,
                by,
                timezone.now(),
            )  # no auto_now here
            to_update.append(row)
    WorksheetScore.objects.bulk_create(to_create)
    WorksheetScore.objects.bulk_update(to_update, ["points", "breached", "by", "at"])


def column_problem(
    rating: str, *, criteria: list[Criterion], column: Column, levels: RatingLevels
) -> str | None:
    """A disqualifier ticked in one's own column allows only the lowest level, as a concluded
    manifestation does."""
    ticked = [c.code for c in criteria if c.is_disqualifier and column.get(c.pk)]
    if rating and ticked and rating != levels.lowest:
        return _(
            "Disqualifier %(codes)s is ticked in the worksheet, so the only allowed rating is “%(name)s”."
        ) % {
            "codes": ", ".join(ticked),
            "name": levels.name(levels.lowest),
        }
    return None


def number(value: Decimal) -> str:
    """9.5 → "9,5", 10.0 → "10", as the ward writes points."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")
