from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from phuthang import access
from reviews.models import Notification


def navigation(request: HttpRequest) -> dict[str, object]:
    """The menu shows only what the user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_roles": (), "nav_name": ""}
    a = access.for_user(user)
    items: list[tuple[str | SimpleLazyObject, str]] = []  # (label, url)
    if a.sees_committee:
        items.append((_("Dashboard"), reverse("reviews:dashboard")))
    if a.is_overseer:
        items.append((_("My cells to oversee"), reverse("reviews:overseer_home")))
    if a.sees_committee or a.is_overseer:
        items.append((_("Cells"), reverse("cells:index")))
    for cell_id in sorted(a.secretary_cell_ids):
        items.append((_("My cell"), reverse("cells:detail", args=[cell_id])))
    if a.member_id is not None or a.is_staff:
        items.append((_("Meetings"), reverse("reviews:meetings")))
    if a.member_id is not None or a.is_staff:
        items.append((_("Pledges"), reverse("reviews:pledges")))
        items.append((_("Action plans"), reverse("reviews:action_plans")))
    if a.sees_committee:
        items.append((_("Shortcomings"), reverse("reviews:board")))
        items.append((_("Review rounds"), reverse("reviews:rounds")))
    if a.sees_committee or a.is_secretary:
        items.append((_("Citizens' feedback"), reverse("reviews:feedback_index")))
    if a.member_id is not None:
        items.append((_("My page"), reverse("reviews:member_home")))
    if a.member_id is not None or a.is_staff:
        items.append((_("Oversight"), reverse("cells:oversight")))
    if (member_id := a.member_id) is not None:
        items.append((SimpleLazyObject(lambda: _inbox_label(member_id)), reverse("reviews:inbox")))
    if a.is_leader:
        items.append((_("Reminders"), reverse("reviews:reminders")))
    if a.sees_committee or a.is_secretary:
        items.append((_("Members"), reverse("cells:members")))
        items.append((_("Probation"), reverse("reviews:probation")))
    if access.can_import_members(user):
        items.append((_("Import members"), reverse("cells:import_new")))
    if a.is_staff:
        items.append((_("Administration"), reverse("admin:index")))
    items.append((_("My logins"), reverse("accounts:sessions")))
    return {"nav_items": items, "nav_roles": a.role_labels, "nav_name": a.member_name}


def _inbox_label(member_id: int) -> str:
    """'Inbox (3)': counted only when the menu is drawn."""
    unread = Notification.objects.unread().filter(recipient_id=member_id).count()
    return _("Inbox (%(count)d)") % {"count": unread} if unread else _("Inbox")
