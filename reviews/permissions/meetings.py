"""What a user may DO with meetings already in their sight (docs/access.md); else 403.

Sight itself is `Meeting.objects.visible_to(user)` (and, for a cell's meeting year,
`access.meeting_year_cells(user)`), both in `phuthang/access.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cells.models import OversightAssignment
from phuthang import access
from phuthang.access import may

if TYPE_CHECKING:
    from cells.models import Cell
    from phuthang.access import User
    from reviews.models import Meeting

MEETINGS = "Meetings (minutes, attendance, tasks)"


@may(MEETINGS, "start a meeting", secretary="in their cell")
def can_start(user: User, cell: Cell) -> bool:
    return cell.pk in access.for_user(user).secretary_cell_ids


@may(MEETINGS, "write the minutes while a draft", secretary="of their cell")
def can_edit(user: User, meeting: Meeting) -> bool:
    """Only the cell's secretary writes the minutes, and only while they are a draft."""
    return meeting.is_draft and meeting.cell_id in access.for_user(user).secretary_cell_ids


@may(MEETINGS, "reopen finalised minutes", secretary="of their cell")
def can_reopen(user: User, meeting: Meeting) -> bool:
    """Finalised minutes only: a withdrawn draft stays withdrawn, read-only."""
    return (
        meeting.status == meeting.Status.FINALISED
        and meeting.cell_id in access.for_user(user).secretary_cell_ids
    )


@may(MEETINGS, "withdraw a draft started by mistake", secretary="of their cell")
def can_withdraw(user: User, meeting: Meeting) -> bool:
    """The cell's secretary, for a draft started by mistake (never one that was finalised once)."""
    return meeting.is_withdrawable and meeting.cell_id in access.for_user(user).secretary_cell_ids


@may(MEETINGS, "score the meeting", overseer="of a cell and month they were assigned")
def is_assigned_overseer(user: User, meeting: Meeting) -> bool:
    """Assigned to the cell for the meeting's month (one query; the view asks once)."""
    member_id = access.for_user(user).member_id
    return (
        member_id is not None
        and OversightAssignment.objects.filter(
            overseer_id=member_id, cell_id=meeting.cell_id, month=meeting.month
        ).exists()
    )
