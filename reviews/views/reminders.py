"""Reminders: each member's inbox, and the staff page of every email sent, pending or failed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from phuthang import access, jobs, periods, safe_input
from phuthang.paging import BoundedPaginator
from reviews.models import Digest, DryRunEmail, Kind, Notification
from reviews.services import reminders

PAGE_SIZE = 50


# --- The inbox: a member's own notifications


def _member_id(request: HttpRequest) -> int:
    member_id = access.for_user(request.user).member_id
    if member_id is None:  # a login with no member behind it has no inbox
        raise Http404
    return member_id


def inbox(request: HttpRequest) -> HttpResponse:
    member_id = _member_id(request)
    # queries: the page of notifications, their count (the paginator)
    page = BoundedPaginator(
        Notification.objects.current().filter(recipient_id=member_id).order_by("-created_at", "-pk"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(request, "reviews/inbox.html", {"page": page, "kinds": dict(Kind.choices)})


def inbox_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Open one notification: the message itself, marked read, with a link to the page it is about. A read
    one stays in the inbox and opens again here."""
    item = get_object_or_404(Notification.objects.current().filter(recipient_id=_member_id(request)), pk=pk)
    if item.read_at is None:
        Notification.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=timezone.now())
    return render(
        request,
        "reviews/inbox_message.html",
        {
            "item": item,
            "kinds": dict(Kind.choices),
            "about": safe_input.local_path(request, item.link),
        },
    )


@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = (
        Notification.objects.unread().filter(recipient_id=_member_id(request)).update(read_at=timezone.now())
    )
    messages.success(
        request,
        ngettext("%(count)d reminder marked as read.", "%(count)d reminders marked as read.", count)
        % {"count": count},
    )
    return redirect("reviews:inbox")


# --- The staff page: every email, its state, its content as sent


def _sees_reminders(request: HttpRequest) -> None:
    """Office staff and committee leaders see the emails (leaders those to their committees' members)."""
    if not access.for_user(request.user).is_leader:
        raise Http404


def _may_send(request: HttpRequest) -> None:
    if not access.for_user(request.user).is_staff:
        raise PermissionDenied(_("Only office staff may send reminders by hand."))


class DigestFilterForm(safe_input.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False, choices=[("", "—"), *Kind.choices])
    period = forms.RegexField(
        label=gettext_lazy("Period"),
        required=False,
        regex=r"^\d{4}-(0[1-9]|1[0-2]|W\d{2})$",
        error_messages={"invalid": gettext_lazy("Write a month as 2026-11 or a week as 2026-W47.")},
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", "—"), *Digest.Status.choices]
    )


def reminders_index(request: HttpRequest) -> HttpResponse:
    _sees_reminders(request)
    form = DigestFilterForm(request.GET or None)
    digests = Digest.objects.visible_to(request.user)
    if form.is_valid():
        digests = digests.filter(**{k: v for k, v in form.cleaned_data.items() if v})
    # queries: counts by status, the page of emails with their recipients, their count (the paginator)
    counts = dict(digests.order_by().values_list("status").annotate(n=Count("pk")))
    page = BoundedPaginator(
        digests.select_related("recipient").order_by("-created_at", "-pk").defer("body_text", "body_html"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/notifications.html",
        {
            "form": form,
            "page": page,
            "counts": [(value, label, counts.get(value, 0)) for value, label in Digest.Status.choices],
            "can_send": access.for_user(request.user).is_staff,
        },
    )


def reminder(request: HttpRequest, pk: int) -> HttpResponse:
    """One email as it was sent (or as it will be), with the items it carries."""
    _sees_reminders(request)
    digest = get_object_or_404(Digest.objects.visible_to(request.user).select_related("recipient"), pk=pk)
    return render(
        request,
        "reviews/notifications_detail.html",
        {
            "digest": digest,
            "items": list(digest.items.order_by("pk")),
            "can_send": access.for_user(request.user).is_staff,
        },
    )


@xframe_options_sameorigin
def reminder_body(request: HttpRequest, pk: int) -> HttpResponse:
    """The email's HTML as sent, for the sandboxed frame of the page above.

    Emails carry their styles inline (mail programs drop style sheets), which the site's policy refuses; this
    one document gets a policy of its own: inline styles only, no script, no request anywhere, a sandbox,
    framed by this site only.
    """
    _sees_reminders(request)
    digest = get_object_or_404(Digest.objects.visible_to(request.user).only("body_html"), pk=pk)
    response = HttpResponse(digest.body_html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; "
        "form-action 'none'; sandbox"
    )
    return response


def _preview_period(request: HttpRequest, text: str) -> str | None:
    period = reminders.parse_period(text) if text else None
    if text and period is None:
        messages.error(request, _("Write a month as 2026-11."))
    return period


def reminders_preview(request: HttpRequest) -> HttpResponse:
    """The dry run: who would receive what today (or for a month), without writing anything.

    A ward's is planned in the request; a province's (more than `reminders.PREVIEW_IN_REQUEST_CELLS` active
    cells) is prepared by a job on request, and the page pages and searches what it kept.
    """
    _sees_reminders(request)
    period = _preview_period(request, request.GET.get("period", ""))
    query = request.GET.get("q", "").strip()
    prepared = preparing = None
    if reminders.preview_is_a_job():
        # queries: the cells' count, the two jobs, then the page of stored emails and their count
        prepared, preparing = reminders.prepared_preview(request.user, period=period)
        digests: Any = (
            reminders.stored_preview(prepared, request.user) if prepared else DryRunEmail.objects.none()
        )
        if query:  # a recipient's name or their cell's name or code
            digests = digests.filter(
                Q(name__icontains=query) | Q(cell_name__icontains=query) | Q(cell_code__icontains=query)
            )
        as_job = True
    else:
        digests = reminders.in_sight(request.user, reminders.preview(period=period))
        if query:
            needle = query.casefold()
            digests = [
                d
                for d in digests
                if needle in d.name.casefold()
                or needle in d.cell_name.casefold()
                or needle in d.cell_code.casefold()
            ]
        as_job = False
    # a province's dry run has thousands of emails: the page shows 50 of them
    page = BoundedPaginator(digests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/notifications_preview.html",
        {
            "digests": page,
            "page": page,
            "query": query,
            "period": period,
            "today": periods.today(),
            "kinds": dict(Kind.choices),
            "as_job": as_job,
            "prepared": prepared,
            "preparing": preparing,
        },
    )


@require_POST
def reminders_preview_prepare(request: HttpRequest) -> HttpResponse:
    """Start (or join) the job preparing the person's dry run of today or of the month asked."""
    _sees_reminders(request)
    period = _preview_period(request, request.POST.get("period", ""))
    if request.POST.get("period") and period is None:
        return redirect("reviews:reminders_preview")
    today = periods.today()
    job = jobs.start(
        reminders.PREVIEW_JOB,
        key=reminders.preview_key(request.user, today=today, period=period),
        by=request.user,
        params={"today": today.isoformat(), "period": period or ""},
    )
    return redirect(job)


@require_POST
def reminders_run(request: HttpRequest) -> HttpResponse:
    _sees_reminders(request)
    _may_send(request)
    reminders.request_run()
    messages.success(request, _("Reminders will be planned and sent in a moment."))
    return redirect("reviews:reminders")


@require_POST
def reminder_retry(request: HttpRequest, pk: int) -> HttpResponse:
    _sees_reminders(request)
    digest = get_object_or_404(Digest.objects.visible_to(request.user), pk=pk)
    _may_send(request)
    if digest.status != Digest.Status.FAILED:
        messages.error(request, _("Only a failed email can be sent again."))
        return redirect(digest)
    reminders.retry(digest)
    reminders.request_run()
    messages.success(request, _("The email will be sent again in a moment."))
    return redirect(digest)
