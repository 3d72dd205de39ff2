"""Changes to the organisation that touch several rows."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from cells.models import COMMITTEE_ROLES, Cell, Committee, Member, OversightAssignment, Position
from phuthang import periods
from phuthang.bulk import insert_select
from phuthang.concurrency import OutOfDate, lock_current
from phuthang.history import records_who

if TYPE_CHECKING:
    from django.contrib.auth import models as auth


@transaction.atomic
def save_member_contact(
    member: Member, *, version: int, phone: str, email: str, exempt_since: dt.date | None
) -> Member:
    """The details a secretary keeps up to date; a save from a page that showed another version is refused."""
    locked = lock_current(
        Member.objects,
        member.pk,
        version=version,
        refused=_(
            "Not saved: someone else changed this member's details after you opened the page. Their version "
            "is shown below; what you typed is kept to copy back."
        ),
    )
    locked.phone, locked.email, locked.exempt_since = phone, email, exempt_since
    locked.version = version + 1
    locked.save(update_fields=["phone", "email", "exempt_since", "version"])
    return locked


def oversight_token(overseer_ids: dict[int, int]) -> str:
    """A fingerprint of the overseers (cell id → overseer id) of one page of cells."""
    state = ",".join(f"{cell_id}:{overseer_ids[cell_id]}" for cell_id in sorted(overseer_ids))
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def _lock_oversight(committee: Committee) -> None:
    # one row lock per committee serialises its leaders' saves and copies: the token is checked and the
    # rows written with no other save in between, and a copy never races an insert into a unique error
    Committee.objects.select_for_update().filter(pk=committee.pk).values_list("pk").first()


@records_who
@transaction.atomic
def assign_oversight(
    committee: Committee,
    *,
    month: dt.date,
    overseers: dict[int, Member | None],
    by: auth.User,
    token: str | None = None,
) -> int:
    """Set the overseer of each given cell for the month; None removes the assignment. Returns changes.

    With a token, raises OutOfDate (and changes nothing) when those cells' overseers are no
    longer the ones it was made from.
    """
    month = periods.month_start(month)
    _lock_oversight(committee)
    current = {
        a.cell_id: a
        for a in OversightAssignment.objects.filter(
            month=month, cell__committee=committee, cell_id__in=list(overseers)
        )
    }
    if token is not None and token != oversight_token({c: a.overseer_id for c, a in current.items()}):
        raise OutOfDate(
            committee,
            _(
                "Someone else changed these assignments while you were editing. "
                "Their changes are shown below; please check and save again."
            ),
        )
    changed = 0
    to_create = []
    for cell_id, overseer in overseers.items():
        existing = current.get(cell_id)
        if overseer is None:
            if existing is not None:
                existing.delete()  # an assignment is a plan, not a record: replacing it keeps no history
                changed += 1
        elif existing is None:
            to_create.append(
                OversightAssignment(cell_id=cell_id, overseer=overseer, month=month, assigned_by=by)
            )
        elif existing.overseer_id != overseer.pk:
            existing.overseer, existing.assigned_by = overseer, by
            existing.save(update_fields=["overseer", "assigned_by", "assigned_at"])
            changed += 1
    OversightAssignment.objects.bulk_create(to_create)
    return changed + len(to_create)


@records_who
@transaction.atomic
def copy_oversight(committee: Committee, *, month: dt.date, by: auth.User | None) -> int:
    """Copy last month's assignments into a month, for the cells that have none yet. Returns copies.

    One `INSERT … SELECT` (ON CONFLICT DO NOTHING): a province's 5,000 cells are copied by the database,
    and a copy run twice (a job delivered again) adds nothing the second time."""
    month = periods.month_start(month)
    _lock_oversight(committee)
    return insert_select(
        OversightAssignment,
        _to_copy(committee, month),
        {
            "cell": F("cell_id"),
            "overseer": F("overseer_id"),
            "month": month,
            "assigned_by": getattr(by, "pk", None),
        },
        conflict="ON CONFLICT DO NOTHING",
    )


def oversight_to_copy(committee: Committee, *, month: dt.date) -> int:
    """How many assignments a copy into `month` would make (the page decides: at once, or as a job)."""
    return _to_copy(committee, periods.month_start(month)).count()


def _to_copy(committee: Committee, month: dt.date) -> QuerySet[OversightAssignment]:
    taken = OversightAssignment.objects.filter(month=month, cell__committee=committee).values("cell_id")
    return OversightAssignment.objects.filter(
        month=periods.add_months(month, -1), cell__committee=committee, cell__active=True
    ).exclude(cell_id__in=taken)


def overseer_candidates(committee: Committee) -> list[Member]:
    """Members holding a committee role in the committee today: the ones who can oversee its cells."""
    ids = (
        Position.objects.current()
        .filter(committee=committee, role__in=sorted(COMMITTEE_ROLES), member__left_on__isnull=True)
        .values("member_id")
    )
    # only what the form shows: a province committee has thousands of candidates
    members = Member.objects.filter(pk__in=ids).select_related("cell").only("full_name", "cell__name")
    return list(members.order_by("full_name", "pk"))


def cell_ids_of(committee: Committee) -> list[int]:
    return list(Cell.objects.active().filter(committee=committee).values_list("pk", flat=True))
