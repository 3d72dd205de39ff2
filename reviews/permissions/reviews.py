"""What a user may DO with reviews and shortcomings already in their sight (docs/access.md); else 403.

Sight itself is `Review.objects.visible_to(user)` and `Shortcoming.objects.visible_to(user)`, both in
`phuthang/access.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from cells.models import Cell, Committee
from phuthang import access
from phuthang.access import may
from reviews.models import DueDateExtension, Review, ReviewRound, Shortcoming
from reviews.permissions import duties

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from phuthang.access import User

REVIEWS = "Reviews"
ROUNDS = "Review round progress (counts per cell)"
SHORTCOMINGS = "Shortcomings and remediation"


def _a(user: User) -> access.Access:
    return access.for_user(user)


# --- Reviews


@may(ROUNDS, "start a review round", leader="for their committees")
def round_committees(user: User) -> list[Committee]:
    """Committees where the user may start a review round."""
    return list(Committee.objects.filter(pk__in=_a(user).leader_committee_ids).order_by("code"))


def is_cell_secretary(user: User, cell_id: int) -> bool:
    return cell_id in _a(user).secretary_cell_ids


@may(
    REVIEWS,
    "write the self-assessment while draft or self-assessed",
    secretary="for their cell's members (from paper) and its collective",
    member="their own",
)
def can_self_assess(user: User, review: Review) -> bool:
    """The member themself; the cell's secretary (for the collective, or from paper on a member's behalf)."""
    if review.is_read_only or review.status not in (Review.Status.DRAFT, Review.Status.SELF_ASSESSED):
        return False
    a = _a(user)
    own = review.member_id is not None and review.member_id == a.member_id
    return own or review.cell_id in a.secretary_cell_ids


@may(REVIEWS, "propose a rating", secretary="in their cell")
def can_propose(user: User, review: Review) -> bool:
    return review.status in (Review.Status.SELF_ASSESSED, Review.Status.PROPOSED) and is_cell_secretary(
        user, review.cell_id
    )


def leads(user: User, committee: Committee) -> bool:
    """A leader of the committee, whatever a record's status: who decides, reopens and withdraws its reviews."""
    return committee.pk in _a(user).leader_committee_ids


@may(
    REVIEWS,
    "decide the rating",
    leader="in their committees, but not their own review nor the collective one of a cell they are secretary of",
)
def can_decide(user: User, review: Review) -> bool:
    return (
        review.status == Review.Status.PROPOSED
        and review.cell.committee_id in _a(user).leader_committee_ids
        and not duties.owns_review(user, review)
    )


def _round_is_open(review: Review) -> bool:
    return (round_ := review.round) is None or round_.status == ReviewRound.Status.OPEN


@may(REVIEWS, "reopen a decided review while its round is open", leader="in their committees")
def can_reopen_review(user: User, review: Review) -> bool:
    return (
        review.status == Review.Status.DECIDED
        and review.cell.committee_id in _a(user).leader_committee_ids
        and _round_is_open(review)
    )


@may(REVIEWS, "withdraw a review not yet decided", leader="in their committees")
def can_withdraw_review(user: User, review: Review) -> bool:
    """Leaders withdraw a review not yet decided (a decided one is re-opened first)."""
    return (
        review.status in (Review.Status.DRAFT, Review.Status.SELF_ASSESSED, Review.Status.PROPOSED)
        and review.cell.committee_id in _a(user).leader_committee_ids
        and _round_is_open(review)
    )


@may(ROUNDS, "close a round", leader="of their committees")
def can_close_round(user: User, review_round: ReviewRound) -> bool:
    return (
        review_round.status == ReviewRound.Status.OPEN
        and review_round.committee_id in _a(user).leader_committee_ids
    )


@may(
    REVIEWS,
    "read who changed what",
    staff="any",
    leader="in their committees",
    inspector="in their committee",
)
@may(
    SHORTCOMINGS,
    "read who changed what",
    staff="any",
    leader="in their committees",
    inspector="in their committee",
)
def can_read_history(user: User, cell: Cell) -> bool:
    """UBKT and leaders of the item's committee (and office staff) read who changed what."""
    a = _a(user)
    return a.is_staff or cell.committee_id in a.committee_wide_ids


@may(
    ROUNDS,
    "open the rounds page",
    staff="yes",
    leader="yes",
    inspector="yes",
    secretary="yes",
    overseer="yes",
)
def sees_rounds(user: User) -> bool:
    a = _a(user)
    return a.is_staff or bool(a.committee_wide_ids or a.secretary_cell_ids or a.overseer_cell_ids)


# --- Shortcomings


@may(
    SHORTCOMINGS,
    "record a shortcoming",
    secretary="in their cell",
    inspector="in any cell of their committee",
)
def can_record_shortcoming(user: User, cell: Cell) -> bool:
    """The cell's secretary (from a review or meeting) or UBKT (from an inspection)."""
    a = _a(user)
    return cell.pk in a.secretary_cell_ids or cell.committee_id in a.inspection_committee_ids


@may(
    SHORTCOMINGS,
    "record a shortcoming",
    secretary="in their cell",
    inspector="in any cell of their committee",
)
def recordable_cells(user: User) -> QuerySet[Cell]:
    """The cells, by code, as a query: a province's inspector may record in thousands; read what you need."""
    return _recordable(user).order_by("code")


def records_shortcomings(user: User) -> bool:
    """Whether `recordable_cells` holds any cell: one row read, never a province's thousands of cells."""
    return _recordable(user).exists()


def _recordable(user: User) -> QuerySet[Cell]:
    a = _a(user)
    return Cell.objects.active().filter(
        Q(pk__in=a.secretary_cell_ids) | Q(committee_id__in=a.inspection_committee_ids)
    )


def is_inspector_of(user: User, shortcoming: Shortcoming) -> bool:
    return shortcoming.cell.committee_id in _a(user).inspection_committee_ids


def is_owner_side(user: User, shortcoming: Shortcoming) -> bool:
    """The owner, or the cell secretary reporting for them."""
    a = _a(user)
    return (a.member_id is not None and a.member_id == shortcoming.owner_id) or (
        shortcoming.cell_id in a.secretary_cell_ids
    )


OWNER_SIDE = {"secretary": "for the owners of their cell", "member": "the ones they own"}


@may(SHORTCOMINGS, "report progress while active", **OWNER_SIDE)
def can_report_progress(user: User, shortcoming: Shortcoming) -> bool:
    return shortcoming.is_active and is_owner_side(user, shortcoming)


@may(SHORTCOMINGS, "edit while active", secretary="in their cell", inspector="in their committee")
def can_edit_shortcoming(user: User, shortcoming: Shortcoming) -> bool:
    return shortcoming.is_active and (
        shortcoming.cell_id in _a(user).secretary_cell_ids or is_inspector_of(user, shortcoming)
    )


@may(
    SHORTCOMINGS,
    "verify",
    inspector="in their committee, but not one about them, theirs to fix, or of a cell they are secretary of",
)
@may(SHORTCOMINGS, "reopen", inspector="in their committee")
@may(SHORTCOMINGS, "withdraw", secretary="in their cell", inspector="in their committee")
@may(SHORTCOMINGS, "start the remediation or report it fixed", **OWNER_SIDE)
def can_change_status(user: User, shortcoming: Shortcoming, action: str) -> bool:
    if action == "verify":
        return is_inspector_of(user, shortcoming) and not duties.owns_shortcoming(user, shortcoming)
    if action == "reopen":
        return is_inspector_of(user, shortcoming)
    if action == "withdraw":
        return shortcoming.cell_id in _a(user).secretary_cell_ids or is_inspector_of(user, shortcoming)
    if action in ("start", "report_fixed"):
        return is_owner_side(user, shortcoming)
    return False


@may(SHORTCOMINGS, "ask for a later due date while active", **OWNER_SIDE)
def can_request_extension(user: User, shortcoming: Shortcoming) -> bool:
    return shortcoming.is_active and is_owner_side(user, shortcoming)


@may(
    SHORTCOMINGS,
    "grant or refuse a later due date",
    inspector="in their committee, but not one they asked for, nor of a shortcoming that is their own",
)
def can_decide_extension(
    user: User, shortcoming: Shortcoming, extension: DueDateExtension | None = None
) -> bool:
    return (
        is_inspector_of(user, shortcoming) and duties.extension_refusal(user, shortcoming, extension) is None
    )


@may(
    SHORTCOMINGS,
    "open the board",
    staff="yes",
    leader="yes",
    inspector="yes",
    secretary="yes",
    overseer="yes",
)
def sees_board(user: User) -> bool:
    a = _a(user)
    return a.is_staff or bool(a.committee_wide_ids or a.secretary_cell_ids or a.overseer_cell_ids)
