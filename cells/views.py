from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cells import importing, services
from cells.forms import LifeEventForm, MemberContactForm, MemberFilterForm, OversightForm
from cells.models import Cell, Committee, LifeEvent, Member, OversightAssignment, Position
from phuthang import access, jobs, periods, safe_input, submits, xlsx
from phuthang.concurrency import OutOfDate, refuse
from phuthang.http import AuthenticatedHttpRequest
from phuthang.paging import BoundedPaginator

CELLS_PER_PAGE = 50


def index(request: HttpRequest) -> HttpResponse:
    """The committee overview: the cells the user may see, 50 a page, with this month's overseer."""
    a = access.for_user(request.user)
    if not (a.sees_committee or a.is_overseer or a.is_secretary):
        raise Http404
    month = periods.month_start()
    query = request.GET.get("q", "").strip()
    cells = Cell.objects.visible_to(request.user).active().select_related("committee")
    if query:
        cells = cells.filter(Q(name__icontains=query) | Q(code__icontains=query))
    # queries: the number of cells, this page of cells with committee, their assignments with overseer
    page = BoundedPaginator(cells, CELLS_PER_PAGE).get_page(request.GET.get("page"))
    overseers = {
        x.cell_id: x.overseer
        for x in OversightAssignment.objects.for_month(month)
        .filter(cell__in=[c.pk for c in page])
        .select_related("overseer")
    }
    rows = [(cell, overseers.get(cell.pk)) for cell in page]
    return render(request, "cells/index.html", {"rows": rows, "page": page, "query": query, "month": month})


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    cell = get_object_or_404(Cell.objects.visible_to(request.user).select_related("committee"), pk=pk)
    today = periods.today()
    members = list(cell.members.current(today).order_by("full_name"))
    positions = list(
        Position.objects.current(today).filter(cell=cell).select_related("member").order_by("role")
    )
    # whether the user sees the overseer's page (a member of another cell) comes with the assignment
    sees_overseer = Exists(Member.objects.visible_to(request.user).filter(pk=OuterRef("overseer_id")))
    assignment = (
        OversightAssignment.objects.for_month(today)
        .filter(cell=cell)
        .select_related("overseer")
        .annotate(sees_overseer=sees_overseer)
        .first()
    )
    attending = [m for m in members if not m.is_exempt(today)]
    return render(
        request,
        "cells/detail.html",
        {
            "cell": cell,
            "members": attending,
            "exempt_members": [m for m in members if m.is_exempt(today)],
            "positions": positions,
            "assignment": assignment,
            # counted among the members listed above it, so the exempt ones listed apart are left out
            "official_count": sum(1 for m in attending if m.is_official),
        },
    )


def member(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(
        Member.objects.visible_to(request.user).select_related("cell__committee"), pk=pk
    )
    positions = list(
        Position.objects.filter(member=person).select_related("committee", "cell").order_by("-started_on")
    )
    timeline = list(
        LifeEvent.objects.visible_to(request.user)
        .filter(member=person)
        .select_related("from_cell", "to_cell")
    )
    return render(
        request,
        "cells/member.html",
        {
            "person": person,
            "positions": positions,
            "timeline": timeline,
            "can_record": bool(_life_event_kinds(request, person)),
            "today": periods.today(),
            "can_edit": access.can_edit_member(request.user, person),
            "is_self": person.user_id is not None and person.user_id == request.user.pk,
        },
    )


def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Member.objects.visible_to(request.user).select_related("cell"), pk=pk)
    if not access.can_edit_member(request.user, person):
        raise PermissionDenied
    form = MemberContactForm(request.POST or None, instance=person)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.save_member_contact(
                person,
                version=data["version"],
                phone=data["phone"],
                email=data["email"],
                exempt_since=data["exempt_since"],
            )
        except OutOfDate as error:
            context = {"person": error.current, "form": form}
            return refuse(request, error, "cells/member_edit.html", context, form=form)
        messages.success(request, _("The member's details were saved."))
        return redirect(person)
    return render(request, "cells/member_edit.html", {"person": person, "form": form})


def oversight(request: HttpRequest) -> HttpResponse:
    """Who oversees which cell in a month (this month unless ?month=YYYY-MM), 50 a page, searchable."""
    a = access.for_user(request.user)
    if a.member_id is None and not a.is_staff:
        raise Http404
    month = periods.parse_month(request.GET.get("month", "")) or periods.month_start()
    query = request.GET.get("q", "").strip()
    assignments = (
        OversightAssignment.objects.visible_to(request.user)
        .for_month(month)
        .select_related("cell", "overseer")
        .order_by("cell__code")
    )
    if query:
        assignments = assignments.filter(
            Q(cell__name__icontains=query)
            | Q(cell__code__icontains=query)
            | Q(overseer__full_name__icontains=query)
        )
    # queries: the number of assignments, this page of them with cell and overseer
    page = BoundedPaginator(assignments, CELLS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "cells/oversight.html",
        {
            "month": month,
            "page": page,
            "query": query,
            "previous": periods.add_months(month, -1),
            "next": periods.add_months(month, 1),
            "editable": _editable_committees(request),
        },
    )


def _editable_committees(request: HttpRequest) -> list[Committee]:
    a = access.for_user(request.user)
    qs = Committee.objects.all() if a.is_staff else Committee.objects.filter(pk__in=a.leader_committee_ids)
    return list(qs.filter(cells__active=True).distinct().order_by("code"))


def _month_or_404(year: int, month: int) -> dt.date:
    if not periods.plausible_year(year) or not 1 <= month <= 12:
        raise Http404
    return dt.date(year, month, 1)


def _committee_for_edit(request: HttpRequest) -> Committee:
    editable = _editable_committees(request)
    if not editable:
        if access.for_user(request.user).member_id is None and not request.user.is_staff:
            raise Http404
        raise PermissionDenied
    wanted = request.GET.get("committee") or request.POST.get("committee")
    for committee in editable:
        if committee.pk == safe_input.parse_id(wanted):
            return committee
    if wanted:
        raise Http404
    return editable[0]


def _edit_page(request: HttpRequest, committee: Committee, month: dt.date) -> tuple[Page, str]:
    """The page of the committee's cells asked for, searched by cell name or code or by overseer name."""
    query = request.GET.get("q", "").strip()
    cells = Cell.objects.active().filter(committee=committee).order_by("code")
    if query:
        overseen = OversightAssignment.objects.for_month(month).filter(overseer__full_name__icontains=query)
        cells = cells.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(pk__in=overseen.values("cell_id"))
        )
    return BoundedPaginator(cells, CELLS_PER_PAGE).get_page(request.GET.get("page")), query


def _overseers_of(cells: list[Cell], month: dt.date) -> dict[int, Member]:
    assignments = OversightAssignment.objects.for_month(month).filter(cell__in=[c.pk for c in cells])
    return {a.cell_id: a.overseer for a in assignments.select_related("overseer")}


def oversight_edit(request: AuthenticatedHttpRequest, year: int, month: int) -> HttpResponse:
    """Assign overseers one page of 50 cells at a time; each page saves on its own."""
    first_day = _month_or_404(year, month)
    committee = _committee_for_edit(request)
    if not access.can_assign_oversight(request.user, committee):
        raise PermissionDenied
    page, query = _edit_page(request, committee, first_day)
    if request.method == "POST":
        # the cells of the page the leader saw, whatever has moved between pages since
        ids = OversightForm.posted_cell_ids(request.POST, limit=CELLS_PER_PAGE)
        cells = list(Cell.objects.active().filter(committee=committee, pk__in=ids).order_by("code"))
        if not cells:
            messages.error(request, _("Nothing was saved: this page lists no cells."))
            return redirect(request.get_full_path())
    else:
        cells = list(page)
    current = _overseers_of(cells, first_day)
    candidates = services.overseer_candidates(committee)
    form = OversightForm(
        request.POST or None,
        cells=cells,
        candidates=candidates,
        current=current,
        token=services.oversight_token({c: m.pk for c, m in current.items()}),
    )
    context = {
        "page": page,
        "query": query,
        "month": first_day,
        "committee": committee,
        "previous": periods.add_months(first_day, -1),
    }
    outcome = submits.repeat(request)  # sent again: not a stale page, the first POST saved it
    stale = outcome is None and request.method == "POST" and "token" in form.errors
    if outcome is None and form.is_valid():
        assign = partial(
            services.assign_oversight,
            committee,
            month=first_day,
            overseers=form.overseers(),
            by=request.user,
            token=form.cleaned_data["token"],
        )
        try:
            outcome = submits.once(request, form, assign, record=committee)
        except OutOfDate as error:  # another leader saved these cells between our read and our save
            return _refuse_oversight(request, error, form, context)
        except ValidationError as error:
            form.add_error(None, error)
    if outcome is not None:
        saved = _("Assignments saved (%(count)d changed).") % {"count": outcome.result or 0}
        submits.say(request, outcome, saved)
        if page.paginator.num_pages > 1:
            return redirect(request.get_full_path())  # back to this page, to go on with the next
        return redirect(f"/oversight/?month={first_day:%Y-%m}")
    if stale:
        out_of_date = OutOfDate(committee, str(form.errors["token"][0]))
        return _refuse_oversight(request, out_of_date, form, context)
    if request.method == "POST":
        messages.error(request, _("Nothing was saved: please correct the cells marked below."))
    return render(request, "cells/oversight_edit.html", {"form": form, **context})


def _refuse_oversight(
    request: HttpRequest, error: OutOfDate, posted: OversightForm, context: dict[str, Any]
) -> HttpResponse:
    """The cells' overseers as they are now in the form; the leader's own choices listed apart."""
    month, cells = context["month"], posted.cells
    current = _overseers_of(cells, month)
    form = OversightForm(
        cells=cells,
        candidates=list(posted.by_pk.values()),
        current=current,
        token=services.oversight_token({c: m.pk for c, m in current.items()}),
    )
    typed = {}
    for cell in cells:
        name = f"cell_{cell.pk}"
        value = str(request.POST.get(name, "")).strip()
        if name in request.POST and value != form.shown[name]:
            chosen = posted.by_pk.get(safe_input.parse_id(value) or 0)
            typed[cell.name] = chosen.full_name if chosen else value or str(_("— nobody —"))
    return refuse(request, error, "cells/oversight_edit.html", {"form": form, **context}, typed=typed)


CANDIDATES_SHOWN = 20  # what a phone's suggestion list shows; type more of the name to narrow it
SEARCH_CHARACTERS = 100


@require_GET
def oversight_candidates(request: AuthenticatedHttpRequest) -> JsonResponse:
    """The candidates matching ?q= for the edit page's typed boxes, as the form reads them back.

    The edit page's own rules: a committee the user may assign for (else 404 or 403), its candidates.
    """
    committee = _committee_for_edit(request)
    if not access.can_assign_oversight(request.user, committee):
        raise PermissionDenied
    text = request.GET.get("q", "")[:SEARCH_CHARACTERS]
    labels = services.search_candidates(committee, text, limit=CANDIDATES_SHOWN)
    return JsonResponse({"labels": labels}, json_dumps_params={"ensure_ascii": False})


@require_POST
def oversight_copy(request: AuthenticatedHttpRequest, year: int, month: int) -> HttpResponse:
    first_day = _month_or_404(year, month)
    committee = _committee_for_edit(request)
    if not access.can_assign_oversight(request.user, committee):
        raise PermissionDenied
    if services.oversight_to_copy(committee, month=first_day) > jobs.IN_REQUEST_ROWS:
        job = jobs.start(
            "oversight_copy",
            key=f"{committee.pk}:{first_day:%Y-%m}",
            by=request.user,
            params={"committee": committee.pk, "month": first_day.isoformat()},
            committee_id=committee.pk,
        )
        return redirect(job)
    copied = services.copy_oversight(committee, month=first_day, by=request.user)
    if copied:
        messages.success(request, _("%(count)d assignments copied from last month.") % {"count": copied})
    else:
        messages.info(
            request, _("Nothing to copy: every cell already has an overseer, or last month had none.")
        )
    return redirect(f"/oversight/{first_day:%Y-%m}/edit/?committee={committee.pk}")


def _life_event_kinds(request: HttpRequest, person: Member) -> list[tuple[str, str]]:
    """The steps the user may record for the member: exemption for their secretary, everything for staff."""
    kinds = []
    if access.can_edit_member(request.user, person):
        kinds += [LifeEvent.Kind.EXEMPT_START, LifeEvent.Kind.EXEMPT_END]
    if access.can_record_membership(request.user, person):
        kinds += sorted(services.MEMBERSHIP_KINDS, key=list(LifeEvent.Kind).index)
    return [(str(kind), str(kind.label)) for kind in kinds]


def member_event(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a step of the member's life: recognition, exemption start or end, transfer, departure."""
    person = get_object_or_404(
        Member.objects.visible_to(request.user).select_related("cell__committee"), pk=pk
    )
    kinds = _life_event_kinds(request, person)
    if not kinds:
        raise PermissionDenied
    cells = Cell.objects.active().exclude(pk=person.cell_id).select_related("committee")
    form = LifeEventForm(
        request.POST or None,
        initial={"kind": request.GET.get("kind", ""), "on": periods.today()},
        kinds=kinds,
        cells=cells,
        version=person.version,
    )
    outcome = submits.repeat(request)
    if outcome is None and form.is_valid():
        data = form.cleaned_data
        record = partial(
            services.record_life_event,
            person,
            kind=data["kind"],
            on=data["on"],
            by=request.user,
            version=data["version"],
            resolution_number=data["resolution_number"],
            resolution_date=data["resolution_date"],
            to_cell=data["to_cell"],
            note=data["note"],
        )
        try:
            outcome = submits.once(request, form, record)
        except OutOfDate as error:
            return refuse(
                request, error, "cells/member_event.html", {"person": error.current, "form": form}, form=form
            )
        except ValidationError as error:
            form.add_error(None, error)
    if outcome is not None:
        submits.say(request, outcome, _("Recorded."))
        return redirect(person)
    return render(request, "cells/member_event.html", {"person": person, "form": form})


MEMBERS_PER_PAGE = 50


def _member_list(request: HttpRequest) -> tuple[MemberFilterForm, Any]:
    a = access.for_user(request.user)
    if not (a.sees_committee or a.is_secretary):
        raise Http404
    cells = Cell.objects.visible_to(request.user).order_by("code")
    form = MemberFilterForm(request.GET or None, cells=cells)
    members = form.apply(Member.objects.visible_to(request.user)).select_related("cell")
    return form, members.order_by("cell__code", "full_name", "pk")


def members(request: HttpRequest) -> HttpResponse:
    """The members in sight, filtered, 50 a page; the same list exports to XLSX."""
    form, found = _member_list(request)
    # queries: the number of members, this page of them with their cell, the cells of the filter
    page = BoundedPaginator(found, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cells/members.html", {"form": form, "page": page, "query": query.urlencode()})


def members_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered list in the import template's columns: it imports back unchanged."""
    form, found = _member_list(request)
    content = importing.members_xlsx(found.iterator(chunk_size=2000), filters=xlsx.filters_applied(form))
    return xlsx.xlsx_response(content, filename=f"dang-vien-{periods.today():%Y-%m-%d}.xlsx")


def cell_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The cell's current members as a page to print."""
    cell = get_object_or_404(Cell.objects.visible_to(request.user).select_related("committee"), pk=pk)
    today = periods.today()
    people = list(cell.members.current(today).order_by("full_name", "pk"))
    return render(request, "cells/cell_print.html", {"cell": cell, "people": people, "today": today})
