"""Reminders of the register of citizens' feedback, through the ledger (docs/reminders.md).

- `feedback_due`, weekly: each handler (a member with a login) is told of the deadlines of their items
  falling within `reminders.feedback_due.due_within_days` days, and of those already passed.
- `feedback_digest`, weekly: each UBKT chair gets every overdue item of their committee and those below.

The payload names the item, its kind, the deadline and the handler, never the sender: an email leaves
the sight rules behind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from cells.models import Position, Role
from phuthang import access
from reviews.models import FeedbackItem, Kind
from reviews.services import reminders as ledger

DEFAULT_RULES = {
    "feedback_due.weekday": 1,
    "feedback_due.due_within_days": 7,
    "feedback_due.effective_from": None,
    "feedback_digest.weekday": 1,
    "feedback_digest.effective_from": None,
}


def _deadlines(item: FeedbackItem) -> list[tuple[str, dt.date]]:
    """The item's open deadlines: the sender to be told, a denunciation to be settled."""
    found = []
    if item.acknowledged_on is None and not item.anonymous:
        found.append(("acknowledge", item.acknowledge_due_on))
    if item.settle_due_on is not None and not item.is_closed:
        found.append(("settle", item.settle_due_on))
    return found


def _payload(item: FeedbackItem, which: str, due: dt.date, today: dt.date) -> dict[str, Any]:
    handler = getattr(item.handler, "member", None) if item.handler_id else None
    return {
        "cell": item.committee.name,
        "concerns": _("Item #%(pk)s (%(kind)s)") % {"pk": item.pk, "kind": item.get_kind_display()},
        "description": _("Tell the sender in writing")
        if which == "acknowledge"
        else _("Settle the denunciation"),
        "owner": handler.full_name if handler is not None else "—",
        "due_on": due.isoformat(),
        "days_overdue": max(0, (today - due).days),
    }


def _open_items() -> Any:
    return FeedbackItem.objects.open().select_related("committee", "handler__member")


def plan_feedback_due(today: dt.date, rule: ledger.ReminderRules) -> list[ledger.Plan]:
    occasion = ledger._week_occasion(today, rule.int("feedback_due.weekday"))
    if not rule.allows("feedback_due", occasion, today):
        return []
    plan = ledger.Plan(Kind.FEEDBACK_DUE, ledger.week_period(today))
    horizon = occasion + dt.timedelta(days=rule.int("feedback_due.due_within_days"))
    found = [i for i in _open_items().filter(handler__member__isnull=False).order_by("pk")]
    reachable = ledger._recipient_ids(today, [i.handler.member.pk for i in found if i.handler])
    for item in found:
        member_id = item.handler.member.pk if item.handler else None
        if member_id not in reachable:
            continue
        for which, due in _deadlines(item):
            if due <= horizon:
                plan.items.append(
                    ledger.Item(
                        member_id,
                        Kind.FEEDBACK_DUE,
                        plan.period,
                        f"feedback:{item.pk}:{which}",
                        _payload(item, which, due, today),
                        reverse("reviews:feedback", args=[item.pk]),
                    )
                )
    return [plan]


def plan_feedback_digest(today: dt.date, rule: ledger.ReminderRules) -> list[ledger.Plan]:
    occasion = ledger._week_occasion(today, rule.int("feedback_digest.weekday"))
    if not rule.allows("feedback_digest", occasion, today):
        return []
    plan = ledger.Plan(Kind.FEEDBACK_DIGEST, ledger.week_period(today))
    chairs = list(
        Position.objects.current(today)
        .filter(role=Role.INSPECTION_CHAIR)
        .values_list("member_id", "committee_id")
    )
    if not chairs:
        return [plan]
    tree = access.committee_tree()
    reachable = ledger._recipient_ids(today, (m for m, _c in chairs))
    overdue = list(_open_items().overdue(today).order_by("pk"))
    for member_id, committee_id in chairs:
        if member_id not in reachable:
            continue
        committees = tree.with_descendants({committee_id})
        for item in overdue:
            if item.committee_id not in committees:
                continue
            for which, due in _deadlines(item):
                if due < today:
                    plan.items.append(
                        ledger.Item(
                            member_id,
                            Kind.FEEDBACK_DIGEST,
                            plan.period,
                            f"feedback:{item.pk}:{which}",
                            _payload(item, which, due, today),
                            reverse("reviews:feedback", args=[item.pk]),
                        )
                    )
    return [plan]


def wanted(today: dt.date, rule: ledger.ReminderRules) -> list[ledger.Plan]:
    return plan_feedback_due(today, rule) + plan_feedback_digest(today, rule)
