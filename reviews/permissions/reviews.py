"""What a user may DO with reviews and shortcomings already in their sight (DESIGN.md §5); else 403.

Sight itself is `Review.objects.visible_to(user)` and `Shortcoming.objects.visible_to(user)`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from cells.models import Cell, Committee
from phuthang import access
from reviews.models import Review, ReviewRound, Shortcoming


def _a(user: Any) -> access.Access:
    return access.for_user(user)


# --- Reviews


def can_start_round(user: Any, committee: Committee) -> bool:
    return committee.pk in _a(user).leader_committee_ids


def round_committees(user: Any) -> list[Committee]:
    """Committees where the user may start a review round."""
    return list(Committee.objects.filter(pk__in=_a(user).leader_committee_ids).order_by("code"))


def is_cell_secretary(user: Any, cell_id: int) -> bool:
    return cell_id in _a(user).secretary_cell_ids


def can_self_assess(user: Any, review: Review) -> bool:
    """The member themself; the cell's secretary (for the collective, or from paper on a member's behalf)."""
    if review.is_read_only or review.status not in (Review.Status.DRAFT, Review.Status.SELF_ASSESSED):
        return False
    a = _a(user)
    own = review.member_id is not None and review.member_id == a.member_id
    return own or review.cell_id in a.secretary_cell_ids


def can_propose(user: Any, review: Review) -> bool:
    return review.status in (Review.Status.SELF_ASSESSED, Review.Status.PROPOSED) and is_cell_secretary(
        user, review.cell_id
    )


def can_decide(user: Any, review: Review) -> bool:
    return (
        review.status == Review.Status.PROPOSED and review.cell.committee_id in _a(user).leader_committee_ids
    )


def _round_is_open(review: Review) -> bool:
    return review.round_id is None or review.round.status == ReviewRound.Status.OPEN


def can_reopen_review(user: Any, review: Review) -> bool:
    return (
        review.status == Review.Status.DECIDED
        and review.cell.committee_id in _a(user).leader_committee_ids
        and _round_is_open(review)
    )


def can_withdraw_review(user: Any, review: Review) -> bool:
    """Leaders withdraw a review not yet decided (a decided one is re-opened first)."""
    return (
        review.status in (Review.Status.DRAFT, Review.Status.SELF_ASSESSED, Review.Status.PROPOSED)
        and review.cell.committee_id in _a(user).leader_committee_ids
        and _round_is_open(review)
    )


def can_close_round(user: Any, review_round: ReviewRound) -> bool:
    return (
        review_round.status == ReviewRound.Status.OPEN
        and review_round.committee_id in _a(user).leader_committee_ids
    )


def can_read_history(user: Any, cell: Cell) -> bool:
    """UBKT and leaders of the item's committee (and office staff) read who changed what."""
    a = _a(user)
    return a.is_staff or cell.committee_id in a.committee_wide_ids


def sees_rounds(user: Any) -> bool:
    a = _a(user)
    return a.is_staff or bool(a.committee_wide_ids or a.secretary_cell_ids or a.overseer_cell_ids)


# --- Shortcomings


def can_record_shortcoming(user: Any, cell: Cell) -> bool:
    """The cell's secretary (from a review or meeting) or UBKT (from an inspection)."""
    a = _a(user)
    return cell.pk in a.secretary_cell_ids or cell.committee_id in a.inspection_committee_ids


def recordable_cells(user: Any) -> list[Cell]:
    a = _a(user)
    return list(
        Cell.objects.active()
        .filter(Q(pk__in=a.secretary_cell_ids) | Q(committee_id__in=a.inspection_committee_ids))
        .order_by("code")
    )


def is_inspector_of(user: Any, shortcoming: Shortcoming) -> bool:
    return shortcoming.cell.committee_id in _a(user).inspection_committee_ids


def is_owner_side(user: Any, shortcoming: Shortcoming) -> bool:
    """The owner, or the cell secretary reporting for them."""
    a = _a(user)
    return (a.member_id is not None and a.member_id == shortcoming.owner_id) or (
        shortcoming.cell_id in a.secretary_cell_ids
    )


def can_report_progress(user: Any, shortcoming: Shortcoming) -> bool:
    return shortcoming.is_active and is_owner_side(user, shortcoming)


def can_edit_shortcoming(user: Any, shortcoming: Shortcoming) -> bool:
    return shortcoming.is_active and (
        shortcoming.cell_id in _a(user).secretary_cell_ids or is_inspector_of(user, shortcoming)
    )


def can_change_status(user: Any, shortcoming: Shortcoming, action: str) -> bool:
    if action in ("verify", "reopen"):
        return is_inspector_of(user, shortcoming)
    if action == "withdraw":
        return shortcoming.cell_id in _a(user).secretary_cell_ids or is_inspector_of(user, shortcoming)
    if action in ("start", "report_fixed"):
        return is_owner_side(user, shortcoming)
    return False


def can_request_extension(user: Any, shortcoming: Shortcoming) -> bool:
    return shortcoming.is_active and is_owner_side(user, shortcoming)


def can_decide_extension(user: Any, shortcoming: Shortcoming) -> bool:
    return is_inspector_of(user, shortcoming)


def sees_board(user: Any) -> bool:
    a = _a(user)
    return a.is_staff or bool(a.committee_wide_ids or a.secretary_cell_ids or a.overseer_cell_ids)
