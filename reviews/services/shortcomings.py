"""Shortcomings and their remediation: recording, progress reports, status changes, due-date extensions.

Each change locks the row and checks the status and version the user saw; each writes one
`RemediationUpdate` (the timeline). History of the rows themselves is kept by pghistory triggers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cells.models import Cell, Member
from phuthang import access, periods
from phuthang.concurrency import lock_current
from phuthang.history import records_who
from reviews.models import (
    DueDateExtension,
    Manifestation,
    RemediationUpdate,
    Review,
    Shortcoming,
    ShortcomingCommitteeCount,
)
from reviews.permissions import duties

if TYPE_CHECKING:
    from django.contrib.auth import models as auth

    from phuthang.access import User

St = Shortcoming.Status


@dataclass(frozen=True)
class Transition:
    name: str
    label: Any
    sources: tuple[str, ...]
    target: str
    note_required: bool = False


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("start", gettext_lazy("Start work"), (St.OPEN,), St.IN_PROGRESS),
        Transition(
            "report_fixed", gettext_lazy("Report fixed"), (St.OPEN, St.IN_PROGRESS), St.REPORTED_FIXED
        ),
        Transition("verify", gettext_lazy("Verify"), (St.REPORTED_FIXED,), St.VERIFIED),
        Transition(
            "reopen",
            gettext_lazy("Reopen"),
            (St.REPORTED_FIXED, St.VERIFIED),
            St.IN_PROGRESS,
            note_required=True,
        ),
        Transition(
            "withdraw", gettext_lazy("Withdraw"), (St.OPEN, St.IN_PROGRESS), St.WITHDRAWN, note_required=True
        ),
    )
}


def _lock(
    shortcoming: Shortcoming, *, allowed: tuple[str, ...], version: int | None, action: Any
) -> Shortcoming:
    return lock_current(
        Shortcoming.objects,
        shortcoming.pk,
        allowed=allowed,
        version=version,
        refused=lambda current: (
            _(
                "This shortcoming is now “%(status)s”, so “%(action)s” is not possible. "
                "It may have been done already, or your page was out of date."
            )
            % {"status": current.get_status_display(), "action": action}
        ),
        changed=_(
            "Someone changed this shortcoming after you opened the page. Check the changes and try again."
        ),
    )


def _bump(shortcoming: Shortcoming, fields: list[str]) -> None:
    shortcoming.version = F("version") + 1
    shortcoming.save(update_fields=[*fields, "version"])
    shortcoming.refresh_from_db(fields=["version"])


def period_of(*, review: Review | None, raised_on: dt.date) -> dt.date:
    """A shortcoming found in a review belongs to the review's period; any other to its year."""
    return review.period_start if review is not None else dt.date(raised_on.year, 1, 1)


def is_repeat(
    *, cell: Cell, subject_member: Member | None, manifestation: Manifestation | None, period: dt.date
) -> bool:
    if manifestation is None:
        return False
    earlier = Shortcoming.objects.filter(manifestation=manifestation, period_start__lt=period)
    if subject_member is not None:
        earlier = earlier.filter(subject_member=subject_member)
    else:
        earlier = earlier.filter(cell=cell, subject_member__isnull=True)
    return earlier.exists()


@records_who
@transaction.atomic
def record_shortcoming(
    cell: Cell,
    *,
    by: auth.User,
    source: str,
    subject_member: Member | None,
    description: str,
    manifestation: Manifestation | None,
    plan: str,
    owner: Member,
    raised_on: dt.date,
    due_on: dt.date,
    review: Review | None = None,
    meeting: Any = None,
) -> Shortcoming:
    errors: dict[str, str] = {}
    if subject_member is not None and subject_member.cell_id != cell.pk:
        errors["subject_member"] = _("The member concerned must belong to this cell.")
    if owner.cell_id != cell.pk:
        errors["owner"] = _("The person responsible must belong to this cell.")
    if due_on < raised_on:
        errors["due_on"] = _(
            "The due date cannot be before the day the shortcoming was raised (%(day)s)."
        ) % {"day": date_format(raised_on, "SHORT_DATE_FORMAT")}
    if review is not None and review.cell_id != cell.pk:
        errors["review"] = _("The review belongs to another cell.")
    if meeting is not None and meeting.cell_id != cell.pk:
        errors["meeting"] = _("This meeting is not one of %(cell)s.") % {"cell": cell.name}
    if errors:
        raise ValidationError(errors)
    period = period_of(review=review, raised_on=raised_on)
    extra = {"meeting": meeting} if meeting is not None else {}
    shortcoming = Shortcoming.objects.create(
        source=source,
        review=review,
        cell=cell,
        subject_member=subject_member,
        description=description,
        manifestation=manifestation,
        plan=plan,
        owner=owner,
        raised_on=raised_on,
        period_start=period,
        original_due_on=due_on,
        due_on=due_on,
        is_repeat=is_repeat(
            cell=cell, subject_member=subject_member, manifestation=manifestation, period=period
        ),
        created_by=by,
        **extra,
    )
    RemediationUpdate.objects.create(
        shortcoming=shortcoming, kind=RemediationUpdate.Kind.CREATED, to_status=St.OPEN, text=plan, by=by
    )
    return shortcoming


@records_who
@transaction.atomic
def edit_shortcoming(
    shortcoming: Shortcoming,
    *,
    by: auth.User,
    version: int | None,
    description: str,
    manifestation: Manifestation | None,
    plan: str,
) -> Shortcoming:
    """The description, manifestation and plan, while the item is still being worked on."""
    shortcoming = _lock(shortcoming, allowed=Shortcoming.ACTIVE, version=version, action=_("edit"))
    shortcoming.description, shortcoming.manifestation, shortcoming.plan = description, manifestation, plan
    shortcoming.is_repeat = is_repeat(
        cell=shortcoming.cell,
        subject_member=shortcoming.subject_member,
        manifestation=manifestation,
        period=shortcoming.period_start,
    )
    _bump(shortcoming, ["description", "manifestation", "plan", "is_repeat"])
    return shortcoming


def on_behalf(shortcoming: Shortcoming, by: auth.User) -> bool:
    member = getattr(by, "member", None)
    return member is None or member.pk != shortcoming.owner_id


@records_who
@transaction.atomic
def report_progress(
    shortcoming: Shortcoming, *, by: auth.User, text: str, version: int | None, fixed: bool = False
) -> Shortcoming:
    """The owner's (or their secretary's) report; the first report moves an open item to in progress."""
    if not text.strip():
        raise ValidationError({"text": _("Write what has been done.")})
    shortcoming = _lock(shortcoming, allowed=Shortcoming.ACTIVE, version=version, action=_("progress report"))
    behalf = on_behalf(shortcoming, by)
    RemediationUpdate.objects.create(
        shortcoming=shortcoming,
        kind=RemediationUpdate.Kind.PROGRESS,
        text=text.strip(),
        by=by,
        on_behalf=behalf,
    )
    target = St.REPORTED_FIXED if fixed else St.IN_PROGRESS
    if shortcoming.status != target:
        RemediationUpdate.objects.create(
            shortcoming=shortcoming,
            kind=RemediationUpdate.Kind.STATUS,
            from_status=shortcoming.status,
            to_status=target,
            by=by,
            on_behalf=behalf,
        )
        shortcoming.status = target
    _bump(shortcoming, ["status"])
    return shortcoming


@records_who
@transaction.atomic
def change_status(
    shortcoming: Shortcoming, *, action: str, by: auth.User, note: str, version: int | None
) -> Shortcoming:
    """One of TRANSITIONS; the caller has checked the user may take it (only UBKT verifies and reopens).

    Verifying is refused to anyone whose own the item is (docs/security.md), whatever the caller checked.
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError(_("Unknown action."))
    note = note.strip()
    if transition.note_required and not note:
        raise ValidationError({"note": _("Write a note saying why.")})
    shortcoming = _lock(shortcoming, allowed=transition.sources, version=version, action=transition.label)
    if action == "verify" and (refusal := duties.verify_refusal(by, shortcoming)):
        raise ValidationError(refusal)
    RemediationUpdate.objects.create(
        shortcoming=shortcoming,
        kind=RemediationUpdate.Kind.STATUS,
        from_status=shortcoming.status,
        to_status=transition.target,
        text=note,
        by=by,
        on_behalf=action in ("start", "report_fixed") and on_behalf(shortcoming, by),
    )
    shortcoming.status = transition.target
    fields = ["status"]
    if action in ("verify", "reopen"):
        if note:  # an empty note never hides an earlier one; every note stays in the timeline
            shortcoming.verification_note = note
            fields.append("verification_note")
        shortcoming.verified_by = by if action == "verify" else None
        shortcoming.verified_at = timezone.now() if action == "verify" else None
        fields += ["verified_by", "verified_at"]
    _bump(shortcoming, fields)
    return shortcoming


@records_who
@transaction.atomic
def request_extension(
    shortcoming: Shortcoming, *, by: auth.User, new_due_on: dt.date, reason: str, version: int | None = None
) -> DueDateExtension:
    shortcoming = _lock(shortcoming, allowed=Shortcoming.ACTIVE, version=version, action=_("new due date"))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the new due date.")})
    if new_due_on <= shortcoming.due_on:
        raise ValidationError(
            {
                "new_due_on": _("The new due date must be after the current one (%(day)s).")
                % {"day": date_format(shortcoming.due_on, "SHORT_DATE_FORMAT")}
            }
        )
    if shortcoming.extensions.filter(status=DueDateExtension.Status.PENDING).exists():
        raise ValidationError(
            _("A request for a new due date is already waiting for the inspection committee.")
        )
    extension = DueDateExtension.objects.create(
        shortcoming=shortcoming,
        previous_due_on=shortcoming.due_on,
        new_due_on=new_due_on,
        reason=reason.strip(),
        requested_by=by,
    )
    RemediationUpdate.objects.create(
        shortcoming=shortcoming,
        kind=RemediationUpdate.Kind.EXTENSION,
        text=_("Asked for a new due date %(day)s: %(reason)s")
        % {"day": date_format(new_due_on, "SHORT_DATE_FORMAT"), "reason": extension.reason},
        by=by,
        on_behalf=on_behalf(shortcoming, by),
    )
    return extension


@records_who
@transaction.atomic
def decide_extension(
    extension: DueDateExtension, *, by: auth.User, approve: bool, note: str
) -> DueDateExtension:
    extension = lock_current(
        DueDateExtension.objects,
        extension.pk,
        allowed=(DueDateExtension.Status.PENDING,),
        refused=lambda current: (
            _("This request was already answered (“%(status)s”).") % {"status": current.get_status_display()}
        ),
    )
    shortcoming = Shortcoming.objects.select_for_update().get(pk=extension.shortcoming_id)
    if refusal := duties.extension_refusal(by, shortcoming, extension):
        raise ValidationError(refusal)
    extension.status = DueDateExtension.Status.APPROVED if approve else DueDateExtension.Status.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_note = by, timezone.now(), note.strip()
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approve:
        shortcoming.due_on = extension.new_due_on
        _bump(shortcoming, ["due_on"])
        text = _("New due date approved: %(day)s.") % {
            "day": date_format(extension.new_due_on, "SHORT_DATE_FORMAT")
        }
    else:
        text = _("New due date refused; the due date stays %(day)s.") % {
            "day": date_format(shortcoming.due_on, "SHORT_DATE_FORMAT")
        }
    if note.strip():
        text = f"{text} {note.strip()}"
    RemediationUpdate.objects.create(
        shortcoming=shortcoming, kind=RemediationUpdate.Kind.EXTENSION, text=text, by=by
    )
    return extension


def status_counts(shortcomings: Any, today: dt.date | None = None) -> dict[str, int]:
    """Counts per status plus overdue and extended, in one query."""
    today = today or periods.today()
    counts = shortcomings.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(status__in=Shortcoming.ACTIVE, due_on__lt=today)),
        extended=Count("pk", filter=~Q(due_on=F("original_due_on"))),
        **{status: Count("pk", filter=Q(status=status)) for status in St.values},
    )
    return counts


# Board filters the tally answers by itself; any other filter counts the rows it lets through.
COUNTED_FILTERS = {"status", "year"}


@dataclass(frozen=True)
class Tally:
    """The board's shortcomings of one year and status in the user's sight: how many, how many with the
    due date moved, how many overdue today."""

    year: int
    status: str
    items: int
    extended: int
    overdue: int


def board_tally(user: User, today: dt.date | None = None) -> list[Tally]:
    """Everything in the user's sight by year and status, in one query whatever the province's size.

    The committees the user follows in full are read from `ShortcomingCommitteeCount` (kept by the
    database, reviews/counts.py: a few rows per committee, overdue the sum of those due before today);
    the rest of their sight (a cell they follow elsewhere as secretary or overseer, their own shortcomings
    elsewhere: a handful of rows) is counted from the rows."""
    today = today or periods.today()
    rolled_up = (
        ShortcomingCommitteeCount.objects.visible_to(user)
        .order_by()
        .values_list("year", "status")
        .annotate(n=Sum("items"), moved=Sum("extended"), late=Sum("items", filter=Q(due_on__lt=today)))
    )
    counted = (
        Shortcoming.objects.visible_to(user)
        .filter(access.beyond_committee_counts(user))
        .order_by()
        .annotate(year=ExtractYear("period_start"))
        .values_list("year", "status")
        .annotate(
            n=Count("pk"),
            moved=Count("pk", filter=~Q(due_on=F("original_due_on"))),
            late=Count("pk", filter=Q(status__in=Shortcoming.ACTIVE, due_on__lt=today)),
        )
    )
    tally: dict[tuple[int, str], Tally] = {}
    for year, status, items, extended, overdue in rolled_up.union(counted, all=True):
        key = (int(year), status)  # EXTRACT's year is a numeric
        earlier = tally.get(key, Tally(*key, items=0, extended=0, overdue=0))
        tally[key] = Tally(
            *key,
            items=earlier.items + items,
            extended=earlier.extended + extended,
            overdue=earlier.overdue + (overdue or 0),  # a SUM of no row due before today is NULL
        )
    return [row for row in tally.values() if row.items]


def board_years(tally: list[Tally]) -> list[int]:
    """The years (of `period_start`) the board's year filter offers, newest first."""
    return sorted({row.year for row in tally}, reverse=True)


def board_counts(
    form: Any, shortcomings: Any, tally: list[Tally], today: dt.date | None = None
) -> dict[str, int]:
    """The board's counts per status, total, overdue and extended, for the filters of `form`.

    Without filters, or filtered by status or year only, they are the tally's (`board_tally`, already
    read for the year list): a province's board never counts its tens of thousands of rows. Any other
    filter (a cell among them: a cell's rows are few) counts the rows it lets through."""
    today = today or periods.today()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if {name for name, value in data.items() if value} - COUNTED_FILTERS:
        return status_counts(shortcomings, today)
    rows = [
        row
        for row in tally
        if (not data.get("status") or row.status == data["status"])
        and (not data.get("year") or row.year == data["year"])
    ]
    counts = {status: sum(row.items for row in rows if row.status == status) for status in St.values}
    counts["total"] = sum(row.items for row in rows)
    counts["extended"] = sum(row.extended for row in rows)
    counts["overdue"] = sum(row.overdue for row in rows)
    return counts
