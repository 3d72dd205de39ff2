"""The action plan pages: the committee's list (whose plan is missing, each plan's progress), writing one's
own plan, a plan with its items and dated notes, a progress note."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cells.models import Committee, Member
from phuthang import access, periods, submits
from phuthang.concurrency import OutOfDate
from phuthang.paging import BoundedPaginator
from reviews.forms.pledges import NoteForm, PlanForm
from reviews.models import ActionPlan, ActionPlanItem
from reviews.permissions import plans as permissions
from reviews.services import plans as services
from reviews.views.pledges import _form_errors

PLANS_PER_PAGE = 50


def index(request: HttpRequest) -> HttpResponse:
    """This year's plans in sight, 50 a page, each with its progress; committee-wide readers also see whose
    plan is missing, its first 50 here and all of them, paged, under `?show=missing`. `?q=` finds a member's
    name or the name or code of the cell they lead, in both lists."""
    a = access.for_user(request.user)
    if a.member_id is None and not a.is_staff:
        raise Http404
    today = periods.today()
    year = today.year
    query = request.GET.get("q", "").strip()
    show_missing = a.sees_committee and request.GET.get("show") == "missing"
    # queries: the paginators' counts, a page of plans, their progress, a page of leaders without a plan and
    # what they lead, whether the user's own plan is written
    plans = ActionPlan.objects.visible_to(request.user).filter(year=year)
    if query:
        plans = plans.filter(
            Q(member__full_name__icontains=query)
            | Q(cell__name__icontains=query)
            | Q(cell__code__icontains=query)
        )
    page = None
    rows: list[tuple[ActionPlan, services.Progress | None]] = []
    if not show_missing:
        page = BoundedPaginator(
            plans.select_related("member", "cell", "committee").order_by("member__full_name", "pk"),
            PLANS_PER_PAGE,
        ).get_page(request.GET.get("page"))
        done = services.progress(page.object_list, today)
        rows = [(p, done.get(p.pk)) for p in page]
    missing_page = None
    missing: list[tuple[Member, services.Unit | None]] = []
    if a.sees_committee:
        committees = Committee.objects.all() if a.is_staff else sorted(a.committee_wide_ids)
        missing_page = BoundedPaginator(
            services.missing_authors(committees, today, year=year, query=query).only("pk", "full_name"),
            PLANS_PER_PAGE,
        ).get_page(request.GET.get("page") if show_missing else 1)
        units = services.units_of(missing_page.object_list, committees, today)
        missing = [(m, units.get(m.pk)) for m in missing_page]
    can_write = (
        permissions.can_write_plan(request.user)
        and not ActionPlan.objects.filter(member_id=a.member_id, year=year).exists()
    )
    return render(
        request,
        "reviews/plan_index.html",
        {
            "rows": rows,
            "page": page,
            "missing": missing,
            "missing_page": missing_page,
            "show_missing": show_missing,
            "query": query,
            "year": year,
            "sees_committee": a.sees_committee,
            "can_write": can_write,
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
