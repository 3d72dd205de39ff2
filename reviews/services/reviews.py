"""Reviews: starting a round, the steps draft → self-assessed → proposed → decided, and re-opening.

Every step locks the review row (`select_for_update`) and checks the status and version the user saw, so
a step posted twice or from a stale page is refused with a message instead of overwriting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cells.models import CELL_ROLES, COMMITTEE_ROLES, Cell, Committee, Member, Position
from phuthang import periods
from phuthang.bulk import insert_select
from phuthang.concurrency import OutOfDate, lock_current
from phuthang.history import records_who
from reviews.models import Manifestation, Review, ReviewFinding, ReviewRound, Shortcoming
from reviews.models.reviews import PeriodKind, RatingLevels, RoundCellCount, RoundRatingCount
from reviews.models.rules import rule
from reviews.permissions import duties
from reviews.services import worksheets
from reviews.services.worksheets import Column

if TYPE_CHECKING:
    from django.contrib.auth import models as auth


S = Review.Status


def _lock(review: Review, *, allowed: tuple[str, ...], version: int | None, action: str) -> Review:
    return lock_current(
        Review.objects,
        review.pk,
        allowed=allowed,
        version=version,
        refused=lambda current: (
            _(
                "This review is now “%(status)s”, so “%(action)s” is not possible. "
                "It may have been done already, or your page was out of date."
            )
            % {"status": current.get_status_display(), "action": action}
        ),
        changed=_("Someone changed this review after you opened the page. Check the changes and try again."),
    )


def _save(review: Review, fields: list[str], *, was: str) -> Review:
    """Save the named fields and bump the version; a change of status moves one in the round's counts."""
    if review.round_id is not None and was != review.status:
        RoundCellCount.objects.filter(round_id=review.round_id, cell_id=review.cell_id).update(
            **{was: F(was) - 1, review.status: F(review.status) + 1}
        )
    review.version = F("version") + 1
    review.save(update_fields=[*fields, "version"])
    review.refresh_from_db(fields=["version"])
    return review


# --- Rounds


def round_problem(
    committee: Committee, *, period_kind: str, year: int, quarter: int | None
) -> ValidationError | None:
    """Why a round cannot be started (the quarter missing, the period's round already there), or None.

    Asked by the page before it starts the job, for an answer at once, and again by `start_round`."""
    if period_kind == PeriodKind.QUARTER and not quarter:
        return ValidationError({"quarter": _("Choose the quarter.")})
    quarter = quarter if period_kind == PeriodKind.QUARTER else None
    duplicate = ReviewRound.objects.filter(
        committee=committee, period_kind=period_kind, year=year, quarter=quarter
    ).exclude(period_kind=PeriodKind.AD_HOC)
    if duplicate.exists():
        return ValidationError(_("A review round for this period already exists in this committee."))
    return None


# Cells per INSERT … SELECT when a round starts: the progress moves between statements.
ROUND_CHUNK_CELLS = 250


@records_who
@transaction.atomic
def start_round(
    committee: Committee,
    *,
    title: str,
    period_kind: str,
    year: int,
    quarter: int | None,
    by: auth.User | None,
    progress: Callable[..., None] | None = None,  # phuthang.jobs.Progress: (done, total=None)
) -> ReviewRound:
    """One review per non-exempt current member and one per cell of the committee, set-based: an
    `INSERT … SELECT` per chunk of cells, nothing fetched but the cells' ids (docs/rules.md, history)."""
    quarter = quarter if period_kind == PeriodKind.QUARTER else None
    if (problem := round_problem(committee, period_kind=period_kind, year=year, quarter=quarter)) is not None:
        raise problem
    review_round = ReviewRound.objects.create(
        committee=committee, title=title, period_kind=period_kind, year=year, quarter=quarter, started_by=by
    )
    on = periods.today()
    cells = list(
        Cell.objects.active().filter(committee=committee).order_by("pk").values_list("pk", flat=True)
    )
    common: dict[str, Any] = {
        "round": review_round.pk,
        "period_kind": period_kind,
        "year": year,
        "title": title,
    }
    if quarter is not None:
        common["quarter"] = quarter
    if progress is not None:
        progress(0, len(cells))
    for start in range(0, len(cells), ROUND_CHUNK_CELLS):
        chunk = cells[start : start + ROUND_CHUNK_CELLS]
        members = Member.objects.current(on).filter(cell_id__in=chunk).not_exempt(on)
        insert_select(Review, members, {**common, "cell": F("cell_id"), "member": F("pk")})
        insert_select(Review, Cell.objects.filter(pk__in=chunk), {**common, "cell": F("pk")})
        if progress is not None:
            progress(start + len(chunk))
    recount_round(review_round)
    return review_round


def recount_round(review_round: ReviewRound) -> None:
    """Set the round's per-cell counts from its reviews (one grouped query, one upsert).

    For writers that insert reviews in bulk (starting a round, the demo); the steps of one review move
    the counts themselves.
    """
    rows = (
        Review.objects.filter(round=review_round)
        .order_by()
        .values("cell_id")
        .annotate(**{status: Count("pk", filter=Q(status=status)) for status in S.values})
    )
    RoundCellCount.objects.bulk_create(
        [RoundCellCount(round=review_round, **row) for row in rows],
        update_conflicts=True,
        unique_fields=["round", "cell"],
        update_fields=list(S.values),
        batch_size=2000,
    )


FINAL = (S.DECIDED, S.WITHDRAWN)


@records_who
@transaction.atomic
def close_round(review_round: ReviewRound, *, by: auth.User) -> ReviewRound:
    """Close a round once every review in it is decided or withdrawn; refused with the counts otherwise.

    The round row is locked: re-opening a review of the round locks it too, so a review cannot move back
    out of "decided" while the round is being closed.
    """
    current = lock_current(
        ReviewRound.objects,
        review_round.pk,
        allowed=(ReviewRound.Status.OPEN,),
        refused=_("This review round is already closed."),
    )
    pending = dict(
        current.reviews.exclude(status__in=FINAL)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    if pending:
        count = sum(pending.values())
        detail = ", ".join(f"{pending[status]} {label}" for status, label in S.choices if status in pending)
        raise ValidationError(
            ngettext(
                "The round cannot be closed: %(count)d review is not decided or withdrawn yet (%(detail)s).",
                "The round cannot be closed: %(count)d reviews are not decided or withdrawn yet (%(detail)s).",
                count,
            )
            % {"count": count, "detail": detail}
        )
    current.status = ReviewRound.Status.CLOSED
    current.closed_by, current.closed_at = by, timezone.now()
    current.save(update_fields=["status", "closed_by", "closed_at"])
    return current


def _lock_open_round(review: Review) -> None:
    """Lock the review's round (if any) and refuse when it is closed: a closed round's reviews are final."""
    if review.round_id is None:
        return
    status = ReviewRound.objects.select_for_update().values_list("status", flat=True).get(pk=review.round_id)
    if status != ReviewRound.Status.OPEN:
        raise OutOfDate(review, _("The review round is closed, so its reviews can no longer change."))


# --- The cap on the top rating


def top_cap() -> float | None:
    """The staff-editable share (rule rating_levels.excellent_cap_share), or None when no valid cap is set."""
    value = rule("rating_levels.excellent_cap_share")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        return None
    return float(value)


def top_cap_allows(*, top: int, good: int, cap: float | None) -> bool:
    """THE reading of the cap: the top ratings may be at most `cap` of the ratings "good" or better.

    Those rated at the top are chosen among those who reached "good", so the base is top + good of the
    same round (and the same kind of subject); ratings below "good" do not widen it.
    """
    if cap is None:
        return True
    return top <= cap * (top + good) + 1e-9  # the tolerance keeps 1 of 5 at a cap of 0.2 allowed


@dataclass(frozen=True)
class TopShare:
    """Decided top and second-level ratings of a round for members (or for cells), against the cap."""

    top: int
    good: int
    cap: float | None

    @property
    def base(self) -> int:
        return self.top + self.good

    @property
    def share(self) -> float | None:
        return self.top / self.base if self.base else None

    @property
    def is_over(self) -> bool:
        """More top ratings than the cap allows (decided before the cap was lowered, say)."""
        return not top_cap_allows(top=self.top, good=self.good, cap=self.cap)

    @property
    def allows_one_more(self) -> bool:
        return top_cap_allows(top=self.top + 1, good=self.good, cap=self.cap)


def top_shares(round_id: int | None, levels: RatingLevels) -> dict[bool, TopShare]:
    """{collective: TopShare} for members (False) and cells (True): the round's rating counts (a few rows
    kept by the database, reviews/counts.py, never the round's reviews) and the rule."""
    good = levels.levels[1].code if len(levels.levels) > 1 else ""
    counts = {
        (collective, rating): n
        for collective, rating, n in RoundRatingCount.objects.filter(
            round_id=round_id, rating__in=[levels.top, good]
        ).values_list("collective", "rating", "reviews")
    }
    cap = top_cap()
    return {
        collective: TopShare(
            top=counts.get((collective, levels.top), 0), good=counts.get((collective, good), 0), cap=cap
        )
        for collective in (False, True)
    }


def top_cap_problem(review: Review, levels: RatingLevels) -> str | None:
    """Why one more top rating in this review's round would break the cap, or None."""
    share = top_shares(review.round_id, levels)[review.is_collective]
    if share.allows_one_more:
        return None
    good = levels.levels[1].code if len(levels.levels) > 1 else ""
    return _(
        "At most %(cap)s of the ratings “%(good)s” or better in a round may be “%(top)s”. "
        "This round already has %(top_count)d “%(top)s” of %(base)d such ratings "
        "(%(kind)s); one more would be %(after)d of %(after_base)d."
    ) % {
        "cap": f"{share.cap:.0%}",
        "good": levels.name(good),
        "top": levels.name(levels.top),
        "top_count": share.top,
        "base": share.base,
        "kind": _("cells") if review.is_collective else _("members"),
        "after": share.top + 1,
        "after_base": share.base + 1,
    }


@dataclass(frozen=True)
class CellProgress:
    counts: RoundCellCount  # with its cell
    waiting: list[Review]  # reviews not yet self-assessed

    @property
    def cell(self) -> Cell:
        return self.counts.cell


def round_progress(counts: Any, reviews: Any) -> list[CellProgress]:
    """The given cells' counts (one page of them) with who has not yet self-assessed (one query)."""
    counts = list(counts)
    waiting: dict[int, list[Review]] = {}
    for review in (
        reviews.filter(status=S.DRAFT, cell_id__in=[c.cell_id for c in counts])
        .select_related("member", "cell")
        .only("cell_id", "member__full_name", "cell__name")  # a name and a link: a page has hundreds
        .order_by("member__full_name")
    ):
        waiting.setdefault(review.cell_id, []).append(review)
    return [CellProgress(counts=c, waiting=waiting.get(c.cell_id, [])) for c in counts]


# --- Steps of one review


@dataclass(frozen=True)
class SelfReview:
    """The member's self-review in the official form's sections (the fixing of earlier shortcomings is
    read from the shortcomings themselves, never typed)."""

    strengths: str = ""
    shortcomings: str = ""
    collective: str = ""  # only for members holding a leadership position
    direction: str = ""
    level: str = ""
    marked: frozenset[int] = frozenset()  # manifestations the member recognises in themselves


def holds_leadership(review: Review, on: dt.date | None = None) -> bool:
    """The member holds a committee or cell leadership position today (one query)."""
    if review.member_id is None:
        return False
    return (
        Position.objects.current(on)
        .filter(member_id=review.member_id, role__in=sorted(COMMITTEE_ROLES | CELL_ROLES))
        .exists()
    )


@records_who
@transaction.atomic
def self_assess(
    review: Review,
    *,
    by: auth.User,
    text: str = "",
    sections: SelfReview | None = None,
    on_paper: bool,
    version: int | None,
    column: Column | None = None,
) -> Review:
    """Save the self-review: the form's sections, or (`text`) the single text of the older shape, and the
    member's column of the worksheet."""
    review = _lock(review, allowed=(S.DRAFT, S.SELF_ASSESSED), version=version, action=_("self-assessment"))
    if column is not None:
        criteria = worksheets.criteria_for(review)
        worksheets.save_column(review, stage=worksheets.Stage.SELF, column=column, criteria=criteria, by=by)
    was = review.status
    fields = ["self_assessed_on_paper", "self_assessed_by", "self_assessed_at", "status"]
    if sections is None:
        review.self_assessment = text
        fields.append("self_assessment")
    else:
        if sections.level and sections.level not in {code for code, _name in RatingLevels.load().choices}:
            raise ValidationError({"self_level": _("Choose one of the rating levels.")})
        collective = sections.collective if holds_leadership(review) else ""
        review.self_strengths, review.self_shortcomings = sections.strengths, sections.shortcomings
        review.self_collective, review.self_direction = collective, sections.direction
        review.self_level = sections.level
        fields += ["self_strengths", "self_shortcomings", "self_collective", "self_direction", "self_level"]
        save_self_marks(review, sections.marked)
    review.self_assessed_on_paper = on_paper
    review.self_assessed_by, review.self_assessed_at = by, timezone.now()
    review.status = S.SELF_ASSESSED
    return _save(review, fields, was=was)


def save_self_marks(review: Review, marked: frozenset[int]) -> None:
    """Set the member's marks on the checklist lines; the cell's conclusions (present, note) stay."""
    existing = {f.manifestation_id: f for f in review.findings.all()}
    known = set(Manifestation.objects.filter(pk__in=marked).values_list("pk", flat=True))
    to_create = [
        ReviewFinding(review=review, manifestation_id=pk, self_marked=True)
        for pk in sorted(known - existing.keys())
    ]
    to_update = []
    for pk, line in existing.items():
        if line.self_marked != (pk in known):
            line.self_marked = pk in known
            to_update.append(line)
    ReviewFinding.objects.bulk_create(to_create)
    ReviewFinding.objects.bulk_update(to_update, ["self_marked"])


def earlier_shortcoming_list(review: Review) -> list[Shortcoming]:
    """The member's own shortcomings from earlier periods with their status: the form's "results of
    fixing the shortcomings named earlier", read-only."""
    if review.member_id is None:
        return []
    return list(
        Shortcoming.objects.filter(period_start__lt=review.period_start, subject_member_id=review.member_id)
        .exclude(status=Shortcoming.Status.WITHDRAWN)
        .order_by("period_start", "pk")
    )


@dataclass(frozen=True)
class EarlierShortcomings:
    verified: int
    total: int

    @property
    def all_fixed(self) -> bool:
        return self.verified == self.total


def earlier_shortcomings(review: Review) -> EarlierShortcomings:
    """The subject's shortcomings from periods before this review's (withdrawn ones do not count)."""
    qs = Shortcoming.objects.filter(period_start__lt=review.period_start).exclude(
        status=Shortcoming.Status.WITHDRAWN
    )
    if review.member_id:
        qs = qs.filter(subject_member_id=review.member_id)
    else:
        qs = qs.filter(cell_id=review.cell_id, subject_member__isnull=True)
    row = qs.aggregate(total=Count("pk"), verified=Count("pk", filter=Q(status=Shortcoming.Status.VERIFIED)))
    return EarlierShortcomings(verified=row["verified"], total=row["total"])


def rating_problem(
    rating: str,
    *,
    levels: RatingLevels,
    manifestation_present: bool,
    earlier: EarlierShortcomings,
    exempt: bool,
) -> str | None:
    """Why a rating is not allowed for this review, or None when it is."""
    if not rating:
        return None
    if exempt:
        return _("Members exempt from meetings are not rated.")
    if rating not in {code for code, _name in levels.choices}:
        return _("Choose one of the rating levels.")
    if manifestation_present and rating != levels.lowest:
        return _(
            "A manifestation of degradation was concluded as present, so the only allowed rating is “%(name)s”."
        ) % {"name": levels.name(levels.lowest)}
    if rating == levels.top and not earlier.all_fixed:
        return _(
            "“%(name)s” needs every shortcoming from earlier periods fixed and verified; "
            "%(verified)d of %(total)d are."
        ) % {"name": levels.name(levels.top), "verified": earlier.verified, "total": earlier.total}
    return None


def is_exempt(review: Review) -> bool:
    return review.member is not None and review.member.is_exempt()


@records_who
@transaction.atomic
def propose(
    review: Review,
    *,
    by: auth.User,
    criticism: str,
    findings: dict[int, tuple[bool, str]],
    rating: str,
    version: int | None,
    column: Column | None = None,
) -> Review:
    """The cell's step: comments received, the checklist, the cell's column of the worksheet and the
    proposed rating."""
    review = _lock(review, allowed=(S.SELF_ASSESSED, S.PROPOSED), version=version, action=_("proposal"))
    was = review.status
    levels = RatingLevels.load()
    present = any(p for p, _note in findings.values())
    problem = rating_problem(
        rating,
        levels=levels,
        manifestation_present=present,
        earlier=earlier_shortcomings(review),
        exempt=is_exempt(review),
    )
    if problem:
        raise ValidationError({"rating": problem})
    if column is not None:
        criteria = worksheets.criteria_for(review)
        stage = worksheets.Stage.CELL
        if problem := worksheets.column_problem(rating, criteria=criteria, column=column, levels=levels):
            raise ValidationError({"rating": problem})
        worksheets.save_column(review, stage=stage, column=column, criteria=criteria, by=by)
    save_findings(review, findings)
    review.criticism, review.proposed_rating = criticism, rating
    review.proposed_by, review.proposed_at = by, timezone.now()
    review.status = S.PROPOSED
    return _save(review, ["criticism", "proposed_rating", "proposed_by", "proposed_at", "status"], was=was)


def save_findings(review: Review, findings: dict[int, tuple[bool, str]]) -> None:
    """Upsert the checklist lines that say something (present, or a note); clear the others."""
    existing = {f.manifestation_id: f for f in review.findings.all()}
    to_create, to_update = [], []
    for manifestation_id, (present, note) in findings.items():
        line = existing.get(manifestation_id)
        if line is None:
            if present or note:
                to_create.append(
                    ReviewFinding(
                        review=review, manifestation_id=manifestation_id, present=present, note=note
                    )
                )
        elif (line.present, line.note) != (present, note):
            line.present, line.note = present, note
            to_update.append(line)
    ReviewFinding.objects.bulk_create(to_create)
    ReviewFinding.objects.bulk_update(to_update, ["present", "note"])


@records_who
@transaction.atomic
def decide(
    review: Review,
    *,
    by: auth.User,
    rating: str,
    version: int | None,
    column: Column | None = None,
    reason: str = "",
) -> Review:
    """The deciding level's step: its column of the worksheet and the rating; a rating that is not the one
    the worksheet's points suggest needs a reason."""
    review = _lock(review, allowed=(S.PROPOSED,), version=version, action=_("decision"))
    if refusal := duties.decide_refusal(by, review):
        raise ValidationError(refusal)
    levels = RatingLevels.load()
    present = review.findings.filter(present=True).exists()
    exempt = is_exempt(review)
    if not rating and not exempt:
        raise ValidationError({"rating": _("Choose the decided rating.")})
    problem = rating_problem(
        rating,
        levels=levels,
        manifestation_present=present,
        earlier=earlier_shortcomings(review),
        exempt=exempt,
    )
    if problem:
        raise ValidationError({"rating": problem})
    if review.round_id is not None:
        _lock_open_round(review)  # serialises the decisions of one round, so the cap holds
        if rating == levels.top and (problem := top_cap_problem(review, levels)):
            raise ValidationError({"rating": problem})
    reason = reason.strip()
    criteria = worksheets.criteria_for(review)
    if column is not None and criteria:
        stage = worksheets.Stage.DECISION
        if problem := worksheets.column_problem(rating, criteria=criteria, column=column, levels=levels):
            raise ValidationError({"rating": problem})
        worksheets.save_column(review, stage=stage, column=column, criteria=criteria, by=by)
    sheet = worksheets.build(
        criteria,
        list(review.scores.all()),
        levels=levels,
        present=present,
        earlier=earlier_shortcomings(review),
    )
    latest = sheet.latest if criteria else None
    differs = bool(rating) and latest is not None and latest.suggested != rating
    if differs and not reason:
        assert latest is not None  # for mypy: differs says so
        raise ValidationError(
            {
                "reason": _(
                    "The worksheet's points (%(total)s) suggest “%(suggested)s”: give the reason for deciding "
                    "“%(decided)s” instead."
                )
                % {
                    "total": worksheets.number(latest.total),
                    "suggested": latest.suggested_name,
                    "decided": levels.name(rating),
                }
            }
        )
    review.decided_rating, review.decision_reason = rating, reason if differs else ""
    review.decided_by, review.decided_at = by, timezone.now()
    review.status = S.DECIDED
    return _save(
        review, ["decided_rating", "decision_reason", "decided_by", "decided_at", "status"], was=S.PROPOSED
    )


@records_who
@transaction.atomic
def reopen_review(review: Review, *, by: auth.User, reason: str, version: int | None) -> Review:
    """Back to 'proposed' with a reason; the decision stays in the history."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for re-opening the review.")})
    review = _lock(review, allowed=(S.DECIDED,), version=version, action=_("re-opening"))
    _lock_open_round(review)
    review.reopen_reason = reason.strip()
    review.decided_rating, review.decided_by, review.decided_at = "", None, None
    review.status = S.PROPOSED
    return _save(
        review, ["reopen_reason", "decided_rating", "decided_by", "decided_at", "status"], was=S.DECIDED
    )


@records_who
@transaction.atomic
def withdraw_review(review: Review, *, by: auth.User, reason: str, version: int | None) -> Review:
    """Withdraw a review that is not decided (e.g. the member moved away): a status, never a delete."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for withdrawing the review.")})
    review = _lock(
        review, allowed=(S.DRAFT, S.SELF_ASSESSED, S.PROPOSED), version=version, action=_("withdrawal")
    )
    _lock_open_round(review)
    was = review.status
    review.withdraw_reason = reason.strip()
    review.withdrawn_by, review.withdrawn_at = by, timezone.now()
    review.status = S.WITHDRAWN
    return _save(review, ["withdraw_reason", "withdrawn_by", "withdrawn_at", "status"], was=was)


def checklist(review: Review) -> list[tuple[Manifestation, ReviewFinding | None]]:
    """All 27 manifestations in order with the review's line for each (two queries)."""
    lines = {f.manifestation_id: f for f in review.findings.all()}
    return [(m, lines.get(m.pk)) for m in Manifestation.objects.order_by("code")]


def default_year(today: dt.date | None = None) -> int:
    return (today or periods.today()).year
