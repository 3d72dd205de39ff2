"""Personal action plans: who must write one, writing it, progress notes, and each plan's progress."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from cells.models import CELL_ROLES, COMMITTEE_ROLES, Cell, Committee, Member, MemberQuerySet, Position
from phuthang import access, periods
from phuthang.concurrency import lock_current
from phuthang.constraints import constraint_error
from phuthang.history import records_who
from reviews.models import ActionPlan, ActionPlanItem, ActionPlanNote
from reviews.services.pledges import Line

if TYPE_CHECKING:
    from django.contrib.auth import models as auth

    from phuthang.access import User


@dataclasses.dataclass(frozen=True)
class Unit:
    """What a plan's author leads: a committee (cell None) or a cell of it."""

    committee: Committee
    cell: Cell | None = None

    @property
    def name(self) -> str:
        return self.cell.name if self.cell else self.committee.name


def units_led(user: User, on: dt.date | None = None) -> list[Unit]:
    """The committees and cells the user leads today, from their current positions (one query)."""
    member_id = access.for_user(user).member_id
    if member_id is None:
        return []
    positions = (
        Position.objects.current(on)
        .filter(member_id=member_id)
        .select_related("committee", "cell__committee")
    )
    units: dict[tuple[int, int | None], Unit] = {}
    for p in positions:
        if p.role in COMMITTEE_ROLES and p.committee is not None:
            units.setdefault((p.committee.pk, None), Unit(p.committee))
        elif p.role in CELL_ROLES and p.cell is not None:
            units.setdefault((p.cell.committee_id, p.cell.pk), Unit(p.cell.committee, p.cell))
    return list(units.values())


def _leading(committees: Any, on: dt.date) -> Any:
    """The positions held on the day by which members who have not left lead one of the committees (a list or
    a queryset of them) or one of its active cells."""
    return (
        Position.objects.current(on)
        .filter(
            Q(role__in=sorted(COMMITTEE_ROLES), committee__in=committees)
            | Q(role__in=sorted(CELL_ROLES), cell__committee__in=committees, cell__active=True)
        )
        .filter(Q(member__left_on__isnull=True) | Q(member__left_on__gt=on))
    )


def expected_authors(committee: Committee, on: dt.date) -> list[tuple[Member, Cell | None]]:
    """The members who lead the committee or one of its cells on the day (one query), by name."""
    positions = (
        _leading([committee], on).select_related("member", "cell").order_by("member__full_name", "role")
    )
    found: dict[int, tuple[Member, Cell | None]] = {}
    for p in positions:
        if p.member_id not in found or p.cell is None:  # a committee position heads the list
            found[p.member_id] = (p.member, p.cell)
    return list(found.values())


def missing_authors(committees: Any, on: dt.date, *, year: int, query: str = "") -> MemberQuerySet:
    """The members who lead one of the committees or one of its cells on the day and have no plan for the
    year, by name: a queryset to page, none of its rows read here. `query` finds a part of the member's name
    or of the name or code of the cell they lead."""
    leading = _leading(committees, on).filter(member=OuterRef("pk"))
    if query:
        leading = leading.filter(
            Q(member__full_name__icontains=query)
            | Q(cell__name__icontains=query)
            | Q(cell__code__icontains=query)
        )
    written = ActionPlan.objects.filter(member=OuterRef("pk"), year=year)
    return Member.objects.filter(Exists(leading)).exclude(Exists(written)).order_by("full_name", "pk")


def units_of(members: Sequence[Member], committees: Any, on: dt.date) -> dict[int, Unit]:
    """member id → what they lead among the committees on the day: a committee before a cell (one query)."""
    positions = (
        _leading(committees, on)
        .filter(member__in=[m.pk for m in members])
        .select_related("committee", "cell__committee")
        .order_by("role", "pk")
    )
    found: dict[int, Unit] = {}
    for p in positions:
        if p.cell is None and p.committee is not None:
            found[p.member_id] = Unit(p.committee)
        elif p.cell is not None:
            found.setdefault(p.member_id, Unit(p.cell.committee, p.cell))
    return found


@dataclasses.dataclass(frozen=True)
class Progress:
    items: int
    done: int
    overdue: int

    @property
    def due(self) -> int:
        """Still to do and not yet overdue."""
        return self.items - self.done - self.overdue


def progress(plans: Sequence[ActionPlan], today: dt.date | None = None) -> dict[int, Progress]:
    """plan id → its items done / due / overdue, in one grouped query (dropped items not counted)."""
    today = today or periods.today()
    rows = (
        ActionPlanItem.objects.filter(plan__in=[p.pk for p in plans])
        .exclude(status=ActionPlanItem.Status.DROPPED)
        .values("plan_id")
        .annotate(
            n=Count("pk"),
            done=Count("pk", filter=Q(status=ActionPlanItem.Status.DONE)),
            overdue=Count("pk", filter=Q(status__in=ActionPlanItem.OPEN, due_on__lt=today)),
        )
        .values_list("plan_id", "n", "done", "overdue")
    )
    return {plan_id: Progress(n, done, overdue) for plan_id, n, done, overdue in rows}


@records_who
@transaction.atomic
def write_plan(member: Member, *, by: auth.User, unit: Unit, year: int, items: Iterable[Line]) -> ActionPlan:
    """The member's plan for the year. Every item needs a due date within that year."""
    items = list(items)
    if not items:
        raise ValidationError({"items": _("Write at least one item.")})
    for number, line in enumerate(items, start=1):
        if line.due_on is None:
            raise ValidationError(
                {"items": _("Item %(n)d: give its due date after a second “|”.") % {"n": number}}
            )
        if line.due_on.year != year:
            raise ValidationError(
                {
                    "items": _("Item %(n)d: the due date must fall within %(year)d.")
                    % {"n": number, "year": year}
                }
            )
    plan = ActionPlan(member=member, year=year, committee=unit.committee, cell=unit.cell, created_by=by)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:
        raise constraint_error(exc, ActionPlan) from exc
    ActionPlanItem.objects.bulk_create(
        [
            ActionPlanItem(plan=plan, position=i, text=line.text, target=line.target, due_on=due_on)
            for i, line in enumerate(items, start=1)
            if (due_on := line.due_on) is not None  # every one, as checked above
        ]
    )
    return plan


@records_who
@transaction.atomic
def note_progress(
    item: ActionPlanItem, *, by: auth.User, on: dt.date, text: str, status: str, version: int
) -> ActionPlanNote:
    """A dated note, kept; the item takes the status given. A stale page is refused (OutOfDate)."""
    locked = lock_current(
        ActionPlanItem.objects,
        item.pk,
        version=version,
        refused=_("Not saved: the item changed meanwhile. Please look again."),
    )
    if on > periods.today():
        raise ValidationError({"on": _("The date of a progress note cannot be in the future.")})
    note = ActionPlanNote.objects.create(item=locked, on=on, text=text.strip(), status=status, by=by)
    locked.status, locked.version = status, locked.version + 1
    locked.save(update_fields=["status", "version"])
    return note
