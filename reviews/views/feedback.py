"""The register of citizens' feedback: the list and its export, recording, one item with its steps, scans,
the written reply and the shortcoming raised from a conclusion. Every item shown is logged (who, when, how).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from phuthang import access, periods, submits, xlsx
from phuthang.concurrency import OutOfDate
from phuthang.http import AuthenticatedHttpRequest
from phuthang.paging import BoundedPaginator
from reviews.forms.feedback import (
    AttachForm,
    ClassifyForm,
    ConcludeForm,
    FeedbackForm,
    FeedbackShortcomingForm,
    ReceptionForm,
    RegisterFilterForm,
    ReportForm,
    StepForm,
)
from reviews.models import FeedbackAttachment, FeedbackItem, FeedbackView, ReceptionSession, Shortcoming
from reviews.permissions import feedback as permissions
from reviews.services import feedback as services
from reviews.services.feedback_docx import reply_docx, report_docx
from reviews.views.reviews import _form_errors

PAGE_SIZE = 50
View = FeedbackView.How


def _item_or_404(request: HttpRequest, pk: int) -> FeedbackItem:
    item = get_object_or_404(
        FeedbackItem.objects.visible_to(request.user).select_related(
            "committee",
            "concerned_member__cell",
            "concerned_cell",
            "handler__member",
            "shortcoming",
            "duplicate_of",
        ),
        pk=pk,
    )
    item.sender = services.sender_for(request.user, item)  # type: ignore[attr-defined]
    return item


def _filtered(request: HttpRequest) -> tuple[RegisterFilterForm, Any]:
    form = RegisterFilterForm(request.GET or None)
    return form, form.apply(FeedbackItem.objects.visible_to(request.user), request.user)


def index(request: HttpRequest) -> HttpResponse:
    """The register: every item in sight, searched and filtered, the sender as the user may read it."""
    if not (permissions.sees_register(request.user) or access.for_user(request.user).is_secretary):
        raise Http404
    form, items = _filtered(request)
    page = BoundedPaginator(items.for_list().order_by("-received_on", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    shown = services.with_senders(request.user, page)
    services.log_views(shown, user=request.user, how=View.LIST)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reviews/feedback/index.html",
        {
            "form": form,
            "page": page,
            "items": shown,
            "today": periods.today(),
            "query": query.urlencode(),
            "can_record": permissions.can_record(request.user),
            "sees_register": permissions.sees_register(request.user),
        },
    )


EXPORT_COLUMNS = [
    xlsx.Column(_("Received on"), xlsx.DATE),
    xlsx.Column(_("Channel"), max_width=20),
    xlsx.Column(_("Kind"), max_width=14),
    xlsx.Column(_("Sender"), max_width=30),
    xlsx.Column(_("It concerns"), max_width=30),
    xlsx.Column(_("Content"), max_width=60),
    xlsx.Column(_("Status"), max_width=20),
    xlsx.Column(_("Sender to be told by"), xlsx.DATE),
    xlsx.Column(_("To be settled by"), xlsx.DATE),
    xlsx.Column(_("Overdue"), max_width=10),
]


def export(request: HttpRequest) -> HttpResponse:
    if not permissions.sees_register(request.user):
        raise Http404
    form, items = _filtered(request)
    shown = services.with_senders(request.user, items.for_list().order_by("received_on", "pk"))
    services.log_views(shown, user=request.user, how=View.EXPORT)
    today = periods.today()
    rows = [
        [
            item.received_on,
            item.get_channel_display(),
            item.get_kind_display(),
            item.sender.name,  # type: ignore[attr-defined]
            item.concerned_name,
            item.content,
            item.get_status_display(),
            item.acknowledge_due_on,
            item.settle_due_on,
            _("yes") if item.is_overdue(today) else "",
        ]
        for item in shown
    ]
    content = xlsx.write_xlsx(
        sheet_name=_("Feedback"),
        title=_("REGISTER OF CITIZENS' FEEDBACK"),
        filters=xlsx.filters_applied(form),
        columns=EXPORT_COLUMNS,
        rows=rows,
    )
    return xlsx.xlsx_response(content, filename=f"feedback-{today:%Y-%m-%d}.xlsx")


def new(request: AuthenticatedHttpRequest) -> HttpResponse:
    committees = permissions.recording_committees(request.user)
    if not permissions.can_record(request.user) or not committees:
        if not permissions.sees_register(request.user):
            raise Http404
        raise PermissionDenied
    form = FeedbackForm(request.POST or None, committees=committees)
    outcome = submits.repeat(request)
    if outcome is None and form.is_valid():
        data = dict(form.cleaned_data)
        committee = data.pop("committee")
        reception = data.pop("reception")
        data.pop("submit_token")
        received = services.Received(**data)
        record = partial(services.record_item, committee, by=request.user, data=received, reception=reception)
        try:
            outcome = submits.once(request, form, record)
        except ValidationError as error:
            _form_errors(form, error)
    if outcome is not None:
        submits.say(request, outcome, _("Item recorded."))
        return redirect(outcome.record)
    return render(request, "reviews/feedback/form.html", {"form": form})


def _handlers(item: FeedbackItem) -> Any:
    """Who may be given the item: office staff, and the members of the item's committee with a login."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_staff=True) | Q(member__cell__committee_id=item.committee_id, member__left_on__isnull=True)
        )
        .select_related("member")
        .order_by("username")
    )


@require_safe  # its forms post to the steps' own URLs; a POST here must not log a view
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(request, pk)
    services.log_views([item], user=request.user, how=View.PAGE)
    return render(request, "reviews/feedback/detail.html", _detail_page(request, item))


def _who(user: Any) -> str:
    """A user as a page names them: the member's name, else the login (office staff have no member)."""
    if user is None:
        return ""
    member = getattr(user, "member", None) if hasattr(user, "member") else None
    return member.full_name if member is not None else str(user.get_username())


def _named(rows: list[Any], field: str) -> list[Any]:
    for row in rows:
        row.who = _who(getattr(row, field))
    return rows


def _detail_page(request: HttpRequest, item: FeedbackItem) -> dict[str, Any]:
    user = request.user
    can_handle = permissions.can_handle(user, item)
    can_views = permissions.can_read_views(user, item)
    return {
        "item": item,
        "handler_name": _who(item.handler),
        "steps": _named(list(item.steps.select_related("by__member")), "by"),
        "attachments": list(item.attachments.only("pk", "name", "size", "content_type", "uploaded_at")),
        "today": periods.today(),
        "overdue": item.overdue_steps(),
        "can_classify": permissions.can_classify(user, item),
        "can_handle": can_handle,
        "can_conclude": permissions.can_conclude(user, item),
        "can_raise": permissions.can_raise_shortcoming(user, item)
        and services.shortcoming_problem(item) is None,
        "sees_shortcoming": item.shortcoming_id is not None
        and Shortcoming.objects.visible_to(user).filter(pk=item.shortcoming_id).exists(),
        "views": _named(list(item.views.select_related("user__member")[:50]), "user") if can_views else None,
        "attach_form": AttachForm() if can_handle else None,
        "step_form": StepForm(initial={"version": item.version, "on": periods.today()}),
    }


def classify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(request, pk)
    if not permissions.can_classify(request.user, item):
        raise PermissionDenied
    earlier = (
        FeedbackItem.objects.visible_to(request.user)
        .filter(committee_id=item.committee_id, received_on__lte=item.received_on)
        .exclude(pk=item.pk)
        .order_by("-received_on", "-pk")
    )
    initial = {
        "version": item.version,
        "jurisdiction": item.jurisdiction,
        "not_handled": item.not_handled,
        "reason": item.classification_reason,
        "handler": item.handler_id,
        "duplicate_of": item.duplicate_of_id,
    }
    form = ClassifyForm(request.POST or None, initial=initial, earlier=earlier, handlers=_handlers(item))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.classify_item(
                item,
                by=request.user,
                version=data["version"],
                jurisdiction=data["jurisdiction"],
                duplicate_of=data["duplicate_of"],
                not_handled=data["not_handled"],
                reason=data["reason"],
                handler=data["handler"],
            )
        except OutOfDate as error:
            messages.error(request, error.message)
            return redirect(item)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Classification saved."))
            return redirect(item)
    return render(request, "reviews/feedback/classify.html", {"item": item, "form": form})


@require_POST
def step(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(request, pk)
    if not permissions.can_handle(request.user, item):
        raise PermissionDenied
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(item)
    data = form.cleaned_data
    action, version = data["action"], data["version"]
    try:
        if action == "tell":
            services.tell_sender(item, by=request.user, version=version, told_on=data["on"])
        elif action == "note":
            services.add_note(item, by=request.user, version=version, text=data["text"])
        elif action == "extend":
            services.extend_deadline(
                item, by=request.user, version=version, days=data["days"], reason=data["text"]
            )
        else:
            services.record_reply(item, by=request.user, version=version, replied_on=data["on"])
    except OutOfDate as error:
        messages.error(request, error.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect(item)


def conclude(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(request, pk)
    if not permissions.can_conclude(request.user, item):
        raise PermissionDenied
    form = ConcludeForm(
        request.POST or None, initial={"version": item.version, "concluded_on": periods.today()}
    )
    if form.is_valid():
        try:
            services.conclude_item(item, by=request.user, **form.cleaned_data)
        except OutOfDate as error:
            messages.error(request, error.message)
            return redirect(item)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Conclusion saved."))
            return redirect(item)
    return render(request, "reviews/feedback/conclude.html", {"item": item, "form": form})


def shortcoming(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(request, pk)
    if not permissions.can_raise_shortcoming(request.user, item):
        raise PermissionDenied
    if problem := services.shortcoming_problem(item):
        messages.error(request, problem)
        return redirect(item)
    cell = item.concerned_member.cell if item.concerned_member is not None else item.concerned_cell
    assert cell is not None  # shortcoming_problem: the item concerns a member or a cell
    form = FeedbackShortcomingForm(
        request.POST or None, cell=cell, initial={"version": item.version, "description": item.conclusion}
    )
    outcome = submits.repeat(request)
    if outcome is None and form.is_valid():
        data = form.cleaned_data
        raise_it = partial(
            services.raise_shortcoming,
            item,
            by=request.user,
            version=data["version"],
            description=data["description"],
            plan=data["plan"],
            due_on=data["due_on"],
            owner=data["owner"],
        )
        try:
            outcome = submits.once(request, form, raise_it)
        except OutOfDate as error:
            messages.error(request, error.message)
            return redirect(item)
        except ValidationError as error:
            _form_errors(form, error)
    if outcome is not None:
        submits.say(request, outcome, _("Shortcoming raised."))
        return redirect(outcome.record)
    return render(request, "reviews/feedback/shortcoming.html", {"item": item, "form": form, "cell": cell})


@require_POST
def attach(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(request, pk)
    if not permissions.can_handle(request.user, item):
        raise PermissionDenied
    form = AttachForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect(item)
    try:
        services.attach_scan(item, by=request.user, upload=form.cleaned_data["file"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Scan attached."))
    return redirect(item)


def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """A scan, only to whoever sees its item, always as a download of the type its bytes showed."""
    scan = get_object_or_404(
        FeedbackAttachment.objects.filter(item__in=FeedbackItem.objects.visible_to(request.user)), pk=pk
    )
    services.log_views([scan.item], user=request.user, how=View.ATTACHMENT)
    response = HttpResponse(bytes(scan.data), content_type=scan.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="scan-{scan.item_id}-{scan.pk}.{scan.name.rsplit(".", 1)[-1]}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The written reply to the sender, as a DOCX in the official layout: for those who may read the sender."""
    item = _item_or_404(request, pk)
    if (
        item.anonymous
        or not access.sees_sender(request.user, item)
        or not permissions.can_handle(request.user, item)
    ):
        raise PermissionDenied
    services.log_views([item], user=request.user, how=View.REPLY)
    response = HttpResponse(
        reply_docx(item),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="tra-loi-{item.pk}-{periods.today():%Y-%m-%d}.docx"'
    )
    return response


def receptions(request: HttpRequest) -> HttpResponse:
    """The head's reception days and the dialogues, with the months below the rule."""
    if not permissions.sees_register(request.user):
        raise Http404
    sessions = ReceptionSession.objects.visible_to(request.user)
    listed = list(
        sessions.select_related("committee")
        .annotate(items_recorded=Count("items"))
        .order_by("-held_on", "-pk")[:100]
    )
    return render(
        request,
        "reviews/feedback/receptions.html",
        {
            "sessions": listed,
            "below": services.months_below_rule(sessions),
            "least": services.petition_rules().get("head_receives_citizens_days_per_month", 2),
            "can_record": permissions.can_record(request.user),
        },
    )


def reception_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    committees = permissions.recording_committees(request.user)
    if not permissions.can_record(request.user) or not committees:
        if not permissions.sees_register(request.user):
            raise Http404
        raise PermissionDenied
    form = ReceptionForm(request.POST or None, committees=committees)
    outcome = submits.repeat(request)
    if outcome is None and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("submit_token")
        committee = data.pop("committee")
        try:
            outcome = submits.once(
                request, form, partial(services.record_reception, committee, by=request.user, **data)
            )
        except ValidationError as error:
            _form_errors(form, error)
    if outcome is not None:
        submits.say(request, outcome, _("Session recorded."))
        return redirect("reviews:feedback_receptions")
    return render(request, "reviews/feedback/reception_form.html", {"form": form})


def _report(request: HttpRequest) -> tuple[ReportForm, services.Period, list[services.ReportRow]]:
    if not permissions.sees_register(request.user):
        raise Http404
    form = ReportForm(request.GET or None)
    period = services.report_period(*form.chosen())
    return form, period, services.report_counts(FeedbackItem.objects.visible_to(request.user), period)


def report(request: HttpRequest) -> HttpResponse:
    """Counts per kind, channel, jurisdiction and state for a month, quarter, six or nine months, a year."""
    form, period, rows = _report(request)
    return render(
        request,
        "reviews/feedback/report.html",
        {"form": form, "period": period, "rows": rows, "query": request.GET.urlencode()},
    )


REPORT_COLUMNS = [
    xlsx.Column(_("Counted by"), max_width=20),
    xlsx.Column(_("Group"), max_width=45),
    xlsx.Column(_("Items"), xlsx.NUMBER),
]


def report_export(request: HttpRequest) -> HttpResponse:
    _form, period, rows = _report(request)
    content = xlsx.write_xlsx(
        sheet_name=_("Report"),
        title=_("REPORT ON CITIZENS' FEEDBACK: %(period)s") % {"period": period.label},
        filters=f"{period.start:%d/%m/%Y} – {period.end:%d/%m/%Y}",
        columns=REPORT_COLUMNS,
        rows=[[row.dimension, row.label, row.count] for row in rows],
    )
    return xlsx.xlsx_response(content, filename=f"feedback-report-{period.start:%Y-%m}-{period.kind}.xlsx")


def report_document(request: HttpRequest) -> HttpResponse:
    _form, period, rows = _report(request)
    # the header names the committee when the user's register is one committee's (two rows: is it one?)
    names = list(
        FeedbackItem.objects.visible_to(request.user)
        .order_by()
        .values_list("committee__name", flat=True)
        .distinct()[:2]
    )
    content = report_docx(names[0] if len(names) == 1 else "", period, rows)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="feedback-report-{period.start:%Y-%m}-{period.kind}.docx"'
    )
    return response
