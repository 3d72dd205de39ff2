"""Separation of duties: nobody verifies, decides or grants what is their own (docs/security.md).

- A shortcoming is someone's own when it is about them (the member concerned), they are responsible for
  the fix (owner), or they are a (deputy) secretary of its cell, who reports progress and "fixed" for the
  owners: none of them verifies it, and none of them answers its requests for a later due date.
- A request for a later due date is also its asker's own, whoever they are.
- A review is someone's own when it is the review of them, or the collective review of a cell they are a
  (deputy) secretary of: they proposed that rating for the cell they lead, so another leader decides it.

The predicates in `reviews/permissions/reviews.py` ask these (the button is hidden, the URL answers 403),
and the services ask them again inside their transaction (a Vietnamese refusal, nothing changed). When a
page hides a step for this reason, `who_may` names the people who may take it instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from cells.models import INSPECTION_ROLES, LEADER_ROLES, Position
from phuthang import access

if TYPE_CHECKING:
    from collections.abc import Iterable

    from cells.models import Cell
    from phuthang.access import User
    from reviews.models import DueDateExtension, Review, Shortcoming


def owns_shortcoming(user: User, shortcoming: Shortcoming) -> bool:
    a = access.for_user(user)
    mine = a.member_id is not None and a.member_id in (shortcoming.subject_member_id, shortcoming.owner_id)
    return mine or shortcoming.cell_id in a.secretary_cell_ids


def owns_review(user: User, review: Review) -> bool:
    a = access.for_user(user)
    if review.member_id is not None:
        return review.member_id == a.member_id
    return review.cell_id in a.secretary_cell_ids


def asked_for(user: User, extension: DueDateExtension | None) -> bool:
    return extension is not None and extension.requested_by_id == getattr(user, "pk", None)


def verify_refusal(user: User, shortcoming: Shortcoming) -> str | None:
    """Why this user may not verify the shortcoming, or None."""
    if not owns_shortcoming(user, shortcoming):
        return None
    return _(
        "You cannot verify this shortcoming: it concerns you, you are responsible for the fix, or you report "
        "for its owner as the cell's secretary. Another member of the inspection committee verifies it."
    )


def decide_refusal(user: User, review: Review) -> str | None:
    """Why this user may not decide the review's rating, or None."""
    if not owns_review(user, review):
        return None
    if review.member_id is not None:
        return _(
            "You cannot decide the rating of your own review. Another leader of the committee decides it."
        )
    return _(
        "You cannot decide the rating of the collective review of a cell you are secretary of. "
        "Another leader of the committee decides it."
    )


def extension_refusal(user: User, shortcoming: Shortcoming, extension: DueDateExtension | None) -> str | None:
    """Why this user may not answer the request for a later due date, or None."""
    if asked_for(user, extension):
        return _("You cannot answer a request for a later due date that you made yourself.")
    if owns_shortcoming(user, shortcoming):
        return _(
            "You cannot answer a request for a later due date of a shortcoming that concerns you or that you "
            "are responsible for."
        )
    return None


def who_may(cell: Cell, roles: Iterable[str], *, excluding: Iterable[int | None]) -> list[str]:
    """The names of the people holding one of `roles` today in the cell's committee or a committee above
    it, leaving out `excluding` (member ids). Two queries: the committee tree and the positions.
    """
    tree = access.committee_tree()
    committees, current = [], cell.committee_id
    while current is not None and current not in committees:
        committees.append(current)
        current = tree.parent_of.get(current)
    names = (
        Position.objects.current()
        .filter(role__in=sorted(roles), committee_id__in=committees)
        .exclude(member_id__in=[m for m in excluding if m is not None])
        .order_by("member__full_name")
        .values_list("member__full_name", flat=True)
    )
    return list(dict.fromkeys(names))


def verifiers(user: User, shortcoming: Shortcoming) -> list[str]:
    """Who may verify (or answer an extension of) a shortcoming the user may not: UBKT, none of its own."""
    owners = {shortcoming.subject_member_id, shortcoming.owner_id, access.for_user(user).member_id}
    secretaries = (
        Position.objects.current().filter(cell_id=shortcoming.cell_id).values_list("member_id", flat=True)
    )
    return who_may(shortcoming.cell, INSPECTION_ROLES, excluding=owners | set(secretaries))


def deciders(user: User, review: Review) -> list[str]:
    """Who may decide a review the user may not: the committee's leaders, none of whom it is about."""
    excluded = {review.member_id, access.for_user(user).member_id}
    if review.member_id is None:
        excluded |= set(
            Position.objects.current().filter(cell_id=review.cell_id).values_list("member_id", flat=True)
        )
    return who_may(review.cell, LEADER_ROLES, excluding=excluded)
