"""Who may turn on a second factor. Sessions are each user's own: every login sees and ends only its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from phuthang import access
from phuthang.access import may

if TYPE_CHECKING:
    from phuthang.access import User

SECOND_FACTOR = "Second factor (TOTP)"


@may(
    SECOND_FACTOR,
    "turn on an authenticator app",
    staff="for their own login",
    leader="for their own login",
    inspector="for their own login",
)
def can_enrol(user: User) -> bool:
    a = access.for_user(user)
    return a.is_leader or a.is_inspector
