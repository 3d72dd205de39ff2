"""Who may see and do what with meetings (DESIGN.md §5).

Sight: the cell's secretary, the committee (leaders, UBKT), office staff, and the overseer assigned to the
cell for the meeting's month (not only this month). Members see their own attendance, not the meetings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q

from phuthang import access

if TYPE_CHECKING:
    from cells.models import Cell
    from reviews.models import Meeting


def meeting_filter(user: Any) -> Q:
    from cells.models import OversightAssignment

    a = access.for_user(user)
    if a.is_staff:
        return Q()
    sight = Q(cell__committee_id__in=a.committee_wide_ids) | Q(cell_id__in=a.secretary_cell_ids)
    if a.member_id is not None:
        assigned = OversightAssignment.objects.filter(
            overseer_id=a.member_id, cell_id=OuterRef("cell_id"), month=OuterRef("month")
        )
        sight |= Q(Exists(assigned))
    return sight


def cell_filter(user: Any) -> Q:
    """Cells whose meeting year the user may open: own, committee-wide, or overseen in any month."""
    from cells.models import OversightAssignment

    a = access.for_user(user)
    if a.is_staff:
        return Q()
    sight = Q(committee_id__in=a.committee_wide_ids) | Q(pk__in=a.secretary_cell_ids)
    if a.member_id is not None:
        sight |= Q(
            Exists(OversightAssignment.objects.filter(overseer_id=a.member_id, cell_id=OuterRef("pk")))
        )
    return sight


def can_start(user: Any, cell: Cell) -> bool:
    return cell.pk in access.for_user(user).secretary_cell_ids


def can_edit(user: Any, meeting: Meeting) -> bool:
    """Only the cell's secretary writes the minutes, and only while they are a draft."""
    return meeting.is_draft and meeting.cell_id in access.for_user(user).secretary_cell_ids


def can_reopen(user: Any, meeting: Meeting) -> bool:
    """Finalised minutes only: a withdrawn draft stays withdrawn, read-only."""
    return (
        meeting.status == meeting.Status.FINALISED
        and meeting.cell_id in access.for_user(user).secretary_cell_ids
    )


def can_withdraw(user: Any, meeting: Meeting) -> bool:
    """The cell's secretary, for a draft started by mistake (never one that was finalised once)."""
    return meeting.is_withdrawable and meeting.cell_id in access.for_user(user).secretary_cell_ids


def is_assigned_overseer(user: Any, meeting: Meeting) -> bool:
    """Assigned to the cell for the meeting's month (one query; the view asks once)."""
    from cells.models import OversightAssignment

    member_id = access.for_user(user).member_id
    return (
        member_id is not None
        and OversightAssignment.objects.filter(
            overseer_id=member_id, cell_id=meeting.cell_id, month=meeting.month
        ).exists()
    )


def can_see_cell_meetings(user: Any) -> bool:
    a = access.for_user(user)
    return a.is_staff or a.sees_committee or a.is_secretary or a.member_id is not None
