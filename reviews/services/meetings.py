"""Writing and reading meetings: every write that touches attendance goes through here, so the meeting's
counts always equal its attendance rows (same transaction), and a stale draft never overwrites a newer one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

import pghistory
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS as NON_FIELD
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Case, Count, DateField, F, Q, Value, When
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cells.models import Cell, Member
from phuthang import periods
from phuthang.concurrency import OutOfDate, lock_current
from phuthang.constraints import constraint_error
from phuthang.history import records_who
from reviews.models import Attendance, Meeting, MeetingAssessment, MeetingTask
from reviews.models.rules import rules
from reviews.services import dashboard

if TYPE_CHECKING:
    from django.contrib.auth import models as auth

# The fields of the minutes a secretary edits (besides attendance and tasks).
DETAIL_FIELDS = ("kind", "topic", "date", "started_at", "ended_at", "place", "chair", "recorder")
MINUTES_FIELDS = (
    "guests",
    "overseer_attended",
    "situation",
    "last_resolution_review",
    "discussion",
    "resolution",
    "votes_for",
    "votes_against",
)
EDITABLE_FIELDS = DETAIL_FIELDS + MINUTES_FIELDS


@dataclasses.dataclass(frozen=True)
class Mark:
    status: str
    reason: str = ""


@dataclasses.dataclass(frozen=True)
class SheetChanges:
    """Everything one save of the sheet changes, handed to save_meeting at once."""

    fields: dict[str, Any] = dataclasses.field(default_factory=dict)  # of EDITABLE_FIELDS
    marks: dict[int, Mark] = dataclasses.field(default_factory=dict)  # member id → attendance
    new_tasks: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    done_task_ids: set[int] = dataclasses.field(default_factory=set)


# --- Who is expected


def expected_members(cell_id: int, on: dt.date) -> tuple[list[Member], list[Member]]:
    """(expected, exempt): the cell's members on that day; the exempt are listed apart and not counted."""
    return _split_exempt(_members_on(cell_id, on), on)


def _members_on(cell_id: int, on: dt.date) -> list[Member]:
    return list(Member.objects.filter(cell_id=cell_id).current(on).order_by("full_name", "pk"))


def _split_exempt(members: list[Member], on: dt.date) -> tuple[list[Member], list[Member]]:
    return [m for m in members if not m.is_exempt(on)], [m for m in members if m.is_exempt(on)]


@dataclasses.dataclass(frozen=True)
class Sheet:
    """What the one-page sheet of a draft shows besides the meeting itself."""

    members: list[
        Member
    ]  # the cell's members on the day: chair, recorder and assignees are chosen among them
    expected: list[Member]  # marked present, excused or unexcused
    exempt: list[Member]  # listed apart, not counted
    rows: dict[int, Attendance]  # member id → their attendance row
    open_tasks: list[MeetingTask]  # carried from earlier meetings, ticked off here


def meeting_sheet(meeting: Meeting) -> Sheet:
    """The sheet of a meeting in three queries: the members on its day, its attendance rows, open tasks."""
    members = _members_on(meeting.cell_id, meeting.date)
    expected, exempt = _split_exempt(members, meeting.date)
    return Sheet(
        members=members,
        expected=expected,
        exempt=exempt,
        rows={row.member_id: row for row in Attendance.objects.filter(meeting=meeting)},
        open_tasks=carried_tasks(meeting),
    )


# --- Writes


@records_who
@transaction.atomic
def start_meeting(cell: Cell, *, by: auth.User, **details: Any) -> Meeting:
    """Create a draft with every expected member present. Raises ValidationError for a second regular one."""
    meeting = Meeting(cell=cell, created_by=by, month=periods.month_start(details["date"]), **details)
    expected, _exempt = expected_members(cell.pk, meeting.date)
    meeting.expected_count = meeting.present_count = len(expected)
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError as exc:
        raise constraint_error(exc, Meeting) from exc
    Attendance.objects.bulk_create([Attendance(meeting=meeting, member=m) for m in expected])
    dashboard.refresh(meeting.cell_id, meeting.month)
    return meeting


@transaction.atomic
def save_meeting(meeting: Meeting, *, version: int, by: auth.User, changes: SheetChanges) -> Meeting:
    """Save a draft's details, minutes, attendance and tasks at once, with a bounded number of queries.

    `changes.marks` maps member ids to their attendance; expected members missing from it stay as they are
    (new ones present). Raises OutOfDate if the draft moved past `version` or is no longer a draft.
    """
    locked = lock_current(
        Meeting.objects,
        meeting.pk,
        allowed=(Meeting.Status.DRAFT,),
        version=version,
        refused=_(
            "Not saved: someone else saved these minutes while you were editing. Their version is "
            "shown below; your own text is kept under “Your unsaved text” to copy back."
        ),
    )
    was_month = locked.month
    with pghistory.context(**_acting(by)):
        date = changes.fields.get("date", locked.date)
        started_at = changes.fields.get("started_at", locked.started_at)
        _refuse_before_the_meeting(date, started_at, fields=changes.fields, marks=changes.marks)
        _sync_attendance(locked, on=date, marks=changes.marks)
        counts = _attendance_counts(locked)
        edited = {name: changes.fields[name] for name in EDITABLE_FIELDS if name in changes.fields}
        for name, value in {**edited, **counts}.items():
            setattr(locked, name, value)
        locked.month = periods.month_start(locked.date)
        locked.version = version + 1
        try:
            with transaction.atomic():
                locked.save(update_fields=[*edited, *counts, "month", "version", "updated_at"])
        except IntegrityError as exc:
            raise constraint_error(exc, Meeting) from exc
        _save_tasks(locked, new_tasks=changes.new_tasks, done_task_ids=changes.done_task_ids)
        dashboard.refresh(locked.cell_id, was_month, locked.month)
    return locked


def _acting(by: Any) -> dict[str, Any]:
    """Who acted, for the history's context: the versions list names them even outside a request (the
    request's middleware records the same user).
    """
    return {"user": by.pk} if getattr(by, "pk", None) is not None else {}


def _refuse_before_the_meeting(
    date: dt.date, started_at: dt.time, *, fields: dict[str, Any], marks: dict[int, Mark]
) -> None:
    """A draft may be prepared ahead, but no one is absent and nothing is voted before the meeting begins."""
    if periods.has_come(date, started_at):
        return
    errors: dict[str, list[str]] = {}
    when = f"{started_at:%H:%M} {date:%d/%m/%Y}"
    if any(mark.status != Attendance.Status.PRESENT for mark in marks.values()):
        errors[NON_FIELD] = [_("Attendance is taken at the meeting: it begins at %(when)s.") % {"when": when}]
    if fields.get("votes_for") or fields.get("votes_against"):
        errors["votes_for"] = [_("Votes are counted at the meeting: it begins at %(when)s.") % {"when": when}]
    if errors:
        raise ValidationError(errors)


def _sync_attendance(meeting: Meeting, *, on: dt.date, marks: dict[int, Mark]) -> None:
    """Bring the rows in line with the members expected on the day: four queries at most, whatever the size."""
    expected, _exempt = expected_members(meeting.cell_id, on)
    expected_ids = {m.pk for m in expected}
    unknown = set(marks) - expected_ids
    if unknown:
        raise ValidationError(_("Attendance was sent for someone who is not a member of this cell."))
    rows = {row.member_id: row for row in Attendance.objects.filter(meeting=meeting)}
    to_create, to_update = [], []
    for member_id in expected_ids:
        mark = marks.get(member_id)
        status, reason = (mark.status, mark.reason.strip()) if mark else (None, "")
        if status == Attendance.Status.PRESENT:
            reason = ""
        row = rows.get(member_id)
        if row is None:
            to_create.append(
                Attendance(
                    meeting=meeting,
                    member_id=member_id,
                    status=status or Attendance.Status.PRESENT,
                    reason=reason,
                )
            )
        elif status is not None and (row.status, row.reason) != (status, reason):
            row.status, row.reason = status, reason
            to_update.append(row)
    if to_create:
        Attendance.objects.bulk_create(to_create)
    if to_update:
        Attendance.objects.bulk_update(to_update, ["status", "reason"])
    gone = [row.pk for member_id, row in rows.items() if member_id not in expected_ids]
    if gone:  # no longer a member on the (moved) date; the delete trigger keeps the row in the history
        Attendance.objects.filter(pk__in=gone).delete()


def _attendance_counts(meeting: Meeting) -> dict[str, int]:
    """Counted from the rows themselves, inside the same transaction: one query."""
    found = Attendance.objects.filter(meeting=meeting).aggregate(
        expected_count=Count("pk"),
        present_count=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
        excused_count=Count("pk", filter=Q(status=Attendance.Status.EXCUSED)),
        unexcused_count=Count("pk", filter=Q(status=Attendance.Status.UNEXCUSED)),
    )
    return {name: found[name] or 0 for name in found}


def _save_tasks(meeting: Meeting, *, new_tasks: list[dict[str, Any]], done_task_ids: set[int]) -> None:
    """The new tasks, then one statement whatever was ticked: the cell's open tasks ticked are done at this
    meeting, and those done at it but unticked again on the same draft are open once more."""
    if new_tasks:
        MeetingTask.objects.bulk_create([MeetingTask(meeting=meeting, **task) for task in new_tasks])
    ticked = Q(pk__in=done_task_ids)
    MeetingTask.objects.filter(
        (ticked & Q(meeting__cell_id=meeting.cell_id, done_on__isnull=True)) | (Q(done_at=meeting) & ~ticked)
    ).update(
        done_on=Case(When(ticked, then=Value(meeting.date)), default=None, output_field=DateField()),
        done_at=Case(When(ticked, then=Value(meeting.pk)), default=None, output_field=BigIntegerField()),
    )


def completeness_problems(meeting: Meeting) -> list[str]:
    """What stops a draft from being finalised (counts come from the rows, kept equal by save_meeting)."""
    problems = []
    if meeting.expected_count != meeting.present_count + meeting.excused_count + meeting.unexcused_count:
        problems.append(_("Not every expected member is marked."))
    if not meeting.resolution.strip():
        problems.append(_("Write the resolution or conclusion."))
    if meeting.ended_at is None:
        problems.append(_("Enter the time the meeting ended."))
    elif meeting.ended_at <= meeting.started_at:
        problems.append(_("The meeting must end after it starts."))
    if meeting.chair_id is None or meeting.recorder_id is None:
        problems.append(_("Name the chair and the recorder."))
    return problems


@records_who
@transaction.atomic
def finalise_meeting(meeting: Meeting, *, by: auth.User, version: int | None = None) -> Meeting:
    """Make the minutes read-only. Raises ValidationError listing what is missing, OutOfDate when they are
    no longer a draft or (given `version`) someone saved them since.
    """
    locked = lock_current(
        Meeting.objects,
        meeting.pk,
        allowed=(Meeting.Status.DRAFT,),
        version=version,
        refused=_(
            "Your draft is saved, but not finalised: someone else changed these minutes meanwhile. "
            "They are shown as they are now; please look again."
        ),
    )
    missing_marks = locked.expected_count != Attendance.objects.filter(meeting=locked).count()
    problems = completeness_problems(locked)
    if not locked.has_begun:
        problems.insert(
            0,
            _("The meeting has not begun yet (%(when)s): the minutes are finalised once it is held.")
            % {"when": f"{locked.started_at:%H:%M} {locked.date:%d/%m/%Y}"},
        )
    if missing_marks:
        problems.insert(0, _("Not every expected member is marked."))
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    locked.status = Meeting.Status.FINALISED
    locked.finalised_at, locked.finalised_by = now, by
    locked.first_finalised_at = locked.first_finalised_at or now
    locked.version += 1
    locked.save(
        update_fields=[
            "status",
            "finalised_at",
            "finalised_by",
            "first_finalised_at",
            "version",
            "updated_at",
        ]
    )
    dashboard.refresh(locked.cell_id, locked.month)
    return locked


@transaction.atomic
def reopen_meeting(meeting: Meeting, *, by: auth.User, reason: str, version: int) -> Meeting:
    """Back to draft; the reason and who reopened are stored in the history's context (the reason on the row
    too).
    """
    locked = lock_current(
        Meeting.objects,
        meeting.pk,
        allowed=(Meeting.Status.FINALISED,),
        version=version,
        refused=_("Not reopened: the minutes changed meanwhile. Please look again."),
    )
    with pghistory.context(reopen_reason=reason, **_acting(by)):
        locked.status, locked.reopen_reason = Meeting.Status.DRAFT, reason.strip()
        locked.version += 1
        locked.save(update_fields=["status", "reopen_reason", "version", "updated_at"])
        dashboard.refresh(locked.cell_id, locked.month)
    return locked


@records_who
@transaction.atomic
def withdraw_meeting(meeting: Meeting, *, by: auth.User, reason: str, version: int) -> Meeting:
    """Set aside a draft started by mistake: kept read-only with who, when and why; its month is free again.

    Only a draft never finalised: minutes that once stood as the record are reopened, not withdrawn.
    Tasks it marked done are open again, since the meeting did not take place.
    """
    locked = lock_current(
        Meeting.objects,
        meeting.pk,
        allowed=(Meeting.Status.DRAFT,),
        version=version,
        refused=(refused := _("Not withdrawn: the draft changed meanwhile. Please look again.")),
    )
    if not locked.is_withdrawable:  # once the record, it is reopened and corrected instead
        raise OutOfDate(locked, refused)
    locked.status = Meeting.Status.WITHDRAWN
    locked.withdrawn_at, locked.withdrawn_by, locked.withdraw_reason = timezone.now(), by, reason.strip()
    locked.version += 1
    locked.save(
        update_fields=["status", "withdrawn_at", "withdrawn_by", "withdraw_reason", "version", "updated_at"]
    )
    MeetingTask.objects.filter(done_at=locked).update(done_on=None, done_at=None)
    dashboard.refresh(locked.cell_id, locked.month)
    return locked


def _assessment_changed() -> str:
    return _(
        "Not saved: this assessment was saved from another page after you opened yours. The saved one is "
        "shown below; your own note is kept under “Your unsaved text” to copy back."
    )


@transaction.atomic
def assess_meeting(meeting: Meeting, *, overseer: Member, version: int, **scores: Any) -> MeetingAssessment:
    """The overseer's scoring; recording that they attended also marks it on the minutes (a new version).

    `version` is the assessment's version the page showed, 0 when there was none: a save from a page that
    showed another raises OutOfDate, as the minutes do.
    """
    assessment = MeetingAssessment.objects.select_for_update().filter(meeting=meeting).first()
    if assessment is None:
        if version != 0:  # the page showed one that is no longer there: cannot happen without deletes
            raise OutOfDate(meeting, _assessment_changed())
        try:
            with transaction.atomic():
                assessment = MeetingAssessment.objects.create(meeting=meeting, overseer=overseer, **scores)
        except IntegrityError:  # saved from another page at the very same moment
            current = MeetingAssessment.objects.get(meeting=meeting)
            raise OutOfDate(current, _assessment_changed()) from None
    else:
        if assessment.version != version:
            raise OutOfDate(assessment, _assessment_changed())
        for name, value in {"overseer": overseer, **scores}.items():
            setattr(assessment, name, value)
        assessment.version = version + 1
        assessment.save(update_fields=["overseer", *scores, "version", "scored_at"])
    if scores.get("attended"):
        Meeting.objects.filter(pk=meeting.pk, overseer_attended=False).update(
            overseer_attended=True, version=F("version") + 1
        )
    dashboard.refresh(meeting.cell_id, meeting.month)
    return assessment


# --- Reads


@dataclasses.dataclass(frozen=True)
class Indicator:
    label: str
    ok: bool | None  # None: not applicable or not known yet
    detail: str = ""


def quality_indicators(meeting: Meeting, rule: dict[str, Any]) -> list[Indicator]:
    """The meeting-quality criteria (Hướng dẫn 12-HD/BTCTW) with thresholds from the staff-editable rules.

    Three queries: the year's attendance of the cell, the names behind long excused streaks, and the
    quarter's thematic meetings.
    """
    above = float(rule.get("attendance_above", 0.85))
    allowed = int(rule.get("unexcused_allowed", 0))
    streak_max = int(rule.get("excused_in_a_row_max", 3))
    min_minutes = int(rule.get("min_minutes", 90))
    thematic_needed = int(rule.get("thematic_per_quarter", 1))
    share = meeting.attendance_share
    duration = meeting.duration_minutes
    streaks = excused_streaks(meeting)
    too_long = [name for name, count in streaks.items() if count > streak_max]
    quarter_start = dt.date(meeting.month.year, (meeting.month.month - 1) // 3 * 3 + 1, 1)
    thematic = (
        Meeting.objects.filter(
            cell_id=meeting.cell_id,
            kind=Meeting.Kind.THEMATIC,
            month__gte=quarter_start,
            month__lt=periods.add_months(quarter_start, 3),
        )
        .filter(Q(status=Meeting.Status.FINALISED) | Q(pk=meeting.pk))
        .count()
    )
    return [
        Indicator(
            _("Attendance above %(share)d%%") % {"share": round(above * 100)},
            None if share is None else share > above,
            "" if share is None else f"{round(share * 100)}%",
        ),
        Indicator(
            _("No unexcused absence")
            if allowed == 0
            else _("Unexcused absences at most %(n)d") % {"n": allowed},
            meeting.unexcused_count <= allowed,
            str(meeting.unexcused_count),
        ),
        Indicator(
            _("No member excused more than %(n)d times in a row this year") % {"n": streak_max},
            not too_long,
            ", ".join(too_long),
        ),
        Indicator(
            _("Lasted at least %(n)d minutes") % {"n": min_minutes},
            None if duration is None else duration >= min_minutes,
            "" if duration is None else _("%(n)d minutes") % {"n": duration},
        ),
        Indicator(
            ngettext(
                "At least %(n)d thematic meeting this quarter",
                "At least %(n)d thematic meetings this quarter",
                thematic_needed,
            )
            % {"n": thematic_needed},
            thematic >= thematic_needed,
            str(thematic),
        ),
        Indicator(_("Minutes complete"), not completeness_problems(meeting)),
    ]


def excused_streaks(meeting: Meeting) -> dict[str, int]:
    """For each member excused at this meeting: how many regular meetings in a row this year, up to it."""
    rows = (
        Attendance.objects.filter(
            meeting__cell_id=meeting.cell_id,
            meeting__kind=Meeting.Kind.REGULAR,
            meeting__month__year=meeting.month.year,
            meeting__status__in=[Meeting.Status.DRAFT, Meeting.Status.FINALISED],
            meeting__date__lte=meeting.date,
            member__attendance__meeting=meeting,
            member__attendance__status=Attendance.Status.EXCUSED,
        )
        .order_by("member_id", "-meeting__date")
        .values_list("member__full_name", "member_id", "status")
    )
    streaks: Counter[str] = Counter()
    broken: set[int] = set()
    for name, member_id, status in rows:
        if member_id in broken:
            continue
        if status == Attendance.Status.EXCUSED:
            streaks[name] += 1
        else:
            broken.add(member_id)
    return dict(streaks)


def carried_tasks(meeting: Meeting) -> list[MeetingTask]:
    """Tasks of the cell's earlier meetings still open, or closed at this one. One query."""
    return list(
        MeetingTask.objects.filter(meeting__cell_id=meeting.cell_id)
        .exclude(meeting=meeting)
        .exclude(meeting__status=Meeting.Status.WITHDRAWN)
        .filter(meeting__date__lte=meeting.date)
        .filter(Q(done_on__isnull=True) | Q(done_at=meeting))
        .select_related("assignee", "meeting")
        .order_by("due_on", "pk")
    )


@dataclasses.dataclass(frozen=True)
class MonthRow:
    month: dt.date
    meeting: Meeting | None
    others: list[Meeting]
    withdrawn: list[Meeting]  # kept as a record, apart from the month's slot
    is_past: bool


@dataclasses.dataclass(frozen=True)
class Year:
    year: int
    months: list[MonthRow]
    thematic_by_quarter: list[tuple[int, int]]  # (quarter, thematic meetings finalised)
    next_due: dt.date | None


def year_overview(cell: Cell, year: int, meetings: list[Meeting], *, today: dt.date) -> Year:
    """The year at a glance from the year's meetings (already fetched; no query here)."""
    withdrawn = [m for m in meetings if m.is_withdrawn]
    standing = [m for m in meetings if not m.is_withdrawn]
    regular = {m.month: m for m in standing if m.kind == Meeting.Kind.REGULAR}
    months = [
        MonthRow(
            month=(month := dt.date(year, n, 1)),
            meeting=regular.get(month),
            others=[m for m in standing if m.kind != Meeting.Kind.REGULAR and m.month == month],
            withdrawn=[m for m in withdrawn if m.month == month],
            is_past=periods.add_months(month, 1) <= today,
        )
        for n in range(1, 13)
    ]
    thematic = Counter(
        (m.month.month - 1) // 3 + 1
        for m in meetings
        if m.kind == Meeting.Kind.THEMATIC and m.status == Meeting.Status.FINALISED
    )
    return Year(
        year=year,
        months=months,
        thematic_by_quarter=[(q, thematic[q]) for q in range(1, 5)],
        next_due=next_due(cell, regular, today=today) if year == today.year else None,
    )


def next_due(cell: Cell, regular: dict[dt.date, Meeting], *, today: dt.date) -> dt.date:
    """The usual meeting day of the first month from this one without finalised regular minutes."""
    month = periods.month_start(today)
    while (held := regular.get(month)) is not None and not held.is_draft:
        month = periods.add_months(month, 1)
    day = cell.meeting_day or 1
    return month.replace(day=day)


def next_to_start(cell: Cell, *, today: dt.date) -> tuple[dt.date, Meeting | None]:
    """The first month from this one whose regular minutes are not finalised, with its draft if started.

    One query: the cell's standing regular meetings from this month on.
    """
    month = periods.month_start(today)
    ahead = {
        m.month: m
        for m in Meeting.objects.standing().regular().filter(cell=cell, month__gte=month).order_by("month")
    }
    while (held := ahead.get(month)) is not None and not held.is_draft:
        month = periods.add_months(month, 1)
    return month, held


@dataclasses.dataclass(frozen=True)
class Version:
    number: int
    status: str
    at: dt.datetime
    by: str
    label: str
    reason: str  # why it was reopened
    withdrawn_because: str
    changed: list[tuple[str, str | None, str | None]]  # (field label, before, after) in words


# What the versions list compares, in the order a reader scans the minutes.
VERSION_FIELDS = (
    "status",
    *EDITABLE_FIELDS,
    "present_count",
    "excused_count",
    "unexcused_count",
)
MEMBER_FIELDS = ("chair", "recorder")


def meeting_versions(meeting: Meeting) -> list[Version]:
    """Every saved version of the meeting from the trigger-kept event table, newest first, in words:
    people by name and codes by their label. Three queries at most: the events, the users who saved them,
    the members named chair or recorder (the last two only when there is someone to name).
    """
    history = meeting.events  # type: ignore[attr-defined]  # pghistory's accessor: made as the apps load
    events = list(history.select_related("pgh_context").order_by("pgh_created_at", "pgh_id"))
    user_ids = {
        e.pgh_context.metadata.get("user") for e in events if e.pgh_context and e.pgh_context.metadata
    }
    users: dict[int | None, str] = {  # looked up by the id an event's context holds, if any
        pk: full_name or username
        for pk, username, full_name in get_user_model()
        .objects.filter(pk__in=[u for u in user_ids if u])
        .values_list("pk", "username", "member__full_name")
    }
    member_ids = {getattr(e, f"{name}_id") for e in events for name in MEMBER_FIELDS}
    members = dict(Member.objects.filter(pk__in=[m for m in member_ids if m]).values_list("pk", "full_name"))
    fields = {f.name: f for f in Meeting._meta.fields}
    versions, previous = [], None
    for event in events:
        context = (event.pgh_context.metadata if event.pgh_context else None) or {}
        changed = [
            (
                str(fields[name].verbose_name),
                _in_words(fields[name], _raw(previous, name), members),
                _in_words(fields[name], _raw(event, name), members),
            )
            for name in VERSION_FIELDS
            if previous is not None and _raw(previous, name) != _raw(event, name)
        ]
        versions.append(
            Version(
                number=event.version,
                status=event.get_status_display(),
                at=event.pgh_created_at,
                by=users.get(context.get("user"), "—"),
                label=event.pgh_label,
                reason=context.get("reopen_reason", "") or "",
                withdrawn_because=event.withdraw_reason if event.status == Meeting.Status.WITHDRAWN else "",
                changed=changed,
            )
        )
        previous = event
    return versions[::-1]


def _raw(event: Any, name: str) -> Any:
    return getattr(event, f"{name}_id") if name in MEMBER_FIELDS else getattr(event, name)


def _in_words(field: Any, value: Any, members: dict[int, str]) -> str | None:
    """A stored value as the minutes would write it; None for an empty one (shown as a dash)."""
    if value is None or value == "":
        return None
    if field.name in MEMBER_FIELDS:
        return members.get(value, "—")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, dt.time):
        return time_format(value, "TIME_FORMAT")
    return str(value)


def announcement(meeting: Meeting, absent: list[Attendance]) -> str:
    """The attendance announcement opening the minutes."""
    text = _(
        "Members expected: %(expected)d; present: %(present)d; absent with excuse: %(excused)d; "
        "absent without excuse: %(unexcused)d."
    ) % {
        "expected": meeting.expected_count,
        "present": meeting.present_count,
        "excused": meeting.excused_count,
        "unexcused": meeting.unexcused_count,
    }
    if absent:
        names = "; ".join(
            f"{row.member.full_name} ({row.reason})" if row.reason else row.member.full_name for row in absent
        )
        text += " " + _("Absent: %(names)s.") % {"names": names}
    return text


def meeting_rules() -> dict[str, Any]:
    """The meeting-quality thresholds, read once per request."""
    return rules("meeting_quality")
