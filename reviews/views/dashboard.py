"""Each person's home as the answer to their question: the committee dashboard (docs/dashboards.md)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from cells.models import Cell
from phuthang import access, jobs, periods, safe_input, xlsx
from reviews.services import dashboard as services
from reviews.services import dashboard_xlsx, report_docx


def committee(request: HttpRequest) -> HttpResponse:
    """The home of leaders, UBKT and the office: this month at a glance, and the cells needing help."""
    if not access.for_user(request.user).sees_committee:
        raise Http404
    month = periods.parse_month(request.GET.get("month", "")) or periods.month_start()
    chosen = request.GET.get("committee", "")
    try:
        glance = services.committee_glance(
            request.user,
            month,
            committee=safe_input.parse_id(chosen),
            shown=services.NEEDING_HELP_SHOWN,
        )
    except LookupError:
        raise Http404 from None
    return render(
        request,
        "reviews/dashboard/committee.html",
        {
            "glance": glance,
            "month": month,
            "here": f"&committee={glance.committee.pk}" if chosen and glance.committee else "",
            "previous": periods.add_months(month, -1),
            "next": periods.add_months(month, 1) if month < periods.month_start() else None,
        },
    )


def overseer(request: HttpRequest) -> HttpResponse:
    """The overseer's home: this month's cells with their meeting's state and action, last month's apart."""
    a = access.for_user(request.user)
    if a.member_id is None:
        raise Http404
    this_month, last_month = services.overseen_cells(request.user)
    return render(
        request,
        "reviews/dashboard/overseer.html",
        {
            "this_month": this_month,
            "last_month": last_month,
            "month": periods.month_start(),
            "previous": periods.add_months(periods.month_start(), -1),
        },
    )


def cell(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretary's home: the cell's next meeting, this month's minutes, attendance, tasks, shortcomings."""
    found = get_object_or_404(Cell.objects.visible_to(request.user).select_related("committee"), pk=pk)
    return render(
        request,
        "reviews/dashboard/cell.html",
        {"board": services.cell_dashboard(request.user, found), "today": periods.today()},
    )


def member(request: HttpRequest) -> HttpResponse:
    """A member's home: my tasks, my shortcomings, my cell's finalised minutes, my attendance."""
    home = services.member_home(request.user)
    if home is None:
        raise Http404
    return render(request, "reviews/dashboard/member.html", {"home": home, "today": periods.today()})


def cells_grid(request: HttpRequest) -> HttpResponse:
    """Cells × the last 12 months, the trends as small charts, the latest round's ratings."""
    if not access.for_user(request.user).sees_committee:
        raise Http404
    return render(
        request,
        "reviews/dashboard/grid.html",
        {"grid": services.grid(request.user, page=request.GET.get("page")), "query": ""},
    )


def oversight_coverage(request: HttpRequest) -> HttpResponse:
    """Each committee member's cells month by month: assigned, attended, scored."""
    if not access.for_user(request.user).sees_committee:
        raise Http404
    return render(
        request,
        "reviews/dashboard/oversight.html",
        {"coverage": services.coverage(request.user, page=request.GET.get("page"))},
    )


def ward_report(request: HttpRequest) -> HttpResponse:
    """The monthly (quarterly, yearly) report as a DOCX: `?period=month|quarter|year&month=YYYY-MM`."""
    if not access.for_user(request.user).sees_committee:
        raise Http404
    month = periods.parse_month(request.GET.get("month", "")) or periods.add_months(periods.month_start(), -1)
    kind = request.GET.get("period", "month")
    period = report_docx.Period.of(kind if kind in report_docx.PERIODS else "month", month)
    response = HttpResponse(
        report_docx.ward_report_docx(request.user, period),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="bao-cao-{period.slug}.docx"'
    return response


# --- The dashboards' tables as XLSX (reviews/services/dashboard_xlsx.py): what the page shows, every row


def _job_or_sheet(
    request: HttpRequest, kind: str, rows: int, params: dict[str, str], sheet: Callable[[], tuple[bytes, str]]
) -> HttpResponse:
    """Above `jobs.IN_REQUEST_ROWS` rows the worker writes the sheet (as the UBKT board's export does)."""
    if rows > jobs.IN_REQUEST_ROWS:
        key = ":".join([str(request.user.pk), *params.values()])
        return redirect(jobs.start(kind, key=key, by=request.user, params=params))
    content, filename = sheet()
    return xlsx.xlsx_response(content, filename=filename)


def cells_grid_export(request: HttpRequest) -> HttpResponse:
    """The cells × months grid of every cell in sight, not one page."""
    if not access.for_user(request.user).sees_committee:
        raise Http404
    today = periods.today()
    return _job_or_sheet(
        request,
        "dashboard_grid_export",
        dashboard_xlsx.grid_rows_count(request.user),
        {"today": today.isoformat()},
        lambda: dashboard_xlsx.grid_xlsx(request.user, today=today),
    )


def oversight_coverage_export(request: HttpRequest) -> HttpResponse:
    """Every assignment of the coverage's 12 months: committee member × cell × month."""
    if not access.for_user(request.user).sees_committee:
        raise Http404
    today = periods.today()
    return _job_or_sheet(
        request,
        "dashboard_oversight_export",
        dashboard_xlsx.coverage_rows_count(request.user, today=today),
        {"today": today.isoformat()},
        lambda: dashboard_xlsx.coverage_xlsx(request.user, today=today),
    )


def cell_attendance_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The cell dashboard's member × month attendance grid (a cell's members: always in the request)."""
    found = get_object_or_404(Cell.objects.visible_to(request.user), pk=pk)
    content, filename = dashboard_xlsx.attendance_xlsx(found)
    return xlsx.xlsx_response(content, filename=filename)


def needing_help_export(request: HttpRequest) -> HttpResponse:
    """Every cell needing help in the dashboard's month (`?month=YYYY-MM`) and committee (`&committee=`, as
    the page reads it), not only the worst shown."""
    if not access.for_user(request.user).sees_committee:
        raise Http404
    month = periods.parse_month(request.GET.get("month", "")) or periods.month_start()
    chosen = request.GET.get("committee", "")
    committee = safe_input.parse_id(chosen)
    today = periods.today()
    try:
        return _job_or_sheet(
            request,
            "needing_help_export",
            dashboard_xlsx.needing_help_rows_bound(request.user, committee=committee),
            {"month": month.isoformat(), "today": today.isoformat(), "committee": str(committee or "")},
            lambda: dashboard_xlsx.needing_help_xlsx(request.user, month, committee=committee, today=today),
        )
    except LookupError:  # not a committee the user sees: 404, as on the page
        raise Http404 from None
