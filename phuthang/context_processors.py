from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from phuthang import access


def navigation(request: HttpRequest) -> dict[str, object]:
    """The menu shows only what the user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_roles": ()}
    a = access.for_user(user)
    items: list[tuple[str, str]] = []
    if a.sees_committee or a.is_overseer:
        items.append((_("Cells"), reverse("cells:index")))
    for cell_id in sorted(a.secretary_cell_ids):
        items.append((_("My cell"), reverse("cells:detail", args=[cell_id])))
    if a.member_id is not None or a.is_staff:
        items.append((_("Meetings"), reverse("reviews:meetings")))
    if a.sees_committee:
        items.append((_("Shortcomings"), reverse("reviews:board")))
        items.append((_("Review rounds"), reverse("reviews:rounds")))
    if a.member_id is not None:
        items.append((_("My page"), reverse("cells:member", args=[a.member_id])))
    if a.member_id is not None or a.is_staff:
        items.append((_("Oversight"), reverse("cells:oversight")))
    if a.member_id is not None:
        items.append((SimpleLazyObject(lambda: _inbox_label(user)), reverse("reviews:inbox")))
    if a.is_leader:
        items.append((_("Reminders"), reverse("reviews:reminders")))
    if a.is_staff:
        items.append((_("Administration"), reverse("admin:index")))
    return {"nav_items": items, "nav_roles": a.role_labels}


def _inbox_label(user: Any) -> str:
    """'Inbox (3)', computed when the menu is drawn, at no extra query.

    The menu also shows the user's name through ``user.member``; the member is loaded here, once, with the
    unread count annotated, and put in that relation's cache, so the name costs nothing more.
    """
    from cells.models import Member
    from reviews.models import Notification

    cache = user._state.fields_cache
    if cache.get("member") is not None:  # already loaded by the view: count on its own
        unread = Notification.objects.unread().filter(recipient=cache["member"]).count()
    else:
        count = (
            Notification.objects.unread()
            .filter(recipient=OuterRef("pk"))
            .order_by()
            .values("recipient")
            .annotate(n=Count("pk"))
            .values("n")
        )
        member = Member.objects.filter(user_id=user.pk).annotate(unread=Coalesce(Subquery(count), 0)).first()
        cache["member"] = member
        unread = member.unread if member is not None else 0
    return _("Inbox (%(count)d)") % {"count": unread} if unread else _("Inbox")
