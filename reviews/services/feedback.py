"""The register of citizens' feedback: recording, classifying, telling the sender, extending, concluding,
the written reply, scans, and a shortcoming raised from a conclusion that finds fault.

Every change locks the item and checks the version the user's page showed (phuthang.concurrency), writes
one `FeedbackStep`, and refuses bad input with a Vietnamese message, writing nothing. Deadlines come from
the `petitions.*` rules, counted in working days (phuthang.working_days) from the day received.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cells.models import Cell, Committee, Member
from phuthang import access, periods
from phuthang.concurrency import lock_current
from phuthang.history import records_who
from phuthang.working_days import add_working_days
from reviews.models import (
    FeedbackAttachment,
    FeedbackItem,
    FeedbackStep,
    FeedbackView,
    ReceptionSession,
    Shortcoming,
)
from reviews.models.rules import rules
from reviews.services import shortcomings as shortcoming_services

if TYPE_CHECKING:
    from django.contrib.auth import models as auth
    from django.core.files.uploadedfile import UploadedFile

    from phuthang.access import User

Item, St, Step = FeedbackItem, FeedbackItem.Status, FeedbackStep.Kind

# what everyone but the handler, the UBKT chair and the committee's head reads in place of a denouncer
SENDER_KEPT_SECRET = gettext_lazy("The denouncer's identity is kept secret")

DEFAULTS = {  # used only when a rule row is missing; the office edits the rows (docs/feedback.md)
    "acknowledge_within_working_days": 10,
    "resolve_within_working_days": 90,
    "extension_working_days": 30,
    "attachment_max_bytes": 10 * 1024 * 1024,
}


def petition_rules() -> dict[str, Any]:
    """The `petitions.*` rules (one query), with a default for a row the office deleted."""
    return {**DEFAULTS, **rules("petitions")}


def _day(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _not_future(errors: dict[str, str], name: str, day: dt.date | None, what: str) -> None:
    if day is not None and day > periods.today():
        errors[name] = _("%(what)s cannot be in the future.") % {"what": what}


def _not_before_receipt(errors: dict[str, str], name: str, day: dt.date | None, item: FeedbackItem) -> None:
    if day is not None and day < item.received_on:
        errors[name] = _("This date cannot be before the day the item was received (%(day)s).") % {
            "day": _day(item.received_on)
        }


def _lock(item: FeedbackItem, *, version: int | None, allowed: Iterable[str] | None = None) -> FeedbackItem:
    return lock_current(
        FeedbackItem.objects,
        item.pk,
        allowed=allowed,
        version=version,
        refused=lambda current: (
            _("This item is now “%(status)s”, so this step is not possible.")
            % {"status": current.get_status_display()}
        ),
        changed=_("Someone changed this item after you opened the page. Check the changes and try again."),
    )


def _save(item: FeedbackItem, fields: list[str]) -> None:
    item.version = F("version") + 1
    item.save(update_fields=[*fields, "version"])
    item.refresh_from_db(fields=["version"])


def _step(
    item: FeedbackItem, kind: str, *, by: auth.User | None, on: dt.date | None = None, text: str = ""
) -> None:
    FeedbackStep.objects.create(item=item, kind=kind, on=on or periods.today(), text=text, by=by)


@dataclass(frozen=True)
class Received:
    """What an item is recorded with (the form's cleaned data)."""

    received_on: dt.date
    channel: str
    kind: str
    content: str
    concerns: str
    postmark_on: dt.date | None = None
    anonymous: bool = False
    sender_name: str = ""
    sender_address: str = ""
    sender_contact: str = ""
    concerned_member: Member | None = None
    concerned_cell: Cell | None = None
    concerned_other: str = ""


def receipt_problems(committee: Committee, data: Received) -> dict[str, str]:
    errors: dict[str, str] = {}
    _not_future(errors, "received_on", data.received_on, _("The day received"))
    if data.postmark_on is not None:
        if data.channel != Item.Channel.LETTER:
            errors["postmark_on"] = _("Only a letter has a postmark.")
        elif data.postmark_on > data.received_on:
            errors["postmark_on"] = _("The postmark cannot be later than the day the letter was received.")
    if not data.anonymous and not data.sender_name.strip():
        errors["sender_name"] = _("Write the sender's name, or tick “anonymous”.")
    if not data.content.strip():
        errors["content"] = _("Write what the item says.")
    if data.concerns == Item.Concerns.MEMBER:
        if data.concerned_member is None:
            errors["concerned_member"] = _("Choose the member it concerns.")
        elif data.concerned_member.cell.committee_id != committee.pk:
            errors["concerned_member"] = _("This member is not in a cell of %(committee)s.") % {
                "committee": committee.name
            }
    if data.concerns == Item.Concerns.CELL:
        if data.concerned_cell is None:
            errors["concerned_cell"] = _("Choose the cell it concerns.")
        elif data.concerned_cell.committee_id != committee.pk:
            errors["concerned_cell"] = _("This cell is not one of %(committee)s.") % {
                "committee": committee.name
            }
    if data.concerns == Item.Concerns.OUTSIDE and not data.concerned_other.strip():
        errors["concerned_other"] = _("Name the person or body it concerns.")
    return errors


@records_who
@transaction.atomic
def record_item(
    committee: Committee, *, by: auth.User, data: Received, reception: Any = None
) -> FeedbackItem:
    errors = receipt_problems(committee, data)
    if reception is not None and reception.committee_id != committee.pk:
        errors["reception"] = _("This session is not one of %(committee)s.") % {"committee": committee.name}
    if errors:
        raise ValidationError(errors)
    limits = petition_rules()
    denunciation = data.kind == Item.Kind.DENUNCIATION
    settle = (
        add_working_days(data.received_on, int(limits["resolve_within_working_days"]))
        if denunciation
        else None
    )
    anonymous = data.anonymous
    item = FeedbackItem.objects.create(
        committee=committee,
        received_on=data.received_on,
        postmark_on=data.postmark_on,
        channel=data.channel,
        kind=data.kind,
        anonymous=anonymous,
        sender_name="" if anonymous else data.sender_name.strip(),
        sender_address="" if anonymous else data.sender_address.strip(),
        sender_contact="" if anonymous else data.sender_contact.strip(),
        content=data.content.strip(),
        concerns=data.concerns,
        concerned_member=data.concerned_member if data.concerns == Item.Concerns.MEMBER else None,
        concerned_cell=data.concerned_cell if data.concerns == Item.Concerns.CELL else None,
        concerned_other=data.concerned_other.strip() if data.concerns == Item.Concerns.OUTSIDE else "",
        reception=reception,
        acknowledge_due_on=add_working_days(data.received_on, int(limits["acknowledge_within_working_days"])),
        settle_due_on=settle,
        original_settle_due_on=settle,
        created_by=by,
    )
    _step(item, Step.RECEIVED, by=by, on=data.received_on)
    return item


@records_who
@transaction.atomic
def classify_item(
    item: FeedbackItem,
    *,
    by: auth.User,
    version: int | None,
    jurisdiction: str,
    duplicate_of: FeedbackItem | None = None,
    not_handled: str = "",
    reason: str = "",
    handler: auth.User | None = None,
) -> FeedbackItem:
    """Sorted as the Central Inspection Committee sorts letters; the status follows from the sorting."""
    reason = reason.strip()
    errors: dict[str, str] = {}
    if duplicate_of is not None and (
        duplicate_of.pk == item.pk or duplicate_of.received_on > item.received_on
    ):
        errors["duplicate_of"] = _("A duplicate repeats an item received earlier.")
    if (duplicate_of is not None or not_handled) and not reason:
        errors["reason"] = _("Give the reason.")
    if not (jurisdiction or duplicate_of or not_handled):
        errors["jurisdiction"] = _("Choose who handles it, or why it is not handled.")
    if errors:
        raise ValidationError(errors)
    item = _lock(item, version=version, allowed=(St.RECEIVED, St.ACCEPTED))
    if duplicate_of is not None:
        status = St.DUPLICATE
    elif not_handled:
        status = St.NOT_HANDLED
    elif jurisdiction in (Item.Jurisdiction.HIGHER, Item.Jurisdiction.STATE):
        status = St.FORWARDED
    else:
        status = St.ACCEPTED
    item.status, item.jurisdiction, item.duplicate_of = status, jurisdiction, duplicate_of
    item.not_handled, item.classification_reason = not_handled, reason
    fields = ["status", "jurisdiction", "duplicate_of", "not_handled", "classification_reason"]
    if handler is not None and handler.pk != item.handler_id:
        item.handler = handler
        fields.append("handler")
        _step(item, Step.ASSIGNED, by=by, text=_name(handler))
    _step(item, Step.CLASSIFIED, by=by, text=" · ".join(filter(None, [item.get_status_display(), reason])))
    _save(item, fields)
    return item


def _name(user: Any) -> str:
    member = getattr(user, "member", None)
    return member.full_name if member is not None else str(user.get_username())


@records_who
@transaction.atomic
def tell_sender(item: FeedbackItem, *, by: auth.User, version: int | None, told_on: dt.date) -> FeedbackItem:
    """The sender told in writing whether the item is accepted or forwarded (within the first deadline)."""
    errors: dict[str, str] = {}
    _not_future(errors, "told_on", told_on, _("The day the sender was told"))
    _not_before_receipt(errors, "told_on", told_on, item)
    if item.anonymous:
        errors["told_on"] = _("An anonymous item has nobody to tell.")
    if errors:
        raise ValidationError(errors)
    item = _lock(item, version=version, allowed=(St.ACCEPTED, St.FORWARDED, St.NOT_HANDLED, St.DUPLICATE))
    if item.acknowledged_on is not None:
        raise ValidationError(
            _("The sender was already told on %(day)s.") % {"day": _day(item.acknowledged_on)}
        )
    item.acknowledged_on = told_on
    _step(item, Step.TOLD, by=by, on=told_on, text=item.get_status_display())
    _save(item, ["acknowledged_on"])
    return item


@records_who
@transaction.atomic
def add_note(item: FeedbackItem, *, by: auth.User, version: int | None, text: str) -> FeedbackItem:
    if not text.strip():
        raise ValidationError({"text": _("Write the note.")})
    item = _lock(item, version=version)
    item.notes = f"{item.notes}\n{text.strip()}".strip()
    _step(item, Step.NOTE, by=by, text=text.strip())
    _save(item, ["notes"])
    return item


@records_who
@transaction.atomic
def extend_deadline(
    item: FeedbackItem, *, by: auth.User, version: int | None, days: int, reason: str
) -> FeedbackItem:
    """Once, by up to the rule's working days, with the sender told: a second extension is refused."""
    most = int(petition_rules()["extension_working_days"])
    errors: dict[str, str] = {}
    if not 1 <= days <= most:
        errors["days"] = _("An extension is from 1 to %(most)d working days.") % {"most": most}
    if not reason.strip():
        errors["reason"] = _("Give the reason for the extension.")
    if errors:
        raise ValidationError(errors)
    item = _lock(item, version=version, allowed=(St.ACCEPTED,))
    if item.settle_due_on is None:
        raise ValidationError(_("Only a denunciation has a settlement deadline to extend."))
    if item.extension_days is not None:
        raise ValidationError(
            _("The deadline was already extended once (on %(day)s); it cannot be extended again.")
            % {"day": _day(item.extended_on or item.settle_due_on)}
        )
    item.original_settle_due_on = item.original_settle_due_on or item.settle_due_on
    item.settle_due_on = add_working_days(item.settle_due_on, days)
    item.extension_days, item.extension_reason, item.extended_on = days, reason.strip(), periods.today()
    _step(
        item,
        Step.EXTENDED,
        by=by,
        text=_("Extended by %(days)d working days to %(day)s; the sender is told. %(reason)s")
        % {"days": days, "day": _day(item.settle_due_on), "reason": item.extension_reason},
    )
    _save(
        item, ["original_settle_due_on", "settle_due_on", "extension_days", "extension_reason", "extended_on"]
    )
    return item


@records_who
@transaction.atomic
def conclude_item(
    item: FeedbackItem,
    *,
    by: auth.User,
    version: int | None,
    conclusion: str,
    finds_fault: bool,
    concluded_on: dt.date,
) -> FeedbackItem:
    errors: dict[str, str] = {}
    if not conclusion.strip():
        errors["conclusion"] = _("Write the conclusion.")
    _not_future(errors, "concluded_on", concluded_on, _("The day concluded"))
    _not_before_receipt(errors, "concluded_on", concluded_on, item)
    if errors:
        raise ValidationError(errors)
    item = _lock(item, version=version, allowed=(St.ACCEPTED,))
    item.status, item.conclusion = St.CONCLUDED, conclusion.strip()
    item.finds_fault, item.concluded_on = finds_fault, concluded_on
    _step(item, Step.CONCLUDED, by=by, on=concluded_on, text=item.conclusion)
    _save(item, ["status", "conclusion", "finds_fault", "concluded_on"])
    return item


@records_who
@transaction.atomic
def record_reply(
    item: FeedbackItem, *, by: auth.User, version: int | None, replied_on: dt.date
) -> FeedbackItem:
    errors: dict[str, str] = {}
    _not_future(errors, "replied_on", replied_on, _("The day of the reply"))
    if replied_on < item.received_on:
        errors["replied_on"] = _("The reply cannot be dated before the item was received (%(day)s).") % {
            "day": _day(item.received_on)
        }
    if item.anonymous:
        errors["replied_on"] = _("An anonymous item has nobody to reply to.")
    if errors:
        raise ValidationError(errors)
    item = _lock(item, version=version, allowed=(St.CONCLUDED,))
    item.replied_on = replied_on
    _step(item, Step.REPLIED, by=by, on=replied_on)
    _save(item, ["replied_on"])
    return item


def shortcoming_problem(item: FeedbackItem) -> str | None:
    """Why no shortcoming may be raised from the item, or None."""
    if item.shortcoming_id is not None:
        return _("A shortcoming was already raised from this item.")
    if item.status != St.CONCLUDED or not item.finds_fault:
        return _("Only a concluded item whose conclusion finds fault raises a shortcoming.")
    if item.concerns not in (Item.Concerns.MEMBER, Item.Concerns.CELL):
        return _("Only an item about a member or a cell raises a shortcoming.")
    return None


@records_who
@transaction.atomic
def raise_shortcoming(
    item: FeedbackItem,
    *,
    by: auth.User,
    version: int | None,
    description: str,
    plan: str,
    due_on: dt.date,
    owner: Member | None = None,
) -> Shortcoming:
    """The shortcoming the conclusion found, on the remediation path to UBKT's verification; linked both ways."""
    item = _lock(item, version=version, allowed=(St.CONCLUDED,))
    if problem := shortcoming_problem(item):
        raise ValidationError(problem)
    member = item.concerned_member
    cell = member.cell if member is not None else item.concerned_cell
    assert cell is not None  # concerns a member or a cell: the constraints name one
    subject_owner = owner or member
    if subject_owner is None:
        raise ValidationError(
            {"owner": _("The cell as a collective needs the person responsible for the fix.")}
        )
    shortcoming = shortcoming_services.record_shortcoming(
        cell,
        by=by,
        source=Shortcoming.Source.FEEDBACK,
        subject_member=member,
        description=description,
        manifestation=None,
        plan=plan,
        owner=subject_owner,
        raised_on=periods.today(),
        due_on=due_on,
    )
    item.shortcoming = shortcoming
    _step(item, Step.SHORTCOMING, by=by, text=f"#{shortcoming.pk}")
    _save(item, ["shortcoming"])
    return shortcoming


# --- Scans: the type from the first bytes, the size against the rule.

SIGNATURES = (
    (b"%PDF-", FeedbackAttachment.Type.PDF),
    (b"\xff\xd8\xff", FeedbackAttachment.Type.JPEG),
    (b"\x89PNG\r\n\x1a\n", FeedbackAttachment.Type.PNG),
)


def sniff(head: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)


@records_who
@transaction.atomic
def attach_scan(item: FeedbackItem, *, by: auth.User, upload: UploadedFile) -> FeedbackAttachment:
    most = int(petition_rules()["attachment_max_bytes"])
    size = upload.size or 0
    if size > most:
        raise ValidationError(
            {"file": _("The file is too large: at most %(mb)s MB.") % {"mb": f"{most / 1024 / 1024:g}"}}
        )
    data = upload.read(most + 1)
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    if len(data) > most:
        raise ValidationError(
            {"file": _("The file is too large: at most %(mb)s MB.") % {"mb": f"{most / 1024 / 1024:g}"}}
        )
    kind = sniff(data[:16])
    if kind is None:
        raise ValidationError(
            {"file": _("Only a scan as PDF, JPEG or PNG can be attached; this file is none of them.")}
        )
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[kind]
    stem = "".join(c for c in (upload.name or "").rsplit(".", 1)[0] if c.isalnum() or c in " -_")[:80].strip()
    attachment = FeedbackAttachment.objects.create(
        item=item,
        name=f"{stem or 'scan'}.{extension}",
        content_type=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        uploaded_by=by,
    )
    _step(item, Step.ATTACHED, by=by, text=attachment.name)
    return attachment


# --- Reading: the log of who saw what, and the sender as this user may read it.


def log_views(items: Iterable[FeedbackItem], *, user: User, how: str) -> None:
    """One row per item shown to the user (one query)."""
    FeedbackView.objects.bulk_create([FeedbackView(item=item, user=user, how=how) for item in items])  # type: ignore[misc]


@dataclass(frozen=True)
class Sender:
    name: str
    address: str
    contact: str
    hidden: bool


def sender_for(user: User, item: FeedbackItem) -> Sender:
    """Who sent the item, as this user may read it: a denouncer only for the handler, UBKT chair and head."""
    if item.anonymous:
        return Sender(str(_("Anonymous")), "", "", hidden=False)
    if not access.sees_sender(user, item):
        return Sender(str(SENDER_KEPT_SECRET), "", "", hidden=True)
    return Sender(item.sender_name, item.sender_address, item.sender_contact, hidden=False)


def with_senders(user: User, items: Iterable[FeedbackItem]) -> list[FeedbackItem]:
    """The items, each with `.sender` set for this user: what every page, list and export prints."""
    shown = list(items)
    for item in shown:
        item.sender = sender_for(user, item)  # type: ignore[attr-defined]
    return shown


def search(queryset: Any, user: User, text: str) -> Any:
    """Items whose content or concerned person matches, or whose sender does where the user may read it.

    A denouncer's name never matches for anyone who may not read it: a search must not tell who denounced.
    """
    from django.db.models import Q

    text = text.strip()
    if not text:
        return queryset
    open_sender = access.sender_shown(user)
    return queryset.filter(
        Q(content__icontains=text)
        | Q(concerned_member__full_name__icontains=text)
        | Q(concerned_cell__name__icontains=text)
        | Q(concerned_other__icontains=text)
        | (open_sender & (Q(sender_name__icontains=text) | Q(sender_address__icontains=text)))
    )


# --- Citizen reception sessions and dialogues


@records_who
@transaction.atomic
def record_reception(
    committee: Committee,
    *,
    by: auth.User,
    kind: str,
    held_on: dt.date,
    received_by: str,
    attendance: int,
    notes: str = "",
) -> ReceptionSession:
    errors: dict[str, str] = {}
    _not_future(errors, "held_on", held_on, _("The day of the session"))
    if not received_by.strip():
        errors["received_by"] = _("Write who received the citizens.")
    if errors:
        raise ValidationError(errors)
    return ReceptionSession.objects.create(
        committee=committee,
        kind=kind,
        held_on=held_on,
        received_by=received_by.strip(),
        attendance=attendance,
        notes=notes.strip(),
        created_by=by,
    )


@dataclass(frozen=True)
class MonthBelow:
    month: dt.date
    days: int


def months_below_rule(sessions: Any, *, months: int = 12, today: dt.date | None = None) -> list[MonthBelow]:
    """The last `months` months (this one excluded until it ends) in which the head received citizens on
    fewer days than the rule `petitions.head_receives_citizens_days_per_month` (one query each: the rule and
    the days)."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    today = today or periods.today()
    least = int(rules("petitions").get("head_receives_citizens_days_per_month", 2))
    this_month = periods.month_start(today)
    first = periods.add_months(this_month, -months)
    counted = dict(
        sessions.filter(kind=ReceptionSession.Kind.RECEPTION, held_on__gte=first, held_on__lt=this_month)
        .annotate(month=TruncMonth("held_on"))
        .values_list("month")
        .annotate(days=Count("held_on", distinct=True))
        .values_list("month", "days")
    )
    below = []
    for back in range(months, 0, -1):
        month = periods.add_months(this_month, -back)
        days = counted.get(month, 0)
        if days < least:
            below.append(MonthBelow(month, days))
    return below


# --- Periodic reports to the province: counts per kind, channel, jurisdiction and state


@dataclass(frozen=True)
class Period:
    kind: str  # month, quarter, six, nine, year
    start: dt.date
    end: dt.date  # the last day

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("Month %(month)s/%(year)s") % {"month": f"{self.start:%m}", "year": self.start.year}
        if self.kind == "quarter":
            return _("Quarter %(quarter)d/%(year)s") % {
                "quarter": (self.start.month + 2) // 3,
                "year": self.start.year,
            }
        if self.kind == "six":
            return _("Six months of %(year)s") % {"year": self.start.year}
        if self.kind == "nine":
            return _("Nine months of %(year)s") % {"year": self.start.year}
        return _("Year %(year)s") % {"year": self.start.year}


def report_period(kind: str, year: int, number: int = 1) -> Period:
    """A month or quarter (`number`), or the first six, nine or twelve months of the year."""
    if kind == "month":
        start, months = dt.date(year, number, 1), 1
    elif kind == "quarter":
        start, months = dt.date(year, 3 * number - 2, 1), 3
    else:
        start, months = dt.date(year, 1, 1), {"six": 6, "nine": 9}.get(kind, 12)
    return Period(kind, start, periods.add_months(start, months) - dt.timedelta(days=1))


@dataclass(frozen=True)
class ReportRow:
    dimension: str
    label: str
    count: int


def report_counts(items: Any, period: Period, today: dt.date | None = None) -> list[ReportRow]:
    """The items received in the period, counted per kind, channel, jurisdiction and state (one query)."""
    from django.db.models import Count, Q

    today = today or periods.today()
    received = items.filter(received_on__gte=period.start, received_on__lte=period.end)
    dimensions: list[tuple[str, str, list[tuple[str, Any]]]] = [
        ("kind", _("Kind"), Item.Kind.choices),
        ("channel", _("Channel"), Item.Channel.choices),
        ("jurisdiction", _("Jurisdiction"), [("", _("Not classified yet")), *Item.Jurisdiction.choices]),
        ("status", _("Status"), Item.Status.choices),
    ]
    counts = {
        f"{field}:{value}": Count("pk", filter=Q(**{field: value}))
        for field, _label, choices in dimensions
        for value, _name in choices
    }
    untold = Q(acknowledged_on__isnull=True, acknowledge_due_on__lt=today)
    unsettled = Q(settle_due_on__lt=today) & ~Q(status__in=Item.CLOSED)
    found = received.aggregate(total=Count("pk"), overdue=Count("pk", filter=untold | unsettled), **counts)
    rows = [ReportRow(str(_("Total")), str(_("Items received")), found["total"])]
    for field, label, choices in dimensions:
        rows += [ReportRow(str(label), str(name), found[f"{field}:{value}"]) for value, name in choices]
    rows.append(ReportRow(str(_("Status")), str(_("Overdue")), found["overdue"]))
    return rows
