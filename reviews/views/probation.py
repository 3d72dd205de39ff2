"""Probationary members due to become official this month and next (issue 14).

A reviews page because the probation's length is a `Rule` (`membership.probation_months`, 12 by default),
and `cells` reads no rule of `reviews`. Recognition itself is recorded on the member's page.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cells import services as cell_services
from cells.models import Member
from phuthang import access, periods
from reviews.models.rules import rule

DEFAULT_PROBATION_MONTHS = 12


def probation_months() -> int:
    return int(rule("membership.probation_months", DEFAULT_PROBATION_MONTHS))


def probation(request: HttpRequest) -> HttpResponse:
    """Overdue, due this month, due next month: the probationary members in sight, by due date."""
    a = access.for_user(request.user)
    if not (a.sees_committee or a.is_secretary):
        raise Http404
    months = probation_months()
    this_month = periods.month_start()
    after_next = periods.add_months(this_month, 2)
    # due before the first day of the month after next: admitted before that day, `months` earlier
    admitted_before = cell_services.months_before(after_next, months)
    # queries: the members (with their cell), the rule above
    members = list(
        Member.objects.visible_to(request.user)
        .current()
        .probationary()
        .filter(admitted_on__lt=admitted_before)
        .select_related("cell")
        .order_by("admitted_on", "full_name", "pk")
    )
    next_month = periods.add_months(this_month, 1)
    groups: dict[str, list[tuple[Member, dt.date]]] = {"overdue": [], "this": [], "next": []}
    for member in members:
        due = cell_services.probation_due(member, months)
        if due is None:
            continue
        key = "overdue" if due < this_month else "this" if due < next_month else "next"
        groups[key].append((member, due))
    return render(
        request,
        "reviews/probation.html",
        {
            "groups": groups,
            "months": months,
            "this_month": this_month,
            "next_month": next_month,
            "can_record": a.is_staff,
        },
    )
