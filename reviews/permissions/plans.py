"""What a user may DO with personal action plans already in their sight (docs/access.md); else 403.

Sight itself is `ActionPlan.objects.visible_to(user)` (`access.action_plans`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phuthang import access
from phuthang.access import may

if TYPE_CHECKING:
    from phuthang.access import User
    from reviews.models import ActionPlan

PLANS = "Personal action plans"


@may(
    PLANS,
    "write their own plan",
    leader="for the committee they lead",
    inspector="for the committee they serve",
    secretary="for the cell they lead",
    overseer="for the committee they serve (a committee member)",
)
def can_write_plan(user: User) -> bool:
    """Holding a committee or cell leadership position today (one query, the view asks once)."""
    from reviews.services import plans

    return bool(plans.units_led(user))


@may(
    PLANS,
    "note progress on an item",
    member="their own plan (its author, whatever their role)",
)
def can_note(user: User, plan: ActionPlan) -> bool:
    a = access.for_user(user)
    return a.member_id is not None and plan.member_id == a.member_id
