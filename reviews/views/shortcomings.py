"""Shortcoming pages: the UBKT board and its export, one shortcoming with its timeline and actions."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cells.models import Cell
from phuthang import jobs, periods, safe_input, submits
from phuthang.concurrency import OutOfDate, refuse, stale_post, typed_text
from phuthang.security import safe_next
from reviews import exports
from reviews.forms.shortcomings import (
    CELL_CHOICES_UP_TO,
    BoardFilterForm,
    CellChoiceForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ProgressForm,
    ShortcomingEditForm,
    ShortcomingForm,
    StatusForm,
)
from reviews.models import DueDateExtension, FeedbackItem, Meeting, RemediationUpdate, Review, Shortcoming
from reviews.models.shortcomings import inspection_notes
from reviews.permissions import duties
from reviews.permissions import reviews as permissions
from reviews.services import shortcomings as services
from reviews.services.history import history_rows
from reviews.views.reviews import _form_errors

if TYPE_CHECKING:
    from cells.models import User

PAGE_SIZE = 50
St = Shortcoming.Status


def _shortcoming_or_404(request: HttpRequest, pk: int) -> Shortcoming:
    return get_object_or_404(
        Shortcoming.objects.visible_to(request.user).select_related(
            "cell__committee", "subject_member", "owner", "manifestation", "review", "meeting"
        ),
        pk=pk,
    )


def _back(request: HttpRequest, item: Shortcoming) -> HttpResponse:
    """Back to the page the action was taken on (the board keeps its filters), else the item."""
    return redirect(safe_next(request, request.POST.get("next"), item))


class CountedPaginator(Paginator):
    """A paginator told its count (the board's denormalised total) instead of counting the rows."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:  # type: ignore[override]
        return self._known_count


def _filtered(request: HttpRequest) -> tuple[BoardFilterForm, Any, list[services.Tally]]:
    return board_filter(request.user, request.GET)


def board_filter(user: User, query: QueryDict) -> tuple[BoardFilterForm, Any, list[services.Tally]]:
    """The board's filter form on `query`, the shortcomings in the user's sight that it lets through, and
    the tally of that sight its year list was read from (the page, its export, and the export's job, which
    has no request)."""
    visible = Shortcoming.objects.visible_to(user)
    tally = services.board_tally(user)
    cells = Cell.objects.visible_to(user).order_by("code")
    form = BoardFilterForm(query or None, cells=cells, years=services.board_years(tally))
    return form, form.apply(visible, periods.today()), tally


def board(request: HttpRequest) -> HttpResponse:
    """Every shortcoming in sight, filtered, with counts per status; UBKT verifies and reopens from here."""
    if not permissions.sees_board(request.user):
        raise Http404
    form, shortcomings, tally = _filtered(request)
    counts = services.board_counts(form, shortcomings, tally)
    # the paginator's count is the counts' total: no count of the rows (a province's tens of thousands)
    page = CountedPaginator(
        shortcomings.for_board().board_order(), PAGE_SIZE, count=counts["total"]
    ).get_page(request.GET.get("page"))
    today = periods.today()
    for item in page:
        item.can_verify = permissions.is_inspector_of(request.user, item)
        item.may_verify = item.can_verify and permissions.can_change_status(request.user, item, "verify")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reviews/board.html",
        {
            "form": form,
            "page": page,
            "counts": counts,
            "statuses": Shortcoming.Status.choices,
            "today": today,
            "query": query.urlencode(),
            "can_record": permissions.records_shortcomings(request.user),
        },
    )


def board_export(request: HttpRequest) -> HttpResponse:
    if not permissions.sees_board(request.user):
        raise Http404
    form, shortcomings, _tally = _filtered(request)
    if shortcomings.count() > jobs.IN_REQUEST_ROWS:  # a province's board: the worker writes the file
        query = request.GET.copy()
        query.pop("page", None)
        job = jobs.start(
            "board_export",
            key=f"{request.user.pk}:{query.urlencode()}",
            by=request.user,
            params={"query": query.urlencode()},
        )
        return redirect(job)
    return exports.shortcomings_xlsx(exports.board_rows(shortcomings), form=form)


MEETINGS_BACK_DAYS = 730  # a shortcoming is linked to a meeting of the last two years
CELLS_FOUND = 20  # a cell search lists at most this many; type more of the name or the code to narrow it
SEARCH_CHARACTERS = 100


def linkable_meetings(user: User, cells: Any) -> QuerySet[Meeting]:
    """Meetings of `cells` (a query or a list) of the last two years that the user may see, not withdrawn."""
    since = periods.today() - dt.timedelta(days=MEETINGS_BACK_DAYS)
    return (
        Meeting.objects.visible_to(user)
        .filter(cell__in=cells, date__gte=since)
        .exclude(status=Meeting.Status.WITHDRAWN)  # a meeting withdrawn as started by mistake raised nothing
    )


def _find_cells(cells: QuerySet[Cell], text: str) -> list[Cell]:
    """The cells matching a typed name or code (one more than shown, to tell there are more); a code typed
    in full is that cell alone."""
    exact = [c for c in cells.filter(code__iexact=text)[:2] if text]
    if len(exact) == 1:
        return exact
    return list(cells.filter(Q(name__icontains=text) | Q(code__icontains=text))[: CELLS_FOUND + 1])


def _may_record(user: User) -> None:
    """404 for whoever sees no shortcomings, 403 for whoever sees them but records in no cell."""
    if not permissions.records_shortcomings(user):
        if not permissions.sees_board(user):
            raise Http404
        raise PermissionDenied


def shortcoming_new(request: HttpRequest) -> HttpResponse:
    """Record a shortcoming: the cell first (a list, or a search beyond CELL_CHOICES_UP_TO cells), then the
    form with that cell's members and meetings only. Bounded queries whatever the number of cells."""
    user = request.user
    _may_record(user)
    cells = permissions.recordable_cells(user)
    review = None
    if review_id := request.GET.get("review") or request.POST.get("review"):
        review = get_object_or_404(Review.objects.visible_to(user), pk=safe_input.parse_id(review_id) or 0)
    meetings = linkable_meetings(user, cells)
    meeting = None
    if (meeting_id := safe_input.parse_id(request.GET.get("meeting"))) is not None:
        meeting = meetings.filter(pk=meeting_id).first()
    asked = request.POST.get("cell") if request.method == "POST" else request.GET.get("cell")
    cell_id = safe_input.parse_id(asked)
    if asked is None:  # no cell asked for: the meeting's or the review's (`?cell=` empty: choose another)
        cell_id = meeting.cell_id if meeting is not None else review.cell_id if review is not None else None
    cell = cells.filter(pk=cell_id).first() if cell_id is not None else None
    if request.method != "POST" and cell is None:
        choice = _choose_cell(request, cells, review, refused=asked not in (None, ""))
        if isinstance(choice, Cell):
            cell = choice
        else:
            return choice
    initial: dict[str, Any] = {}
    if review is not None and cell is not None and review.cell_id == cell.pk:
        initial = {"subject_member": review.member_id, "owner": review.member_id}
        initial["source"] = Shortcoming.Source.REVIEW
    if meeting is not None and cell is not None and meeting.cell_id == cell.pk:
        initial.update({"meeting": meeting.pk, "source": Shortcoming.Source.MEETING})
    form = ShortcomingForm(request.POST or None, cells=cells, cell=cell, meetings=meetings, initial=initial)
    outcome = submits.repeat(request)  # sent again: straight to what the first POST created
    if outcome is None and form.is_valid():
        data = form.cleaned_data
        record = partial(
            services.record_shortcoming,
            data["cell"],
            by=user,
            source=data["source"],
            subject_member=data["subject_member"],
            description=data["description"],
            manifestation=data["manifestation"],
            plan=data["plan"],
            owner=data["owner"],
            raised_on=data["raised_on"],
            due_on=data["due_on"],
            review=review if review is not None and review.cell_id == data["cell"].pk else None,
            meeting=data["meeting"],
        )
        try:
            outcome = submits.once(request, form, record)
        except ValidationError as error:
            _form_errors(form, error)
    if outcome is not None:
        submits.say(request, outcome, _("Shortcoming recorded."))
        return redirect(outcome.record)
    return render(
        request,
        "reviews/shortcoming_form.html",
        {"form": form, "cell": cell, "review": review, "other_cells": _other_cells_link(cells, review)},
    )


@require_GET
def shortcoming_new_cells(request: HttpRequest) -> JsonResponse:
    """The cells matching ?q= for the first step's search as it is typed: the step's own rule and search."""
    _may_record(request.user)
    text = str(request.GET.get("q", "")).strip()[:SEARCH_CHARACTERS]
    found = _find_cells(permissions.recordable_cells(request.user), text)[:CELLS_FOUND] if text else []
    cells = [{"label": f"{c.name} ({c.code})", "url": "?" + urlencode({"cell": c.pk})} for c in found]
    return JsonResponse({"cells": cells}, json_dumps_params={"ensure_ascii": False})


def _other_cells_link(cells: QuerySet[Cell], review: Review | None) -> str | None:
    """The link back to the choice of cell, unless the user records in one cell only (one row read)."""
    if len(cells[:2]) < 2:
        return None
    return "?" + urlencode({"review": review.pk, "cell": ""} if review is not None else {"cell": ""})


def _choose_cell(
    request: HttpRequest, cells: QuerySet[Cell], review: Review | None, *, refused: bool
) -> HttpResponse | Cell:
    """The first step: the one cell the user records in, or the page choosing it (a list or a search)."""
    few: list[Cell] | None = list(cells[: CELL_CHOICES_UP_TO + 1])
    if len(few) == 1 and not refused:
        return few[0]
    if len(few) > CELL_CHOICES_UP_TO:
        few = None
    text = str(request.GET.get("cell_search", "")).strip()[:SEARCH_CHARACTERS] if few is None else ""
    found = _find_cells(cells, text) if text else []
    if len(found) == 1:
        return found[0]
    keep = {"review": review.pk} if review is not None else {}
    return render(
        request,
        "reviews/shortcoming_form.html",
        {
            "choice": CellChoiceForm(few=few, initial={"cell_search": text}),
            "review": review,
            "refused": refused,
            "searched": text,
            "found": [(c, "?" + urlencode({**keep, "cell": c.pk})) for c in found[:CELLS_FOUND]],
            "more": len(found) > CELLS_FOUND,
        },
    )


def shortcoming_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _shortcoming_or_404(request, pk)
    return render(request, "reviews/shortcoming_detail.html", _detail_page(request, item))


def _detail_page(request: HttpRequest, item: Shortcoming) -> dict[str, Any]:
    user = request.user
    actions = [
        (name, transition)
        for name, transition in services.TRANSITIONS.items()
        if item.status in transition.sources and permissions.can_change_status(user, item, name)
    ]
    pending = item.extensions.filter(status=DueDateExtension.Status.PENDING).first()
    inspector = permissions.is_inspector_of(user, item)
    verify_refusal = (
        duties.verify_refusal(user, item) if inspector and item.status == St.REPORTED_FIXED else None
    )
    extension_refusal = duties.extension_refusal(user, item, pending) if inspector and pending else None
    return {
        "item": item,
        "updates": list(item.updates.select_related("by__member")),
        "inspection_notes": list(item.updates.filter(inspection_notes())),
        "extensions": list(item.extensions.select_related("requested_by__member", "decided_by__member")),
        "pending": pending,
        "actions": actions,
        "today": periods.today(),
        "can_report": permissions.can_report_progress(user, item),
        "can_edit": permissions.can_edit_shortcoming(user, item),
        "can_extend": permissions.can_request_extension(user, item) and pending is None,
        "can_decide_extension": pending is not None and permissions.can_decide_extension(user, item, pending),
        # a step that is not this user's to take because the item is their own: who may take it instead
        "verify_refusal": verify_refusal,
        "extension_refusal": extension_refusal,
        "instead": duties.verifiers(user, item) if verify_refusal or extension_refusal else [],
        "can_history": permissions.can_read_history(user, item.cell),
        "sees_board": permissions.sees_board(user),
        "sees_meeting": item.meeting_id is not None
        and Meeting.objects.visible_to(user).filter(pk=item.meeting_id).exists(),
        "progress_form": ProgressForm(initial={"version": item.version}),
        # raised from a citizen's feedback (issue 15): the item, when the user may see it
        "feedback_item": FeedbackItem.objects.visible_to(user).filter(shortcoming=item).first()
        if item.source == Shortcoming.Source.FEEDBACK
        else None,
    }


def _refuse_on_detail(request: HttpRequest, error: OutOfDate, item: Shortcoming, form: Any) -> HttpResponse:
    """A step posted from a list or the item's page: the item's page as it is now, one's own text apart."""
    current = _shortcoming_or_404(request, item.pk)
    return refuse(
        request,
        error,
        "reviews/shortcoming_detail.html",
        _detail_page(request, current),
        typed=typed_text(form, current),
    )


def _may_edit(user: Any, item: Shortcoming) -> bool:
    return permissions.is_cell_secretary(user, item.cell_id) or permissions.is_inspector_of(user, item)


def shortcoming_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _shortcoming_or_404(request, pk)
    # here and below: a stale page's POST by someone holding the role goes on to the service, which
    # refuses it as out of date (its status moved on) rather than a bare 403
    if not permissions.can_edit_shortcoming(request.user, item) and not (
        stale_post(request, item) and _may_edit(request.user, item)
    ):
        raise PermissionDenied
    initial = {
        "version": item.version,
        "description": item.description,
        "manifestation": item.manifestation_id,
        "plan": item.plan,
    }
    form = ShortcomingEditForm(request.POST or None, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.edit_shortcoming(
                item,
                by=request.user,
                version=data["version"],
                description=data["description"],
                manifestation=data["manifestation"],
                plan=data["plan"],
            )
        except OutOfDate as error:
            context = {"item": error.current, "form": form}
            return refuse(request, error, "reviews/shortcoming_edit.html", context, form=form)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Shortcoming saved."))
        return redirect(item)
    return render(request, "reviews/shortcoming_edit.html", {"item": item, "form": form})


def shortcoming_report(request: HttpRequest, pk: int) -> HttpResponse:
    item = _shortcoming_or_404(request, pk)
    if not permissions.can_report_progress(request.user, item) and not (
        stale_post(request, item) and permissions.is_owner_side(request.user, item)
    ):
        raise PermissionDenied
    form = ProgressForm(request.POST or None, initial={"version": item.version})
    outcome = submits.repeat(request)
    if outcome is None and form.is_valid():
        report = partial(
            services.report_progress,
            item,
            by=request.user,
            text=form.cleaned_data["text"],
            fixed=form.cleaned_data["fixed"],
            version=form.cleaned_data["version"],
        )
        try:
            outcome = submits.once(request, form, report)
        except OutOfDate as error:
            context = {"item": error.current, "form": form}
            return refuse(request, error, "reviews/shortcoming_report.html", context, form=form)
        except ValidationError as error:
            _form_errors(form, error)
    if outcome is not None:
        submits.say(request, outcome, _("Progress reported."))
        return _back(request, item)
    return render(request, "reviews/shortcoming_report.html", {"item": item, "form": form})


@require_POST
def shortcoming_status(request: HttpRequest, pk: int) -> HttpResponse:
    item = _shortcoming_or_404(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This action could not be read; reload the page and try again."))
        return _back(request, item)
    action = form.cleaned_data["action"]
    if not permissions.can_change_status(request.user, item, action):
        if action == "verify" and (refusal := duties.verify_refusal(request.user, item)):
            raise PermissionDenied(refusal)
        raise PermissionDenied(_("Only the inspection committee verifies and reopens shortcomings."))
    if action == "verify" and not form.cleaned_data["confirmed"]:  # one tap on a phone must not close it
        return render(
            request,
            "reviews/shortcoming_confirm.html",
            {"item": item, "form": form, "next": request.POST.get("next", "")},
        )
    try:
        services.change_status(
            item,
            action=action,
            by=request.user,
            note=form.cleaned_data["note"],
            version=form.cleaned_data["version"],
        )
    except OutOfDate as error:
        return _refuse_on_detail(request, error, item, form)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("#%(pk)s: %(action)s done.") % {"pk": item.pk, "action": services.TRANSITIONS[action].label},
        )
    return _back(request, item)


def shortcoming_extension(request: HttpRequest, pk: int) -> HttpResponse:
    item = _shortcoming_or_404(request, pk)
    if not permissions.can_request_extension(request.user, item) and not (
        stale_post(request, item) and permissions.is_owner_side(request.user, item)
    ):
        raise PermissionDenied
    form = ExtensionRequestForm(request.POST or None, initial={"version": item.version})
    outcome = submits.repeat(request)
    if outcome is None and form.is_valid():
        ask = partial(
            services.request_extension,
            item,
            by=request.user,
            new_due_on=form.cleaned_data["new_due_on"],
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
        try:
            outcome = submits.once(request, form, ask)
        except OutOfDate as error:
            context = {"item": error.current, "form": form}
            return refuse(request, error, "reviews/shortcoming_extension.html", context, form=form)
        except ValidationError as error:
            _form_errors(form, error)
    if outcome is not None:
        submits.say(
            request, outcome, _("Your request for a new due date was sent to the inspection committee.")
        )
        return redirect(item)
    return render(request, "reviews/shortcoming_extension.html", {"item": item, "form": form})


@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    extension = get_object_or_404(
        DueDateExtension.objects.filter(shortcoming__in=Shortcoming.objects.visible_to(request.user)), pk=pk
    )
    item = _shortcoming_or_404(request, extension.shortcoming_id)
    if not permissions.can_decide_extension(request.user, item, extension):
        raise PermissionDenied
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or refuse."))
        return redirect(item)
    try:
        services.decide_extension(
            extension,
            by=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except OutOfDate as error:
        return _refuse_on_detail(request, error, item, form)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Answer saved."))
    return redirect(item)


def shortcoming_history(request: HttpRequest, pk: int) -> HttpResponse:
    item = _shortcoming_or_404(request, pk)
    if not permissions.can_read_history(request.user, item.cell):
        raise PermissionDenied
    events = history_rows(
        item, children=(RemediationUpdate, DueDateExtension)
    )  # the timeline, the extensions
    return render(request, "reviews/shortcoming_history.html", {"item": item, "events": events})
