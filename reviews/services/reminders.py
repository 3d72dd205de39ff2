"""Reminders (docs/reminders.md): the planner, the sender and the digest emails.

The database is the ledger; Celery beat only ticks.

- The **planner** (`plan_due`) decides, for today in Vietnam time, who should be reminded of what and
  inserts one `Notification` per (recipient, kind, period, subject) and one `Digest` per (recipient, kind,
  period), both with ON CONFLICT DO NOTHING: a second run, or two runs at once, add nothing. Items whose
  reason went away before their email left (an assignment moved, minutes finalised) are withdrawn.
- The **sender** (`send_due`) claims due digests with ``SELECT … FOR UPDATE SKIP LOCKED`` in a short
  transaction that marks them ``sending`` with a lease and fixes their Message-ID, then sends each one and
  marks it ``sent`` in its own short transaction. A temporary failure (SMTP 4xx, connection refused or
  lost) puts it back to ``pending`` with a backoff stored on the row; a permanent one (5xx) marks it
  ``failed`` with the error, shown on the staff page.

Delivery is **at least once, with a stable Message-ID**. A worker that dies leaves its claimed digests in
``sending``; when their lease runs out another sender claims them again and sends them with the same
Message-ID. Only the digest whose SMTP transaction had completed but whose ``sent`` mark had not yet been
committed (a window of about a millisecond) can reach the recipient twice, and then as the same message,
which mail clients show once. We prefer that to at-most-once, where the same crash loses the reminder
silently.

Each kind has rules, staff-editable `Rule` rows under ``reminders.<kind>.*`` (loaded by a data
migration): the day it goes out, and an effective-from date; an occasion before that date is never
mailed, so a new rule never mails about the past.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cells.models import CELL_ROLES, INSPECTION_ROLES, Cell, Member, OversightAssignment, Position, Role
from cells.services import months_after
from phuthang import access, jobs, periods
from phuthang.models import Job
from reviews.models.meetings import Meeting
from reviews.models.notifications import Digest, DryRunEmail, Kind, Notification
from reviews.models.pledges import PledgeCampaign
from reviews.models.rules import rule as single_rule
from reviews.models.rules import rules
from reviews.models.shortcomings import Shortcoming
from reviews.services import pledges as pledge_services

log = logging.getLogger(__name__)

# Defaults for rules missing from the table (the data migration writes these same values).
DEFAULT_RULES: dict[str, Any] = {
    "oversight.day": 1,
    "oversight.effective_from": None,
    "minutes_late.secretary_day": 5,
    "minutes_late.overseer_day": 10,
    "minutes_late.effective_from": None,
    "remediation.weekday": 1,
    "remediation.due_within_days": 7,
    "remediation.overdue_weeks_max": 8,
    "remediation.effective_from": None,
    "overdue_digest.weekday": 1,
    "overdue_digest.effective_from": None,
    "pledge_unsigned.effective_from": None,
    "probation_due.days_before": 30,
    "probation_due.effective_from": None,
    # citizens' feedback (issue 15): reviews/services/feedback_reminders.py
    "feedback_due.weekday": 1,
    "feedback_due.due_within_days": 7,
    "feedback_due.effective_from": None,
    "feedback_digest.weekday": 1,
    "feedback_digest.effective_from": None,
}

MONTHLY_KINDS = (Kind.OVERSIGHT, Kind.MINUTES_LATE, Kind.PLEDGE_UNSIGNED)
WEEKLY_KINDS = (Kind.REMEDIATION, Kind.OVERDUE_DIGEST, Kind.FEEDBACK_DUE, Kind.FEEDBACK_DIGEST)


# --- Periods -------------------------------------------------------------------------------------------


def month_period(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def week_period(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def period_label(period: str) -> str:
    """'2026-11' → '11/2026'; '2026-W48' → 'week 48/2026'."""
    year, _sep, rest = period.partition("-")
    if rest.startswith("W"):
        return _("week %(week)s/%(year)s") % {"week": rest[1:], "year": year}
    return f"{rest}/{year}"


def parse_period(text: str) -> str | None:
    month = periods.parse_month(text)
    return month_period(month) if month is not None and len(text.split("-")[1]) <= 2 else None


# --- Rules ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderRules:
    values: dict[str, Any]

    @classmethod
    def load(cls) -> ReminderRules:
        """One query: every ``reminders.*`` rule, with the defaults for missing rows."""
        return cls({**DEFAULT_RULES, **rules("reminders")})

    def int(self, key: str) -> int:
        return int(self.values[key])

    def effective_from(self, kind: str) -> dt.date | None:
        value = self.values.get(f"{kind}.effective_from")
        return dt.date.fromisoformat(value) if value else None

    def allows(self, kind: str, occasion: dt.date, today: dt.date) -> bool:
        """The occasion has come, and is not before the rule took effect (a new rule never mails the past)."""
        start = self.effective_from(kind)
        return occasion <= today and (start is None or occasion >= start)


# --- Planning ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    recipient_id: int
    kind: str
    period: str
    subject: str
    payload: dict[str, Any]
    link: str = ""

    @property
    def key(self) -> tuple[int, str]:
        return (self.recipient_id, self.subject)


@dataclass
class Plan:
    """What the planner wants for one (kind, period): the items, and it is complete for that pair."""

    kind: str
    period: str
    items: list[Item] = field(default_factory=list)


@dataclass
class PlanReport:
    inserted: int = 0
    withdrawn: int = 0
    restored: int = 0
    plans: list[Plan] = field(default_factory=list)

    @property
    def wanted(self) -> int:
        return sum(len(p.items) for p in self.plans)


def _linker(name: str) -> Callable[[int], str]:
    """A page's link for any id from one `reverse`: the planner makes thousands (5,280 reverses: 0.4 s)."""
    sentinel = 987654321
    head, _sep, tail = reverse(name, args=[sentinel]).partition(str(sentinel))
    return lambda pk: f"{head}{pk}{tail}"


def _recipient_ids(today: dt.date, ids: Iterable[int]) -> set[int]:
    """Members who can be reminded today: not departed, not exempt from meetings."""
    return set(
        Member.objects.current(today).filter(pk__in=set(ids)).not_exempt(today).values_list("pk", flat=True)
    )


def _secretaries(today: dt.date, cell_ids: Iterable[int]) -> dict[int, int]:
    """cell id → member id of its current secretary (the deputy where there is no secretary)."""
    found: dict[int, int] = {}
    positions = (
        Position.objects.current(today)
        .filter(cell_id__in=set(cell_ids), role__in=sorted(CELL_ROLES))
        .filter(Q(member__left_on__isnull=True) | Q(member__left_on__gt=today))
        .order_by("cell_id", "-role", "-started_on")  # cell_secretary sorts after cell_deputy: take it first
        .values_list("cell_id", "member_id", "role")
    )
    for cell_id, member_id, role in positions:
        if cell_id not in found or role == Role.CELL_SECRETARY:
            found.setdefault(cell_id, member_id)
    return found


def _minutes_state(cell_ids: Iterable[int] | QuerySet[Any, Any], month: dt.date) -> dict[int, str]:
    """cell id → 'finalised' / 'draft' for its regular meeting of the month (no key: not logged)."""
    return dict(
        Meeting.objects.regular()
        .standing()
        .filter(month=month)
        .filter(cell_id__in=cell_ids)
        .values_list("cell_id", "status")
    )


def _shortcoming_counts(
    cell_ids: Iterable[int] | QuerySet[Any, Any], today: dt.date
) -> dict[int, tuple[int, int]]:
    """cell id → (open, overdue) shortcomings."""
    rows = (
        Shortcoming.objects.active()
        .filter(cell_id__in=cell_ids)
        .values("cell_id")
        .annotate(n_open=Count("pk"), n_overdue=Count("pk", filter=Q(due_on__lt=today)))
        .values_list("cell_id", "n_open", "n_overdue")
    )
    return {cell_id: (n_open, n_overdue) for cell_id, n_open, n_overdue in rows}


def _pledge_progress(cells: list[Cell], year: int) -> dict[int, tuple[int, int]]:
    """cell id → (signed, expected) of the year's pledge campaign of the cell's committee, where there is one.

    Two grouped queries per committee with a campaign (services.pledges.committee_progress), one to find them.
    """
    found: dict[int, tuple[int, int]] = {}
    campaigns = PledgeCampaign.objects.filter(year=year, committee_id__in={c.committee_id for c in cells})
    for campaign in campaigns:
        own = [c for c in cells if c.committee_id == campaign.committee_id]
        for row in pledge_services.committee_progress(campaign, own):
            found[row.cell.pk] = (row.signed, row.expected)
    return found


def plan_pledge_unsigned(today: dt.date, rule: ReminderRules) -> list[Plan]:
    """Kind 4: each month after a campaign's due date (within its year), every cell secretary gets the names
    of their members who must sign and have not: one digest per secretary, one item per member."""
    plan = Plan(Kind.PLEDGE_UNSIGNED, month_period(periods.month_start(today)))
    for campaign in PledgeCampaign.objects.filter(year=today.year, due_on__lt=today).order_by("pk"):
        occasion = max(campaign.due_on + dt.timedelta(days=1), periods.month_start(today))
        if not rule.allows("pledge_unsigned", occasion, today):
            continue
        # plain values, and one link per cell: a province's campaign has thousands unsigned
        unsigned = list(
            pledge_services.unsigned_members(campaign, today)
            .order_by("cell__code", "full_name")
            .values_list("pk", "full_name", "cell_id", "cell__name")
        )
        secretaries = _secretaries(today, {cell_id for _pk, _name, cell_id, _cell in unsigned})
        reachable = _recipient_ids(today, secretaries.values())
        links: dict[int, str] = {}
        for pk, full_name, cell_id, cell_name in unsigned:
            secretary = secretaries.get(cell_id)
            if secretary in reachable:
                if cell_id not in links:
                    links[cell_id] = reverse("reviews:pledge_cell", args=[campaign.pk, cell_id])
                plan.items.append(
                    Item(
                        secretary,
                        Kind.PLEDGE_UNSIGNED,
                        plan.period,
                        f"pledge:{campaign.pk}:member:{pk}",
                        {
                            "member": full_name,
                            "cell": cell_name,
                            "campaign": campaign.title,
                            "due_on": campaign.due_on.isoformat(),
                        },
                        links[cell_id],
                    )
                )
    return [plan]


def plan_oversight(today: dt.date, rule: ReminderRules, month: dt.date | None = None) -> list[Plan]:
    """Kind 1: on the rule's day of each month, every overseer gets their cells for the month."""
    month = month or periods.month_start(today)
    occasion = month.replace(day=min(max(rule.int("oversight.day"), 1), 28))
    if not rule.allows("oversight", occasion, today):
        return []
    plan = Plan(Kind.OVERSIGHT, month_period(month))
    assignments = list(
        OversightAssignment.objects.for_month(month)
        .filter(cell__active=True)
        .select_related("cell")
        .only(
            "cell_id", "overseer_id", "cell__name", "cell__meeting_day", "cell__committee_id", "cell__active"
        )
        .order_by("cell__code")
    )
    cell_link = _linker("cells:detail")
    if not assignments:
        return [plan]
    reachable = _recipient_ids(today, (a.overseer_id for a in assignments))
    cell_ids = OversightAssignment.objects.for_month(month).values("cell_id")
    minutes = _minutes_state(cell_ids, periods.add_months(month, -1))
    counts = _shortcoming_counts(cell_ids, today)
    pledged = _pledge_progress([a.cell for a in assignments], month.year)
    for a in assignments:
        if a.overseer_id not in reachable:
            continue
        n_open, n_overdue = counts.get(a.cell_id, (0, 0))
        payload = {
            "cell": a.cell.name,
            "meeting_day": a.cell.meeting_day,
            "last_minutes": minutes.get(a.cell_id, "missing"),
            "open_shortcomings": n_open,
            "overdue_shortcomings": n_overdue,
        }
        if a.cell_id in pledged:
            payload["pledges_signed"], payload["pledges_expected"] = pledged[a.cell_id]
        plan.items.append(
            Item(
                a.overseer_id,
                Kind.OVERSIGHT,
                plan.period,
                f"cell:{a.cell_id}",
                payload,
                cell_link(a.cell_id),
            )
        )
    return [plan]


def plan_minutes_late(today: dt.date, rule: ReminderRules, month: dt.date | None = None) -> list[Plan]:
    """Kind 2: last month's minutes not finalised by day N → the secretary; by day M → also the overseer."""
    month = month or periods.add_months(periods.month_start(today), -1)
    next_month = periods.add_months(month, 1)
    secretary_day = next_month.replace(day=min(max(rule.int("minutes_late.secretary_day"), 1), 28))
    overseer_day = next_month.replace(day=min(max(rule.int("minutes_late.overseer_day"), 1), 28))
    if not rule.allows("minutes_late", secretary_day, today):
        return []
    plan = Plan(Kind.MINUTES_LATE, month_period(month))
    finalised = (
        Meeting.objects.regular().filter(month=month, status=Meeting.Status.FINALISED).values("cell_id")
    )
    late = list(
        Cell.objects.active()
        .exclude(pk__in=finalised)
        .filter(Q(oversight_assignments__month=month) | Q(positions__role__in=sorted(CELL_ROLES)))
        .distinct()
        .order_by("code")
    )
    late_ids = [c.pk for c in late]
    drafts = dict(
        Meeting.objects.regular()
        .standing()
        .filter(month=month, cell_id__in=late_ids)
        .values_list("cell_id", "pk")
    )
    recipients: dict[int, list[int]] = {c.pk: [] for c in late}
    for cell_id, member_id in _secretaries(today, late_ids).items():
        recipients[cell_id].append(member_id)
    if rule.allows("minutes_late", overseer_day, today):
        for cell_id, overseer_id in OversightAssignment.objects.filter(
            month=month, cell_id__in=late_ids
        ).values_list("cell_id", "overseer_id"):
            recipients[cell_id].append(overseer_id)
    reachable = _recipient_ids(today, (m for ids in recipients.values() for m in ids))
    for cell in late:
        if cell.pk in drafts:
            link = reverse("reviews:meeting", args=[drafts[cell.pk]])
        else:
            link = reverse("cells:detail", args=[cell.pk])
        payload = {
            "cell": cell.name,
            "month": date_format(month, "YEAR_MONTH_FORMAT"),
            "minutes": "draft" if cell.pk in drafts else "missing",
            "overseer_notified": rule.allows("minutes_late", overseer_day, today),
        }
        for member_id in dict.fromkeys(recipients[cell.pk]):
            if member_id in reachable:
                plan.items.append(
                    Item(
                        member_id,
                        Kind.MINUTES_LATE,
                        plan.period,
                        f"cell:{cell.pk}",
                        payload,
                        link,
                    )
                )
    return [plan]


def _week_occasion(today: dt.date, weekday: int) -> dt.date:
    monday = today - dt.timedelta(days=today.isoweekday() - 1)
    return monday + dt.timedelta(days=min(max(weekday, 1), 7) - 1)


def _shortcoming_payload(s: Any, today: dt.date) -> dict[str, Any]:
    return {
        "cell": s.cell.name,
        "concerns": s.subject_member.full_name if s.subject_member_id else s.cell.name,
        "owner": s.owner.full_name,
        "description": s.description[:200],
        "due_on": s.due_on.isoformat(),
        "days_overdue": max(0, (today - s.due_on).days),
    }


def plan_remediation(today: dt.date, rule: ReminderRules) -> list[Plan]:
    """Kind 3: each week, remediation due within N days or overdue (for at most K weeks) → owner and secretary."""
    occasion = _week_occasion(today, rule.int("remediation.weekday"))
    if not rule.allows("remediation", occasion, today):
        return []
    plan = Plan(Kind.REMEDIATION, week_period(today))
    horizon = occasion + dt.timedelta(days=rule.int("remediation.due_within_days"))
    oldest = occasion - dt.timedelta(weeks=rule.int("remediation.overdue_weeks_max"))
    start = rule.effective_from("remediation")
    items = Shortcoming.objects.active().filter(due_on__lte=horizon, due_on__gte=oldest, cell__active=True)
    if start is not None:
        items = items.filter(due_on__gte=start)
    found = list(items.select_related("cell", "owner", "subject_member").order_by("due_on", "pk"))
    secretaries = _secretaries(today, {s.cell_id for s in found})
    reachable = _recipient_ids(today, [s.owner_id for s in found] + list(secretaries.values()))
    for s in found:
        payload = _shortcoming_payload(s, today)
        for member_id in dict.fromkeys([s.owner_id, secretaries.get(s.cell_id)]):
            if member_id in reachable:
                plan.items.append(
                    Item(
                        member_id,
                        Kind.REMEDIATION,
                        plan.period,
                        f"shortcoming:{s.pk}",
                        payload,
                        reverse("reviews:shortcoming", args=[s.pk]),
                    )
                )
    return [plan]


def plan_overdue_digest(today: dt.date, rule: ReminderRules) -> list[Plan]:
    """Kind 3b: each week, every UBKT member gets all overdue remediation in their committee's cells."""
    occasion = _week_occasion(today, rule.int("overdue_digest.weekday"))
    if not rule.allows("overdue_digest", occasion, today):
        return []
    plan = Plan(Kind.OVERDUE_DIGEST, week_period(today))
    inspectors = list(
        Position.objects.current(today)
        .filter(role__in=sorted(INSPECTION_ROLES))
        .values_list("member_id", "committee_id")
    )
    if not inspectors:
        return [plan]
    tree = access.committee_tree()
    reachable = _recipient_ids(today, (m for m, _c in inspectors))
    overdue = list(
        Shortcoming.objects.overdue(today)
        .filter(cell__active=True)
        .select_related("cell", "owner", "subject_member")
        .order_by("due_on", "pk")
    )
    for member_id, committee_id in inspectors:
        if member_id not in reachable:
            continue
        committees = tree.with_descendants({committee_id})
        for s in overdue:
            if s.cell.committee_id in committees:
                plan.items.append(
                    Item(
                        member_id,
                        Kind.OVERDUE_DIGEST,
                        plan.period,
                        f"shortcoming:{s.pk}",
                        _shortcoming_payload(s, today),
                        reverse("reviews:shortcoming", args=[s.pk]),
                    )
                )
    return [plan]


def plan_probation_due(today: dt.date, rule: ReminderRules) -> list[Plan]:
    """Kind 5 (issue 14): a probationary member due to become official within N days → the cell's
    secretary, once a month while it lasts; the item is withdrawn once the recognition is recorded."""
    if not rule.allows("probation_due", today, today):
        return []
    plan = Plan(Kind.PROBATION_DUE, month_period(today))
    months = int(single_rule("membership.probation_months", 12))
    horizon = today + dt.timedelta(days=rule.int("probation_due.days_before"))
    # due = admitted + months: due in [today, horizon] ⇔ admitted in [today - months, horizon - months]
    candidates = (
        Member.objects.current(today)
        .probationary()
        .filter(
            admitted_on__gte=months_after(today, -months) - dt.timedelta(days=3),
            admitted_on__lte=months_after(horizon, -months) + dt.timedelta(days=3),
            cell__active=True,
        )
        .select_related("cell")
        .order_by("admitted_on", "pk")
    )
    due = [(m, months_after(m.admitted_on, months)) for m in candidates if m.admitted_on is not None]
    due = [(m, day) for m, day in due if today <= day <= horizon]
    secretaries = _secretaries(today, {m.cell_id for m, _day in due})
    reachable = _recipient_ids(today, secretaries.values())
    for member, day in due:
        secretary = secretaries.get(member.cell_id)
        if secretary in reachable:
            payload = {"member": member.full_name, "cell": member.cell.name, "due_on": day.isoformat()}
            link = reverse("cells:member", args=[member.pk])
            plan.items.append(
                Item(secretary, Kind.PROBATION_DUE, plan.period, f"member:{member.pk}", payload, link)
            )
    return [plan]


def wanted(today: dt.date | None = None, *, period: str | None = None) -> list[Plan]:
    """Every (kind, period) due today with the items it should hold. Reads only.

    With a period (YYYY-MM), plans the monthly kinds for that month only: the oversight reminder of that
    month and the late-minutes reminder about that month's minutes.
    """
    today = today or periods.today()
    rule = ReminderRules.load()
    if period is not None:
        month = periods.parse_month(period)
        assert month is not None, period
        return plan_oversight(today, rule, month) + plan_minutes_late(today, rule, month)
    from reviews.services import feedback_reminders  # it builds on this module's Plan and Item

    return (
        plan_oversight(today, rule)
        + plan_minutes_late(today, rule)
        + plan_remediation(today, rule)
        + plan_overdue_digest(today, rule)
        + plan_probation_due(today, rule)
        + feedback_reminders.wanted(today, rule)
        + plan_pledge_unsigned(today, rule)
    )


def plan_due(today: dt.date | None = None, *, period: str | None = None) -> PlanReport:
    """Write to the ledger what `wanted` returns. Idempotent; safe to run in several processes at once."""
    report = PlanReport(plans=wanted(today, period=period))
    for plan in report.plans:
        _record(plan, report)
    return report


def _record(plan: Plan, report: PlanReport) -> None:
    now = timezone.now()
    wanted_keys = {item.key for item in plan.items}
    existing = {
        (recipient_id, subject): (pk, withdrawn_at, status)
        for pk, recipient_id, subject, withdrawn_at, status in Notification.objects.filter(
            kind=plan.kind, period=plan.period
        ).values_list("pk", "recipient_id", "subject", "withdrawn_at", "digest__status")
    }
    missing = [item for item in plan.items if item.key not in existing]
    if missing:
        Digest.objects.bulk_create(
            [
                Digest(recipient_id=r, kind=plan.kind, period=plan.period, next_attempt_at=now)
                for r in sorted({item.recipient_id for item in missing})
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        digest_ids = dict(
            Digest.objects.filter(
                kind=plan.kind, period=plan.period, recipient_id__in={item.recipient_id for item in missing}
            ).values_list("recipient_id", "pk")
        )
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=item.recipient_id,
                    kind=plan.kind,
                    period=plan.period,
                    subject=item.subject,
                    digest_id=digest_ids[item.recipient_id],
                    payload=item.payload,
                    link=item.link,
                )
                for item in missing
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        report.inserted += len(missing)
    # Reasons that went away before the email left are withdrawn; reasons that came back are restored.
    stale = [
        pk
        for key, (pk, withdrawn_at, status) in existing.items()
        if key not in wanted_keys and withdrawn_at is None and status == Digest.Status.PENDING
    ]
    back = [
        pk
        for key, (pk, withdrawn_at, _s) in existing.items()
        if key in wanted_keys and withdrawn_at is not None
    ]
    if stale:
        report.withdrawn += Notification.objects.filter(pk__in=stale).update(withdrawn_at=now)
    if back:
        report.restored += Notification.objects.filter(pk__in=back).update(withdrawn_at=None)
    if stale or back:
        current = Notification.objects.current().filter(digest=OuterRef("pk"))
        pair = Digest.objects.filter(kind=plan.kind, period=plan.period)
        pair.filter(status=Digest.Status.PENDING).filter(~Exists(current)).update(
            status=Digest.Status.CANCELLED
        )
        pair.filter(status=Digest.Status.CANCELLED).filter(Exists(current)).update(
            status=Digest.Status.PENDING, next_attempt_at=now
        )


# --- Rendering -----------------------------------------------------------------------------------------


def recipient_address(member: Member) -> str:
    return member.email or (member.user.email if member.user_id and member.user else "")


def _absolute(link: str) -> str:
    return f"{settings.SITE_URL}{link}" if link else ""


def render_digest(digest: Digest, items: list[Notification], recipient: Member) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one digest email, in Vietnamese."""
    with translation.override("vi"):
        label = period_label(digest.period)
        count = len(items)
        subjects = {
            Kind.OVERSIGHT: ngettext(
                "Oversight reminder for %(period)s: %(count)d cell",
                "Oversight reminder for %(period)s: %(count)d cells",
                count,
            ),
            Kind.MINUTES_LATE: ngettext(
                "Minutes of %(period)s not finalised: %(count)d cell",
                "Minutes of %(period)s not finalised: %(count)d cells",
                count,
            ),
            Kind.REMEDIATION: ngettext(
                "Remediation due or overdue, %(period)s: %(count)d item",
                "Remediation due or overdue, %(period)s: %(count)d items",
                count,
            ),
            Kind.OVERDUE_DIGEST: ngettext(
                "Overdue remediation, %(period)s: %(count)d item",
                "Overdue remediation, %(period)s: %(count)d items",
                count,
            ),
            Kind.PROBATION_DUE: ngettext(
                "Probationary member due to become official, %(period)s: %(count)d member",
                "Probationary members due to become official, %(period)s: %(count)d members",
                count,
            ),
            Kind.FEEDBACK_DUE: ngettext(
                "Citizens' feedback due or overdue, %(period)s: %(count)d deadline",
                "Citizens' feedback due or overdue, %(period)s: %(count)d deadlines",
                count,
            ),
            Kind.FEEDBACK_DIGEST: ngettext(
                "Citizens' feedback overdue, %(period)s: %(count)d deadline",
                "Citizens' feedback overdue, %(period)s: %(count)d deadlines",
                count,
            ),
            Kind.PLEDGE_UNSIGNED: ngettext(
                "Pledge not signed by the due date, %(period)s: %(count)d member",
                "Pledge not signed by the due date, %(period)s: %(count)d members",
                count,
            ),
        }
        subject = subjects[Kind(digest.kind)] % {"period": label, "count": count}
        context = {
            "digest": digest,
            "kind": digest.kind,
            "recipient": recipient,
            "period_label": label,
            "items": [
                {
                    **item.payload,
                    "url": _absolute(item.link),
                    "due_on_date": _date(item.payload.get("due_on")),
                }
                for item in items
            ],
            "inbox_url": _absolute(reverse("reviews:inbox")),
            "site_url": settings.SITE_URL,
        }
        text = render_to_string("reviews/email/digest.txt", context)
        html = render_to_string("reviews/email/digest.html", context)
    return subject, text, html


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


# --- Sending -------------------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    no_address: int = 0
    cancelled: int = 0


def _lease_seconds() -> int:
    return int(getattr(settings, "REMINDERS_LEASE_SECONDS", 300))


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8… times the base delay after each failed attempt, at most six hours."""
    base = int(getattr(settings, "REMINDERS_RETRY_SECONDS", 60))
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def classify(error: BaseException) -> tuple[bool, str]:
    """(temporary?, message) for an error from sending one email."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        text = "; ".join(f"{addr}: {code} {_decode(msg)}" for addr, (code, msg) in error.recipients.items())
        return all(400 <= code < 500 for code in codes), text
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500, f"{error.smtp_code} {_decode(error.smtp_error)}"
    if isinstance(error, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError | OSError):
        return True, f"{type(error).__name__}: {error}"
    return False, f"{type(error).__name__}: {error}"


def _decode(message: Any) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def claim(batch_size: int = 20, report: SendReport | None = None) -> tuple[list[Digest], int]:
    """Take up to batch_size due digests for this process; render them; mark them sending with a lease.

    Returns the digests to send now and how many rows were taken (some need no email: nothing left to
    say, or no address, and are settled here).

    One short transaction. Rows other senders hold are skipped, not waited for. A ``sending`` row whose
    lease ran out belongs to a sender that died: it is claimed again and keeps its Message-ID.
    """
    now = timezone.now()
    report = report if report is not None else SendReport()
    with transaction.atomic():
        digests = list(
            Digest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                Q(status=Digest.Status.PENDING, next_attempt_at__lte=now)
                | Q(status=Digest.Status.SENDING, lease_until__lt=now)
            )
            .select_related("recipient__user")
            .order_by("next_attempt_at", "pk")[:batch_size]
        )
        if not digests:
            return [], 0
        items: dict[int, list[Notification]] = defaultdict(list)
        for item in Notification.objects.current().filter(digest__in=digests).order_by("pk"):
            items[item.digest_id].append(item)
        claimed = []
        domain = settings.SITE_URL.split("://")[-1].split(":")[0].split("/")[0] or "phuthang.local"
        for digest in digests:
            digest.attempts += 1
            digest.to_address = recipient_address(digest.recipient)
            if not items[digest.pk]:
                digest.status, digest.lease_until = Digest.Status.CANCELLED, None
                report.cancelled += 1
                continue
            digest.subject_line, digest.body_text, digest.body_html = render_digest(
                digest, items[digest.pk], digest.recipient
            )
            if not digest.to_address:
                digest.status, digest.lease_until = Digest.Status.NO_ADDRESS, None
                report.no_address += 1
                continue
            digest.status = Digest.Status.SENDING
            digest.lease_until = now + dt.timedelta(seconds=_lease_seconds())
            digest.message_id = digest.message_id or make_msgid("reminder", domain=domain)
            claimed.append(digest)
        Digest.objects.bulk_update(
            digests,
            [
                "attempts",
                "to_address",
                "status",
                "lease_until",
                "message_id",
                "subject_line",
                "body_text",
                "body_html",
            ],
        )
    return claimed, len(digests)


def _message(digest: Digest, connection: Any) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=digest.subject_line,
        body=digest.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[digest.to_address],
        headers={"Message-ID": digest.message_id},
        connection=connection,
    )
    email.attach_alternative(digest.body_html, "text/html")
    return email


def _mark(digest: Digest, **fields: Any) -> None:
    """Record the outcome, only if this sender still holds the row (its lease was not taken over)."""
    Digest.objects.filter(pk=digest.pk, status=Digest.Status.SENDING, message_id=digest.message_id).update(
        lease_until=None, **fields
    )


def _max_attempts() -> int:
    return int(getattr(settings, "REMINDERS_MAX_ATTEMPTS", 8))


def _record_failure(digest: Digest, temporary: bool, message: str, report: SendReport) -> None:
    if temporary and digest.attempts < _max_attempts():
        report.retrying += 1
        _mark(
            digest,
            status=Digest.Status.PENDING,
            last_error=message,
            next_attempt_at=timezone.now() + backoff(digest.attempts),
        )
        log.warning("reminder %s: temporary failure, retrying later: %s", digest.pk, message)
    else:
        report.failed += 1
        if temporary:
            message = f"gave up after {digest.attempts} attempts: {message}"
        _mark(digest, status=Digest.Status.FAILED, last_error=message)
        log.error("reminder %s failed: %s", digest.pk, message)


def send_due(*, batch_size: int = 20, limit: int | None = None) -> SendReport:
    """Send every due digest, batch by batch, over one SMTP connection. Returns what happened."""
    report = SendReport()
    connection = get_connection()
    handled = 0
    try:
        while limit is None or handled < limit:
            batch, taken = claim(batch_size if limit is None else min(batch_size, limit - handled), report)
            if not taken:
                break
            handled += taken
            if not _send_batch(batch, connection, report):
                break
    finally:
        connection.close()
    return report


def _send_batch(batch: list[Digest], connection: Any, report: SendReport) -> bool:
    """Send a claimed batch; False when the server is unreachable (the rest go back to wait)."""
    # Rows must not outlive their lease in our hands: past half of it, hand the rest back.
    deadline = timezone.now() + dt.timedelta(seconds=_lease_seconds() / 2)
    for index, digest in enumerate(batch):
        if timezone.now() >= deadline:
            _release(batch[index:])
            return True
        try:
            connection.open()  # once per run: a no-op while the connection is open
            _message(digest, connection).send()
        except Exception as error:  # classified below: only named transient errors are retried
            temporary, message = classify(error)
            _record_failure(digest, temporary, message, report)
            if temporary and not isinstance(error, smtplib.SMTPResponseException):
                connection.close()
                for rest in batch[index + 1 :]:
                    _record_failure(rest, True, message, report)
                return False
            continue
        _mark(digest, status=Digest.Status.SENT, sent_at=timezone.now(), last_error="")
        report.sent += 1
    return True


def _release(digests: list[Digest]) -> None:
    Digest.objects.filter(pk__in=[d.pk for d in digests], status=Digest.Status.SENDING).update(
        status=Digest.Status.PENDING, lease_until=None, next_attempt_at=timezone.now()
    )


def retry(digest: Digest) -> None:
    """Staff ask for a failed email to be sent again (after fixing the address, say)."""
    Digest.objects.filter(pk=digest.pk, status=Digest.Status.FAILED).update(
        status=Digest.Status.PENDING, next_attempt_at=timezone.now(), attempts=0
    )


# --- Enqueueing ----------------------------------------------------------------------------------------


def request_run() -> None:
    """After the current transaction commits, ask a worker to plan and send now.

    Never blocks a request on the broker: the message is published from a short-lived background thread
    without retries, and a failure is only logged. Nothing is lost when the broker is down or the thread
    dies with its process: the ledger is in the database and beat's next tick plans and sends the same.
    """
    transaction.on_commit(_enqueue_run, robust=True)


def _enqueue_run() -> None:
    threading.Thread(target=_publish_run, name="enqueue-run-reminders", daemon=True).start()


def _publish_run() -> None:
    # Imported here, not at the top: reviews.tasks imports this module (tasks call services).
    from reviews import tasks

    try:
        tasks.run_reminders.apply_async(retry=False)
    except Exception:  # the broker is down or unreachable: beat will do it on its next tick
        log.warning("could not enqueue run_reminders; the next beat tick will do it", exc_info=True)


# --- Dry run and views' helpers ------------------------------------------------------------------------


@dataclass
class PreviewDigest:
    """One email of the dry run, in plain values (a province's run has 8,000 of them)."""

    name: str  # the recipient's
    address: str
    cell_code: str
    cell_name: str
    committee_id: int
    kind: str
    period: str
    items: list[Item]
    status: str  # the ledger's status for this digest, or "new"


def preview(today: dt.date | None = None, *, period: str | None = None) -> list[PreviewDigest]:
    """Who would receive what, without writing: the plans grouped into digests, with the ledger's state."""
    grouped: dict[tuple[int, str, str], list[Item]] = defaultdict(list)
    for plan in wanted(today, period=period):
        for item in plan.items:
            grouped[(item.recipient_id, item.kind, item.period)].append(item)
    members = {
        pk: (name, email or user_email or "", code, cell, committee)
        for pk, name, email, user_email, code, cell, committee in Member.objects.filter(
            pk__in={r for r, _k, _p in grouped}
        ).values_list(
            "pk", "full_name", "email", "user__email", "cell__code", "cell__name", "cell__committee_id"
        )
    }
    rows = Digest.objects.filter(
        recipient_id__in=list(members), period__in={p for _r, _k, p in grouped}
    ).values_list("recipient_id", "kind", "period", "status")
    statuses = {(r, k, p): status for r, k, p, status in rows}
    return [
        PreviewDigest(*members[r], k, p, items, statuses.get((r, k, p), "new"))
        for (r, k, p), items in sorted(grouped.items(), key=lambda kv: (kv[0][1], members[kv[0][0]][0]))
    ]


def in_sight(user: Any, digests: list[PreviewDigest]) -> list[PreviewDigest]:
    """The sight rule of the reminder emails (access.digests): staff every one, a leader those to their
    committees' members."""
    a = access.for_user(user)
    return digests if a.is_staff else [d for d in digests if d.committee_id in a.leader_committee_ids]


# Above this many active cells the dry run is a job (`prepare_preview`): planning it reads the whole
# organisation, whoever looks (1.4 s for a province's 5,280 cells; 60 ms for a ward's 22).
PREVIEW_IN_REQUEST_CELLS = jobs.IN_REQUEST_ROWS
PREVIEW_JOB = "reminders_preview"


def preview_is_a_job() -> bool:
    return Cell.objects.active().count() > PREVIEW_IN_REQUEST_CELLS


def preview_key(user: Any, *, today: dt.date, period: str | None) -> str:
    """One dry run per person, day and month asked: two presses start one job."""
    return f"{user.pk}:{today.isoformat()}:{period or ''}"


def prepared_preview(user: Any, *, period: str | None) -> tuple[Job | None, Job | None]:
    """(the person's latest finished dry run of `period`, the one being prepared now, if any)."""
    mine = Job.objects.filter(kind=PREVIEW_JOB, started_by_id=user.pk, params__period=period or "")
    done = mine.filter(state=Job.State.DONE).order_by("-finished_at", "-pk").first()
    return done, mine.live().first()


def stored_preview(job: Job, user: Any) -> QuerySet[DryRunEmail]:
    """The emails a prepared dry run holds, in its order, as the sight rule lets `user` see them now."""
    emails = DryRunEmail.objects.filter(job=job).order_by("position")
    a = access.for_user(user)
    return emails if a.is_staff else emails.filter(committee_id__in=a.leader_committee_ids)


def store_preview(job: Job, *, today: dt.date, period: str | None, progress: jobs.Progress) -> int:
    """The job's work: plan the dry run as its starter sees it and keep it as rows; the starter's earlier
    dry runs of the same month go (one is enough to page)."""
    digests = in_sight(job.started_by, preview(today, period=period))
    progress(0, len(digests))
    DryRunEmail.objects.filter(
        job__kind=PREVIEW_JOB, job__started_by_id=job.started_by_id, job__params__period=period or ""
    ).exclude(job=job).delete()
    batch = 1000
    for start in range(0, len(digests), batch):
        DryRunEmail.objects.bulk_create(
            DryRunEmail(
                job=job,
                position=start + i,
                name=d.name,
                cell_code=d.cell_code,
                cell_name=d.cell_name,
                committee_id=d.committee_id,
                kind=d.kind,
                period=d.period,
                status=d.status,
                items=[
                    {"kind": item.kind, "subject": item.subject, "payload": item.payload} for item in d.items
                ],
            )
            for i, d in enumerate(digests[start : start + batch])
        )
        progress(min(start + batch, len(digests)))
    return len(digests)


def iter_lines(digests: list[PreviewDigest]) -> Iterator[str]:
    """The dry run's printout: one line per digest, one indented line per item."""
    for d in digests:
        yield f"{d.kind} {d.period} → {d.name} <{d.address or '(no email)'}> [{d.status}]"
        for item in d.items:
            yield f"    {item.subject}: {item.payload.get('cell', '')} {item.payload.get('description', '')}".rstrip()
