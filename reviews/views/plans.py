"""The action plan pages: the committee's list (whose plan is missing, each plan's progress), writing one's
own plan, a plan with its items and dated notes, a progress note."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cells.models import Committee, Member
from phuthang import access, periods, submits
from phuthang.concurrency import OutOfDate
from reviews.forms.pledges import NoteForm, PlanForm
from reviews.models import ActionPlan, ActionPlanItem
from reviews.permissions import plans as permissions
from reviews.services import plans as services
from reviews.views.pledges import _form_errors


def index(request: HttpRequest) -> HttpResponse:
    """Committee-wide readers: every leader of the committee, plan or missing, with progress. Others: the
    plans in their sight."""
    a = access.for_user(request.user)
    if a.member_id is None and not a.is_staff:
        raise Http404
    today = periods.today()
    year = today.year
    # queries: the plans in sight this year, their progress; committee-wide: the committees, the leaders
    plans = list(
        ActionPlan.objects.visible_to(request.user)
        .filter(year=year)
        .select_related("member", "cell", "committee")
    )
    done = services.progress(plans, today)
    committees = (
        Committee.objects.all() if a.is_staff else Committee.objects.filter(pk__in=a.committee_wide_ids)
    )
    by_member = {p.member_id: p for p in plans}
    missing = []
    for committee in committees.order_by("code")[:20]:
        for member, cell in services.expected_authors(committee, today):
            if member.pk not in by_member:
                missing.append((committee, member, cell))
    rows = [(p, done.get(p.pk)) for p in plans]
    return render(
        request,
        "reviews/plan_index.html",
        {
            "rows": rows,
            "missing": missing,
            "year": year,
            "sees_committee": a.sees_committee,
            "can_write": permissions.can_write_plan(request.user) and a.member_id not in by_member,
        },
    )


def new(request: HttpRequest) -> HttpResponse:
    units = services.units_led(request.user)
    if not units:
        raise PermissionDenied
    member = get_object_or_404(Member, pk=access.for_user(request.user).member_id)
    form = PlanForm(request.POST or None, units=units, initial={"year": periods.today().year, "unit": 0})
    outcome = submits.repeat(request)  # sent again: straight to the plan the first POST wrote
    if outcome is None and form.is_valid():
        try:
            outcome = submits.once(
                request, form, partial(services.write_plan, member, by=request.user, **form.details())
            )
        except ValidationError as error:
            _form_errors(form, error)
    if outcome is not None:
        submits.say(request, outcome, _("Your action plan is saved."))
        return redirect(outcome.record)
    return render(request, "reviews/plan_new.html", {"form": form})


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(
        ActionPlan.objects.visible_to(request.user).select_related("member", "cell", "committee"), pk=pk
    )
    items = list(plan.items.prefetch_related("notes"))
    can_note = permissions.can_note(request.user, plan)
    forms = (
        {
            i.pk: NoteForm(
                initial={"version": i.version, "on": periods.today(), "status": i.status}, prefix=f"i{i.pk}"
            )
            for i in items
        }
        if can_note
        else {}
    )
    return render(
        request,
        "reviews/plan_detail.html",
        {
            "plan": plan,
            "items": [(i, forms.get(i.pk)) for i in items],
            "progress": services.progress([plan]).get(plan.pk),
            "today": periods.today(),
        },
    )


@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        ActionPlanItem.objects.filter(plan__in=ActionPlan.objects.visible_to(request.user)).select_related(
            "plan"
        ),
        pk=pk,
    )
    if not permissions.can_note(request.user, item.plan):
        raise PermissionDenied
    form = NoteForm(request.POST, prefix=f"i{item.pk}")
    if form.is_valid():
        try:
            services.note_progress(item, by=request.user, **form.cleaned_data)
        except OutOfDate as error:
            messages.error(request, error.message)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The progress note is saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(item.plan)
