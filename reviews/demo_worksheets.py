"""seed_demo's worksheets: this year's member reviews in some cells scored on the 100-point worksheet, each
column written at the step its review has reached, points agreeing with the rating (docs/worksheet.md)."""

from __future__ import annotations

import random
from decimal import Decimal

from cells.demo import Ward
from reviews.models import Criterion, Review, WorksheetScore
from reviews.models.reviews import RatingLevels
from reviews.services import reviews as services
from reviews.services import worksheets

RS = Review.Status
HALF = Decimal("0.5")
# the totals drawn for each level: within its band, away from the boundaries
BANDS = {"excellent": (90, 98), "good": (72, 88), "done": (52, 68), "not_done": (38, 48)}
# the cells whose members' reviews are scored (cell 01 is the demo's `chibo01`, `dangvien`'s cell)
SCORED_CELLS = 6


def build_worksheets(ward: Ward, *, rng: random.Random) -> int:
    """Score this year's reviews of the first cells' members; returns the number of scores written."""
    levels = RatingLevels.load()
    cells = sorted((c for c in ward.cells if c.active), key=lambda c: c.code)[:SCORED_CELLS]
    reviews = list(
        Review.objects.filter(round__year=ward.today.year, member__isnull=False, cell__in=cells)
        .exclude(status__in=[RS.DRAFT, RS.WITHDRAWN])
        .select_related("member")
        .order_by("pk")
    )
    if not reviews:
        return 0
    criteria = worksheets.criteria_for(reviews[0])
    scorable = [c for c in criteria if not c.is_disqualifier]
    scores: list[WorksheetScore] = []
    reasons: list[Review] = []
    for review in reviews:
        top_allowed = services.earlier_shortcomings(review).all_fixed
        self_level = review.self_level or rng.choice(["good", "good", "excellent", "done"])
        stages = [("self", self_level, review.self_assessed_by)]
        if review.status in (RS.PROPOSED, RS.DECIDED):
            stages.append(("cell", review.proposed_rating or "good", review.proposed_by))
        if review.status == RS.DECIDED and rng.random() < 0.7:  # else the deciding level kept the cell's
            stages.append(("decision", review.decided_rating, review.decided_by))
        suggested = ""
        for stage, level, by in stages:
            column = _column(scorable, level, rng, levels=levels, top_allowed=top_allowed)
            suggested = worksheets.suggested_level(
                sum(column.values(), Decimal(0)), levels=levels, disqualified=False, top_allowed=top_allowed
            )
            scores += [
                WorksheetScore(review=review, criterion=c, stage=stage, points=points, by=by)
                for c, points in column.items()
            ]
            scores += [
                WorksheetScore(review=review, criterion=c, stage=stage, by=by)
                for c in criteria
                if c.is_disqualifier
            ]
        if review.status == RS.DECIDED and suggested != review.decided_rating:
            review.decision_reason = "Cấp ủy cân nhắc thêm kết quả công tác ở khu dân cư trong năm."
            reasons.append(review)
    WorksheetScore.objects.bulk_create(scores, batch_size=5000)
    Review.objects.bulk_update(reasons, ["decision_reason"])
    return len(scores)


def _column(
    scorable: list[Criterion], level: str, rng: random.Random, *, levels: RatingLevels, top_allowed: bool
) -> dict[Criterion, Decimal]:
    """Points per criterion whose total falls in the level's band, drawn again (a few times) until the
    points suggest that level."""
    low, high = BANDS.get(level, BANDS["good"])
    column: dict[Criterion, Decimal] = {}
    for _attempt in range(8):
        share = Decimal(rng.randint(low * 2, high * 2)) / 200  # the total / 100, in half points
        for criterion in scorable:
            drawn = Decimal(criterion.max_points) * share + Decimal(rng.choice([-1, 0, 0, 1])) * HALF
            points = (drawn / HALF).to_integral_value() * HALF
            column[criterion] = min(Decimal(criterion.max_points), max(Decimal(0), points))
        total = sum(column.values(), Decimal(0))
        if (
            worksheets.suggested_level(total, levels=levels, disqualified=False, top_allowed=top_allowed)
            == level
        ):
            break
    return column
