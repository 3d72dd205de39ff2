"""What a user may DO with the register of citizens' feedback already in sight (docs/access.md); else 403.

Sight is `FeedbackItem.objects.visible_to(user)` and who may read a denouncer `access.sees_sender`, both in
`phuthang/access.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cells.models import Committee
from phuthang import access
from phuthang.access import may

if TYPE_CHECKING:
    from phuthang.access import User
    from reviews.models import FeedbackItem

FEEDBACK = "Citizens' feedback (phản ánh, kiến nghị, khiếu nại, tố cáo)"


def recording_committees(user: User) -> list[Committee]:
    """The committees whose register the user may add to (one query; none: nothing to record)."""
    a = access.for_user(user)
    if a.is_staff:
        return list(Committee.objects.order_by("code"))
    return list(Committee.objects.filter(pk__in=a.inspection_committee_ids).order_by("code"))


@may(
    FEEDBACK,
    "record an item, a reception session",
    staff="for any committee",
    inspector="for their committee",
)
def can_record(user: User) -> bool:
    a = access.for_user(user)
    return a.is_staff or a.is_inspector


@may(FEEDBACK, "classify and assign the handler", staff="any item", inspector="the items of their committee")
def can_classify(user: User, item: FeedbackItem) -> bool:
    a = access.for_user(user)
    return item.status in ("received", "accepted") and (
        a.is_staff or item.committee_id in a.inspection_committee_ids
    )


@may(
    FEEDBACK,
    "record steps: tell the sender, notes, scans, the extension, the written reply",
    staff="any item",
    inspector="the items of their committee",
    member="as the item's handler (whatever their role)",
)
def can_handle(user: User, item: FeedbackItem) -> bool:
    a = access.for_user(user)
    return a.is_staff or item.committee_id in a.inspection_committee_ids or item.handler_id == user.pk


@may(
    FEEDBACK,
    "conclude",
    inspector="the items of their committee",
    member="as the item's handler (whatever their role)",
)
def can_conclude(user: User, item: FeedbackItem) -> bool:
    a = access.for_user(user)
    return item.status == "accepted" and (
        item.committee_id in a.inspection_committee_ids or item.handler_id == user.pk
    )


@may(
    FEEDBACK,
    "raise a shortcoming from a conclusion that finds fault",
    inspector="the items of their committee",
)
def can_raise_shortcoming(user: User, item: FeedbackItem) -> bool:
    return item.committee_id in access.for_user(user).inspection_committee_ids


@may(
    FEEDBACK,
    "see the register, its reports and reception sessions",
    staff="every committee",
    leader="their committees",
    inspector="their committee",
)
def sees_register(user: User) -> bool:
    a = access.for_user(user)
    return a.sees_committee


@may(
    FEEDBACK,
    "read who opened an item (the UBKT chair too, of their committee's items)",
    staff="any item",
    leader="as Bí thư of the item's committee",
)
def can_read_views(user: User, item: FeedbackItem) -> bool:
    a = access.for_user(user)
    return (
        a.is_staff
        or item.committee_id in a.head_committee_ids
        or item.committee_id in a.inspection_chair_committee_ids
    )
