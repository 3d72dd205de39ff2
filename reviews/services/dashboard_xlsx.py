"""The dashboards' tables as XLSX sheets (phuthang.xlsx): the cells × months grid, the oversight coverage,
a cell's attendance grid and the cells needing help (docs/dashboards.md, "Exports").

Each sheet holds what its page shows the same user, through the same sight rules, but every row of it, not
one page: the grid and the coverage read their rows in one query each, streamed in batches (`iterator`),
the months' counts gathered into each row by the database (`ArraySubquery`, `Subquery`), so the queries do
not grow with the rows. An export longer than `jobs.IN_REQUEST_ROWS` rows is written by a job
(reviews/jobs.py), as the UBKT board's is; `*_rows_count` is how the view decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import JSONField, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from phuthang import access, periods, xlsx
from phuthang.xlsx import NUMBER, Column

Progress = Callable[[int], None] | None
PROGRESS_EVERY = 1000  # rows between two progress reports of a job


def twelve_months(today: dt.date | None = None) -> list[dt.date]:
    """The months the grid and the coverage pages show: this month and the eleven before, oldest first."""
    this = periods.month_start(today or periods.today())
    return [periods.add_months(this, -n) for n in range(11, -1, -1)]


def month_label(month: dt.date) -> str:
    return f"{month:%m/%Y}"


def _span(months: list[dt.date]) -> str:
    return _("%(first)s to %(last)s") % {"first": month_label(months[0]), "last": month_label(months[-1])}


def _reported(rows: Iterator[list[Any]], progress: Progress) -> Iterator[list[Any]]:
    for n, row in enumerate(rows, start=1):
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n)
        yield row


def _labels() -> dict[str, dict[str, str]]:
    """The choices' words once, not a translation lookup per cell of the sheet."""
    from reviews.models import CellMonth, MeetingAssessment
    from reviews.models.meetings import Attendance

    return {
        "state": {value: str(label) for value, label in CellMonth.State.choices},
        "verdict": {value: str(label) for value, label in MeetingAssessment.Verdict.choices},
        "mark": {value: str(label) for value, label in Attendance.Status.choices},
    }


# --- The cells × months grid: one row per cell in sight, four columns per month


def grid_cells(user: Any) -> QuerySet[Any]:
    """The cells the grid page lists to the user, every page of them."""
    from cells.models import Cell

    return Cell.objects.visible_to(user).active()


def grid_rows_count(user: Any) -> int:
    return grid_cells(user).count()


def grid_xlsx(user: Any, *, today: dt.date | None = None, progress: Progress = None) -> tuple[bytes, str]:
    """Every cell in sight × the grid's 12 months: per month the minutes' state, the attendance %, the
    thematic meetings finalised and the overseer's verdict. One query, streamed."""
    from reviews.models import CellMonth

    months = twelve_months(today)
    labels = _labels()
    kept = (
        CellMonth.objects.visible_to(user)
        .filter(cell_id=OuterRef("pk"), month__in=months)
        .order_by("month")
        .values(
            json=JSONObject(
                month="month",
                state="state",
                present="present",
                expected="expected",
                thematic="thematic",
                verdict="verdict",
            )
        )
    )
    cells = (
        grid_cells(user)
        .order_by("code", "pk")
        .annotate(kept=ArraySubquery(kept))
        .values_list("code", "name", "kept")
    )
    not_held = labels["state"]["none"]

    def rows() -> Iterator[list[Any]]:
        for code, name, found in cells.iterator(chunk_size=2000):
            by_month = {row["month"]: row for row in found}
            line: list[Any] = [code, name]
            for month in months:
                r = by_month.get(month.isoformat())
                if r is None:
                    line += [not_held, None, None, ""]
                    continue
                line += [
                    labels["state"].get(r["state"], r["state"]),
                    round(r["present"] * 100 / r["expected"]) if r["expected"] else None,
                    r["thematic"] or None,
                    labels["verdict"].get(r["verdict"], r["verdict"]),
                ]
            yield line

    columns = [Column(_("Code"), max_width=10), Column(_("Cell"), max_width=28)]
    for month in months:
        at = {"month": month_label(month)}
        columns += [
            Column(_("%(month)s minutes") % at, max_width=12),
            Column(_("%(month)s attendance %%") % at, NUMBER),
            Column(_("%(month)s thematic") % at, NUMBER),
            Column(_("%(month)s overseer's verdict") % at, max_width=14),
        ]
    content = xlsx.write_xlsx(
        sheet_name=_("Cells month by month"),
        title=_("CELLS' REGULAR MEETINGS MONTH BY MONTH"),
        filters=_("every active cell in sight, the months %(span)s") % {"span": _span(months)},
        columns=columns,
        rows=_reported(rows(), progress),
    )
    return content, f"chi-bo-theo-thang-{months[-1]:%Y-%m}.xlsx"


# --- The oversight coverage: one row per committee member × cell × month assigned


def coverage_assignments(user: Any, *, today: dt.date | None = None) -> QuerySet[Any]:
    """The assignments the coverage page shows the user: its 12 months, the cells in sight."""
    from cells.models import Cell, OversightAssignment

    return OversightAssignment.objects.visible_to(user).filter(
        month__in=twelve_months(today), cell__in=Cell.objects.visible_to(user).values("pk")
    )


def coverage_rows_count(user: Any, *, today: dt.date | None = None) -> int:
    return coverage_assignments(user, today=today).count()


def coverage_xlsx(user: Any, *, today: dt.date | None = None, progress: Progress = None) -> tuple[bytes, str]:
    """Each committee member's assignments of the 12 months, with what the cell's counts say of them:
    the minutes' state, whether the overseer attended and scored, the verdict. One query, streamed."""
    from reviews.models import CellMonth

    months = twelve_months(today)
    labels = _labels()
    kept = (
        CellMonth.objects.visible_to(user)
        .filter(cell_id=OuterRef("cell_id"), month=OuterRef("month"))
        .values(
            json=JSONObject(
                state="state", overseer_attended="overseer_attended", scored="scored", verdict="verdict"
            )
        )[:1]
    )
    found = (
        coverage_assignments(user, today=today)
        .order_by("overseer__full_name", "overseer_id", "month", "cell__code", "pk")
        .values_list(
            "overseer__full_name",
            "month",
            "cell__code",
            "cell__name",
            Subquery(kept, output_field=JSONField()),
        )
    )
    yes, no = _("yes"), _("no")
    not_held = labels["state"]["none"]

    def rows() -> Iterator[list[Any]]:
        for overseer, month, code, name, r in found.iterator(chunk_size=2000):
            r = r or {}
            yield [
                overseer,
                month_label(month),
                code,
                name,
                labels["state"].get(r.get("state", "none"), not_held),
                yes if r.get("overseer_attended") else no,
                yes if r.get("scored") else no,
                labels["verdict"].get(r.get("verdict", ""), ""),
            ]

    content = xlsx.write_xlsx(
        sheet_name=_("Oversight coverage"),
        title=_("OVERSIGHT OF THE CELLS BY THE COMMITTEE MEMBERS"),
        filters=_("every assignment of a cell in sight, the months %(span)s") % {"span": _span(months)},
        columns=[
            Column(_("Committee member"), max_width=24),
            Column(_("Month"), max_width=8),
            Column(_("Code"), max_width=10),
            Column(_("Cell assigned"), max_width=28),
            Column(pgettext("of a meeting", "Minutes"), max_width=12),
            Column(_("The overseer attended"), max_width=10),
            Column(_("Scored"), max_width=8),
            Column(_("Overseer's verdict"), max_width=20),
        ],
        rows=_reported(rows(), progress),
    )
    return content, f"phu-trach-chi-bo-{months[-1]:%Y-%m}.xlsx"


# --- A cell's member × month attendance grid


def attendance_xlsx(cell: Any, *, today: dt.date | None = None) -> tuple[bytes, str]:
    """The cell dashboard's attendance grid: each current member not exempt × the 12 months' regular
    meetings, the excused and unexcused absences, the excused streak. Three queries (the members, the
    rule, the marks); a cell has hundreds of members at most, so it is never a job."""
    from reviews.models.rules import rules
    from reviews.services.dashboard import attendance_grid

    today = today or periods.today()
    months = twelve_months(today)
    members = [m for m in cell.members.current(today).order_by("full_name", "pk") if not m.is_exempt(today)]
    streak_max = int(rules("meeting_quality").get("excused_in_a_row_max", 3))
    marks = _labels()["mark"]
    yes = _("yes")
    grid = attendance_grid(cell, members, months, streak_max=streak_max)
    content = xlsx.write_xlsx(
        sheet_name=_("Attendance"),
        title=_("ATTENDANCE AT THE REGULAR MEETINGS: %(cell)s") % {"cell": cell.name},
        filters=_("the cell's current members (the exempt left out), the months %(span)s")
        % {"span": _span(months)},
        columns=[
            Column(_("Member"), max_width=26),
            *(Column(month_label(month), max_width=11) for month in months),
            Column(_("Absent with excuse"), NUMBER),
            Column(_("Absent without excuse"), NUMBER),
            Column(_("Excused in a row"), NUMBER),
            Column(_("More than %(max)d in a row") % {"max": streak_max}, max_width=10),
        ],
        rows=(
            [
                row.member.full_name,
                *(marks.get(mark, "") for mark in row.marks),
                row.excused,
                row.unexcused,
                row.streak,
                yes if row.streak_too_long else "",
            ]
            for row in grid
        ),
    )
    return content, f"chuyen-can-{cell.code}-{months[-1]:%Y-%m}.xlsx".replace(" ", "-")


# --- The cells needing help, every one of them


def needing_help_rows_bound(user: Any, *, committee: int | None = None) -> int:
    """At most one row per active cell in sight (under `committee`, when chosen): the bound the view decides
    by, before ranking anything. A committee out of sight has no cells: the request then answers 404."""
    cells = grid_cells(user)
    if committee is not None:
        tree = access.for_user(user).tree or access.committee_tree()
        cells = cells.filter(committee_id__in=tree.with_descendants({committee}))
    return cells.count()


def needing_help(
    user: Any, month: dt.date, *, committee: int | None = None, today: dt.date | None = None
) -> Any:
    """The committee dashboard's glance (under `committee` when chosen, as on the page) with every cell
    needing help, ranked as the page ranks them, with its reasons (its queries, whatever the number of
    cells). Raises LookupError when `committee` is not one the user sees."""
    from reviews.services.dashboard import committee_glance

    return committee_glance(user, month, today=today, committee=committee, shown=None)


def needing_help_xlsx(
    user: Any,
    month: dt.date,
    *,
    committee: int | None = None,
    today: dt.date | None = None,
    glance: Any = None,
    progress: Progress = None,
) -> tuple[bytes, str]:
    """The cells needing help (of `glance`, or computed) as a sheet: code, name, the reasons one a line."""
    glance = needing_help(user, month, committee=committee, today=today) if glance is None else glance
    at = {"month": month_label(month)}
    if committee is not None and glance.committee is not None:
        filters = _("the active cells in sight under %(committee)s, the month %(month)s, the worst first") % {
            **at,
            "committee": glance.committee.name,
        }
    else:
        filters = _("every active cell in sight, the month %(month)s, the worst first") % at
    content = xlsx.write_xlsx(
        sheet_name=_("Cells needing help"),
        title=_("CELLS NEEDING HELP IN %(month)s") % at,
        filters=filters,
        columns=[
            Column(_("Code"), max_width=10),
            Column(_("Cell"), max_width=28),
            Column(_("Why it needs help"), max_width=60),
        ],
        rows=_reported(
            ([h.cell.code, h.cell.name, "\n".join(h.reasons)] for h in glance.needing_help), progress
        ),
    )
    return content, f"chi-bo-can-giup-{month:%Y-%m}.xlsx"
