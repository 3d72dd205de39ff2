"""Probationary members due to become official this month and next (issue 14).

A reviews page because the probation's length is a `Rule` (`membership.probation_months`, 12 by default),
and `cells` reads no rule of `reviews`. Recognition itself is recorded on the member's page.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cells import services as cell_services
from cells.models import Member
from phuthang import access, periods
from phuthang.paging import BoundedPaginator
from reviews.models.rules import rule

DEFAULT_PROBATION_MONTHS = 12


def probation_months() -> int:
    return int(rule("membership.probation_months", DEFAULT_PROBATION_MONTHS))


MEMBERS_PER_PAGE = 50


def probation(request: HttpRequest) -> HttpResponse:
    """Overdue, due this month, due next month: the probationary members in sight, by due date, 50 a page
    (findable by name, cell name or code), each group headed by its number over every page."""
    a = access.for_user(request.user)
    if not (a.sees_committee or a.is_secretary):
        raise Http404
    months = probation_months()
    this_month = periods.month_start()
    next_month = periods.add_months(this_month, 1)
    after_next = periods.add_months(this_month, 2)
    # due before the first day of a month: admitted before the first day of the month `months` earlier
    overdue_before, this_before, next_before = (
        cell_services.months_before(day, months) for day in (this_month, next_month, after_next)
    )
    query = request.GET.get("q", "").strip()
    members = (
        Member.objects.visible_to(request.user).current().probationary().filter(admitted_on__lt=next_before)
    )
    if query:
        members = members.filter(
            Q(full_name__icontains=query) | Q(cell__name__icontains=query) | Q(cell__code__icontains=query)
        )
    # queries: the rule above, the groups' numbers, the paginator's count, the page of members (with their cell)
    counts = members.aggregate(
        overdue=Count("pk", filter=Q(admitted_on__lt=overdue_before)),
        this=Count("pk", filter=Q(admitted_on__gte=overdue_before, admitted_on__lt=this_before)),
        next=Count("pk", filter=Q(admitted_on__gte=this_before)),
    )
    page = BoundedPaginator(
        members.select_related("cell").order_by("admitted_on", "full_name", "pk"), MEMBERS_PER_PAGE
    ).get_page(request.GET.get("page"))
    groups: dict[str, list[tuple[Member, dt.date]]] = {"overdue": [], "this": [], "next": []}
    for member in page:
        due = cell_services.probation_due(member, months)
        if due is None:
            continue
        key = "overdue" if due < this_month else "this" if due < next_month else "next"
        groups[key].append((member, due))
    return render(
        request,
        "reviews/probation.html",
        {
            # a group with no one on this page but some on another is left out of this page
            "groups": [(key, rows, counts[key]) for key, rows in groups.items() if rows or not counts[key]],
            "page": page,
            "query": query,
            "months": months,
            "this_month": this_month,
            "next_month": next_month,
            "can_record": a.is_staff,
        },
    )
