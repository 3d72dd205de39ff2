"""The meeting pages: a cell's year, starting a meeting, the one-page sheet, the minutes, DOCX, scoring."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cells.models import Cell, Member
from phuthang import access, periods, submits
from phuthang.concurrency import OutOfDate, refuse, stale_post, typed_text
from phuthang.paging import BoundedPaginator
from reviews.forms.meetings import (
    AssessmentForm,
    MeetingSheetForm,
    ReopenForm,
    StartMeetingForm,
    WithdrawForm,
)
from reviews.models import Attendance, Meeting
from reviews.permissions import meetings as permissions
from reviews.services import meetings as services
from reviews.services import minutes_docx as docx


def _visible_cells(request: HttpRequest) -> Any:
    return Cell.objects.filter(access.meeting_year_cells(request.user))


def _meeting_or_404(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("cell__committee", "chair", "recorder"), pk=pk
    )


CELLS_PER_PAGE = 50


def index(request: HttpRequest) -> HttpResponse:
    """The cells whose meetings the user may see, 50 a page (findable by name or code), with this month's
    meeting; one cell goes straight to it."""
    a = access.for_user(request.user)
    if a.member_id is None and not a.is_staff:
        raise Http404
    month = periods.month_start()
    cells = _visible_cells(request).active().order_by("code", "pk")
    # queries: at most two cells (none, one or more?), the paginator's count, the page of cells, this
    # month's meetings of the page's cells
    first = list(cells[:2])
    if not first:
        return redirect("reviews:my_attendance")
    if len(first) == 1:
        return redirect("reviews:meeting_year", cell_pk=first[0].pk)
    query = request.GET.get("q", "").strip()
    if query:
        cells = cells.filter(Q(name__icontains=query) | Q(code__icontains=query))
    page = BoundedPaginator(cells, CELLS_PER_PAGE).get_page(request.GET.get("page"))
    this_month = {
        m.cell_id: m
        for m in Meeting.objects.visible_to(request.user)
        .standing()
        .filter(cell__in=[cell.pk for cell in page], month=month, kind=Meeting.Kind.REGULAR)
    }
    rows = [(cell, this_month.get(cell.pk)) for cell in page]
    return render(
        request, "reviews/meeting_index.html", {"rows": rows, "month": month, "page": page, "query": query}
    )


def year(request: HttpRequest, cell_pk: int) -> HttpResponse:
    cell = get_object_or_404(_visible_cells(request).select_related("committee"), pk=cell_pk)
    today = periods.today()
    try:
        shown = int(request.GET.get("year", today.year))
    except ValueError:
        shown = today.year
    if not 2000 <= shown <= today.year + 1:
        shown = today.year
    meetings = list(Meeting.objects.visible_to(request.user).filter(cell=cell, month__year=shown))
    can_start = permissions.can_start(request.user, cell)
    due_month, due_draft = services.next_to_start(cell, today=today) if can_start else (None, None)
    return render(
        request,
        "reviews/meeting_year.html",
        {
            "cell": cell,
            "overview": services.year_overview(cell, shown, meetings, today=today),
            "can_start": can_start,
            "this_month": periods.month_start(today),
            "due_month": due_month,
            "due_draft": due_draft,
            "previous_year": shown - 1,
            "next_year": shown + 1 if shown < today.year + 1 else None,
        },
    )


def _default_details(cell: Cell, month: dt.date, secretary_id: int | None) -> dict[str, Any]:
    """Sensible first values: today if the month is this one, else the usual day; last meeting's place."""
    today = periods.today()
    last = Meeting.objects.filter(cell=cell).order_by("-date").first()
    date = today if periods.month_start(today) == month else month.replace(day=cell.meeting_day or 1)
    started_at = last.started_at if last else dt.time(8, 0)
    if date == today and not periods.has_come(date, started_at):  # started now, ahead of the usual hour
        now = timezone.localtime()
        started_at = dt.time(now.hour, now.minute - now.minute % 5)
    return {
        "month_text": f"{month:%Y-%m}",
        "kind": Meeting.Kind.REGULAR,
        "date": date,
        "started_at": started_at,
        "place": last.place if last else "",
        "chair": secretary_id,
        "recorder": last.recorder_id if last and last.recorder_id else secretary_id,
    }


def start(request: HttpRequest, cell_pk: int) -> HttpResponse:
    cell = get_object_or_404(_visible_cells(request).select_related("committee"), pk=cell_pk)
    if not permissions.can_start(request.user, cell):
        raise PermissionDenied
    month = periods.parse_month(request.GET.get("month", "")) or periods.month_start()
    members = list(Member.objects.filter(cell=cell).current().order_by("full_name"))
    own = access.for_user(request.user).member_id
    initial = _default_details(cell, month, own if any(m.pk == own for m in members) else None)
    if request.GET.get("kind") in Meeting.Kind.values:
        initial["kind"] = request.GET["kind"]
    form = StartMeetingForm(
        request.POST or None,
        cell=cell,
        members=members,
        initial=initial,
    )
    outcome = submits.repeat(request)  # sent again: straight to the meeting the first POST started
    if outcome is None and form.is_valid():
        try:
            outcome = submits.once(
                request, form, partial(services.start_meeting, cell, by=request.user, **form.details())
            )
        except ValidationError as exc:
            form.add_error(None, exc)
    if outcome is not None:
        started = _(
            "The meeting is started. Everyone is marked present: for anyone absent, tap “Excused” or “Unexcused”."
        )
        submits.say(request, outcome, started)
        return redirect("reviews:meeting_edit", pk=outcome.record.pk)
    return render(request, "reviews/meeting_start.html", {"cell": cell, "form": form})


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole draft on one page; a save from a stale page is refused and the newer draft shown."""
    meeting = _meeting_or_404(request, pk)
    # a stale page's POST goes on to the service, which refuses it as out of date
    if not permissions.can_edit(request.user, meeting) and not (
        stale_post(request, meeting) and permissions.can_start(request.user, meeting.cell)
    ):
        if not meeting.is_draft and permissions.can_reopen(request.user, meeting):
            messages.info(
                request, _("These minutes are finalised and read-only. Reopen them to make a change.")
            )
            return redirect(meeting)
        if meeting.is_withdrawn and permissions.can_start(request.user, meeting.cell):
            messages.info(request, _("This draft was withdrawn and is read-only."))
            return redirect(meeting)
        raise PermissionDenied
    sheet = services.meeting_sheet(meeting)
    form = MeetingSheetForm(request.POST or None, meeting=meeting, sheet=sheet)
    if form.is_valid():
        try:
            saved = services.save_meeting(
                meeting, version=form.cleaned_data["version"], by=request.user, changes=form.changes()
            )
        except OutOfDate as error:
            return _refuse_sheet(request, error, form)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if "finalise" in request.POST:
                return _finalise(request, saved, form)
            messages.success(request, _("Draft saved."))
            return redirect("reviews:meeting_edit", pk=saved.pk)
    if form.errors:
        messages.error(request, _("Not saved: please correct the fields marked in red."))
    return _render_sheet(request, meeting, form=form, sheet=sheet)


def _render_sheet(
    request: HttpRequest,
    meeting: Meeting,
    *,
    form: MeetingSheetForm | None = None,
    sheet: services.Sheet | None = None,
) -> HttpResponse:
    return render(request, "reviews/meeting_edit.html", _sheet_page(request, meeting, form=form, sheet=sheet))


def _sheet_page(
    request: HttpRequest,
    meeting: Meeting,
    *,
    form: MeetingSheetForm | None = None,
    sheet: services.Sheet | None = None,
) -> dict[str, Any]:
    if sheet is None:
        sheet = services.meeting_sheet(meeting)
    if form is None:
        form = MeetingSheetForm(meeting=meeting, sheet=sheet)
    return {
        "meeting": meeting,
        "form": form,
        "exempt": sheet.exempt,
        "tasks": list(meeting.tasks.select_related("assignee")),
        "can_withdraw": permissions.can_withdraw(request.user, meeting),
    }


# The minutes' own words: kept to copy back when a save is refused (the sheet is drawn as it is now).
LONG_TEXT = ("guests", "situation", "last_resolution_review", "discussion", "resolution")


def _refuse_sheet(request: HttpRequest, error: OutOfDate, form: MeetingSheetForm) -> HttpResponse:
    """The other person's version in the sheet (or the minutes, once no longer a draft), one's own text apart."""
    current = _meeting_or_404(request, error.current.pk)
    typed = typed_text(form, current, names=LONG_TEXT)
    if current.is_draft:
        return refuse(request, error, "reviews/meeting_edit.html", _sheet_page(request, current), typed=typed)
    return refuse(request, error, "reviews/meeting_detail.html", _detail_page(request, current), typed=typed)


def _finalise(request: HttpRequest, meeting: Meeting, form: MeetingSheetForm) -> HttpResponse:
    try:
        services.finalise_meeting(meeting, by=request.user, version=meeting.version)
    except OutOfDate as error:
        return _refuse_sheet(request, error, form)
    except ValidationError as exc:
        messages.warning(
            request,
            _("The draft is saved but cannot be finalised yet: %(problems)s")
            % {"problems": " ".join(exc.messages)},
        )
        return redirect("reviews:meeting_edit", pk=meeting.pk)
    messages.success(request, _("The minutes are finalised."))
    return redirect(meeting)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes as a page that prints like a minutes book, with quality indicators and versions."""
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related(
            "cell__committee", "chair", "recorder", "assessment__overseer"
        ),
        pk=pk,
    )
    return render(request, "reviews/meeting_detail.html", _detail_page(request, meeting))


def _detail_page(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    rows = list(meeting.attendance.select_related("member").order_by("member__full_name"))
    _expected, exempt = services.expected_members(meeting.cell_id, meeting.date)
    return {
        "meeting": meeting,
        "rows": rows,
        "absent": [row for row in rows if row.status != Attendance.Status.PRESENT],
        "exempt": exempt,
        "announcement": services.announcement(
            meeting, [row for row in rows if row.status != Attendance.Status.PRESENT]
        ),
        "tasks": list(meeting.tasks.select_related("assignee")),
        "carried": services.carried_tasks(meeting),
        "indicators": services.quality_indicators(meeting, services.meeting_rules()),
        "versions": services.meeting_versions(meeting),
        "assessment": getattr(meeting, "assessment", None),
        "can_edit": permissions.can_edit(request.user, meeting),
        "can_reopen": permissions.can_reopen(request.user, meeting),
        "can_withdraw": permissions.can_withdraw(request.user, meeting),
        "can_assess": not meeting.is_withdrawn and permissions.is_assigned_overseer(request.user, meeting),
    }


def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_or_404(request, pk)
    # a stale page's POST goes on to the service, which refuses it as out of date
    if not permissions.can_reopen(request.user, meeting) and not (
        stale_post(request, meeting) and permissions.can_start(request.user, meeting.cell)
    ):
        raise PermissionDenied
    form = ReopenForm(request.POST or None, initial={"version": meeting.version})
    if form.is_valid():
        try:
            services.reopen_meeting(
                meeting,
                by=request.user,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except OutOfDate as error:
            return refuse(
                request,
                error,
                "reviews/meeting_reopen.html",
                {"meeting": error.current, "form": form},
                form=form,
            )
        messages.success(request, _("The minutes are open for changes again; the earlier version is kept."))
        return redirect("reviews:meeting_edit", pk=meeting.pk)
    return render(request, "reviews/meeting_reopen.html", {"meeting": meeting, "form": form})


def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Set aside a draft started by mistake; it stays readable, and its month can be started afresh."""
    meeting = _meeting_or_404(request, pk)
    if not permissions.can_withdraw(request.user, meeting) and not (
        stale_post(request, meeting) and permissions.can_start(request.user, meeting.cell)
    ):
        raise PermissionDenied
    form = WithdrawForm(request.POST or None, initial={"version": meeting.version})
    if form.is_valid():
        try:
            services.withdraw_meeting(
                meeting,
                by=request.user,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except OutOfDate as error:
            return refuse(
                request,
                error,
                "reviews/meeting_withdraw.html",
                {"meeting": error.current, "form": form},
                form=form,
            )
        messages.success(request, _("The draft is withdrawn. It is kept, read-only, with your reason."))
        return redirect("reviews:meeting_year", cell_pk=meeting.cell_id)
    return render(request, "reviews/meeting_withdraw.html", {"meeting": meeting, "form": form})


def minutes_docx(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_or_404(request, pk)
    rows = list(meeting.attendance.select_related("member").order_by("member__full_name"))
    tasks = list(meeting.tasks.select_related("assignee"))
    content = docx.minutes_docx(meeting, rows=rows, tasks=tasks)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="bien-ban-{meeting.cell.code}-{meeting.date:%Y-%m-%d}.docx"'
    )
    return response


def assess(request: HttpRequest, pk: int) -> HttpResponse:
    """The overseer's score, kept apart from the cell's own indicators."""
    meeting = _meeting_or_404(request, pk)
    if meeting.is_withdrawn or not permissions.is_assigned_overseer(request.user, meeting):
        raise PermissionDenied
    existing = getattr(meeting, "assessment", None)
    form = AssessmentForm(request.POST or None, instance=existing)
    page = {"meeting": meeting, "indicators": services.quality_indicators(meeting, services.meeting_rules())}
    if form.is_valid():
        overseer = Member.objects.get(pk=access.for_user(request.user).member_id)
        try:
            services.assess_meeting(meeting, overseer=overseer, **form.cleaned_data)
        except OutOfDate as error:
            return refuse(request, error, "reviews/meeting_assess.html", {**page, "form": form}, form=form)
        messages.success(request, _("Your assessment is saved."))
        return redirect(meeting)
    return render(request, "reviews/meeting_assess.html", {**page, "form": form})


def my_attendance(request: HttpRequest) -> HttpResponse:
    """A member's own attendance history (members do not open the meeting pages themselves)."""
    member_id = access.for_user(request.user).member_id
    if member_id is None:
        raise Http404
    rows = list(
        Attendance.objects.filter(member_id=member_id)
        .exclude(meeting__status=Meeting.Status.WITHDRAWN)
        .select_related("meeting__cell")
        .order_by("-meeting__date", "-meeting__started_at")
    )
    return render(request, "reviews/meeting_my_attendance.html", {"rows": rows})
