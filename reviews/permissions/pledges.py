"""What a user may DO with pledge campaigns and pledges already in their sight (docs/access.md); else 403.

Sight itself is `PledgeCampaign.objects.visible_to(user)`, `Pledge.objects.visible_to(user)` and, for a
cell's list, `access.cells(user)`, all in `phuthang/access.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phuthang import access
from phuthang.access import may

if TYPE_CHECKING:
    from cells.models import Cell, Committee, Member
    from phuthang.access import User
    from reviews.models import PledgeCampaign

CAMPAIGNS = "Pledge campaigns (the common text, the due date)"
PLEDGES = "Pledges (signed commitments)"


@may(CAMPAIGNS, "open a campaign", staff="for any committee", leader="for the committees they lead")
def can_open_campaign(user: User, committee: Committee | None = None) -> bool:
    """With no committee: whether the user may open a campaign for any committee at all."""
    a = access.for_user(user)
    if committee is None:
        return a.is_staff or bool(a.leader_committee_ids)
    return a.is_staff or committee.pk in a.leader_committee_ids


@may(CAMPAIGNS, "correct the common text", staff="any campaign", leader="of the committees they lead")
def can_correct_text(user: User, campaign: PledgeCampaign) -> bool:
    a = access.for_user(user)
    return a.is_staff or campaign.committee_id in a.leader_committee_ids


@may(PLEDGES, "sign in the app", member="their own, in their committee's campaign")
def can_sign(user: User, campaign: PledgeCampaign, member: Member | None) -> bool:
    """Anyone with a member record, for themselves, when their cell belongs to the campaign's committee."""
    return (
        member is not None
        and member.pk == access.for_user(user).member_id
        and member.cell.committee_id == campaign.committee_id
    )


@may(PLEDGES, "record a paper pledge", secretary="for the members of their cell")
def can_record_paper(user: User, cell: Cell) -> bool:
    return cell.pk in access.for_user(user).secretary_cell_ids
