"""The monthly counts the dashboards read (`CellMonth`), kept in step with the meetings they count.

`refresh(cell_id, month)` is called by every meeting service that changes a meeting, inside its
transaction; `recount_all()` (the `recount_dashboard` command, the migration and the demo) rebuilds every
row from the meetings. Both go through `month_row`, so the kept counts and a recount are one definition.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any, cast

from django.db import connection, models, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from phuthang import access, periods

# The meeting fields a month's row is made of (with the assessment's), read with .values().
FIELDS = (
    "cell_id",
    "month",
    "pk",
    "kind",
    "status",
    "first_finalised_at",
    "date",
    "started_at",
    "ended_at",
    "expected_count",
    "present_count",
    "excused_count",
    "unexcused_count",
    "overseer_attended",
    "assessment__pk",
    "assessment__verdict",
)
COUNTED = (
    "meeting_id",
    "state",
    "late",
    "expected",
    "present",
    "excused",
    "unexcused",
    "quality_met",
    "thematic",
    "overseer_attended",
    "scored",
    "verdict",
)
EMPTY: dict[str, Any] = {
    "meeting_id": None,
    "state": "none",
    "late": False,
    "expected": 0,
    "present": 0,
    "excused": 0,
    "unexcused": 0,
    "quality_met": False,
    "thematic": 0,
    "overseer_attended": False,
    "scored": False,
    "verdict": "",
}


def quality_met(meeting: dict[str, Any], rule: dict[str, Any]) -> bool:
    """The meeting's own HD 12 criteria: finalised (so complete), attendance above the rule's share,
    unexcused absences within the allowed, and lasting the rule's minutes (docs/dashboards.md)."""
    if meeting["status"] != "finalised" or not meeting["expected_count"] or meeting["ended_at"] is None:
        return False
    above = float(rule.get("attendance_above", 0.85))
    allowed = int(rule.get("unexcused_allowed", 0))
    min_minutes = int(rule.get("min_minutes", 90))
    start = dt.datetime.combine(meeting["date"], meeting["started_at"])
    minutes = (dt.datetime.combine(meeting["date"], meeting["ended_at"]) - start).total_seconds() // 60
    return (
        meeting["present_count"] / meeting["expected_count"] > above
        and meeting["unexcused_count"] <= allowed
        and minutes >= min_minutes
    )


def month_row(meetings: Iterable[dict[str, Any]], rule: dict[str, Any]) -> dict[str, Any]:
    """One cell's month from its standing meetings (values of FIELDS): the counted fields of CellMonth."""
    row = dict(EMPTY)
    for m in meetings:
        if m["status"] == "withdrawn":
            continue
        if m["kind"] == "thematic" and m["status"] == "finalised":
            row["thematic"] += 1
        if m["kind"] != "regular":
            continue
        finalised_on = m["first_finalised_at"] and timezone.localdate(m["first_finalised_at"])
        row.update(
            meeting_id=m["pk"],
            state=m["status"],
            late=bool(finalised_on and finalised_on >= periods.add_months(m["month"], 1)),
            expected=m["expected_count"],
            present=m["present_count"],
            excused=m["excused_count"],
            unexcused=m["unexcused_count"],
            quality_met=quality_met(m, rule),
            overseer_attended=m["overseer_attended"],
            scored=m["assessment__pk"] is not None,
            verdict=m["assessment__verdict"] or "",
        )
    return row


def _meeting_rows(
    meetings: models.QuerySet[Any],
) -> Iterator[tuple[tuple[int, dt.date], list[dict[str, Any]]]]:
    """The meetings' values grouped by (cell, month), read in one ordered pass."""
    key: tuple[int, dt.date] | None = None
    group: list[dict[str, Any]] = []
    for m in meetings.order_by("cell_id", "month", "pk").values(*FIELDS).iterator(chunk_size=5000):
        if (m["cell_id"], m["month"]) != key:
            if key is not None:
                yield key, group
            key, group = (m["cell_id"], m["month"]), []
        group.append(m)
    if key is not None:
        yield key, group


def _write(model: Any, rows: list[Any]) -> None:
    model.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["cell", "month"],
        update_fields=list(COUNTED),
    )


def refresh(cell_id: int, *months: dt.date) -> None:
    """Recompute the cell's rows for these months from its meetings, then the excused streaks of these
    rows and the later ones: two queries, and two writes."""
    from reviews.models import CellMonth, Meeting
    from reviews.models.rules import rules

    wanted = sorted({periods.month_start(m) for m in months})
    rule = rules("meeting_quality")
    found = dict(_meeting_rows(Meeting.objects.filter(cell_id=cell_id, month__in=wanted)))
    _write(
        CellMonth,
        [CellMonth(cell_id=cell_id, month=m, **month_row(found.get((cell_id, m), []), rule)) for m in wanted],
    )
    keep_streaks(CellMonth, streak_need(rule), cell_id=cell_id, since=wanted[0])


@transaction.atomic
def recount_all(
    meeting_model: Any = None, count_model: Any = None, rule: dict[str, Any] | None = None
) -> int:
    """Rebuild every row from the meetings (the models are the migration's when it calls this).

    Rows of a month whose meetings are gone stay, reset to empty. Returns the number of rows written.
    """
    if meeting_model is None or count_model is None:
        from reviews.models import CellMonth, Meeting
        from reviews.models.rules import rules

        meeting_model, count_model, rule = Meeting, CellMonth, rules("meeting_quality")
    rule = rule or {}
    stale = set(count_model.objects.values_list("cell_id", "month"))
    written, batch = 0, []
    for (cell_id, month), group in _meeting_rows(meeting_model.objects.all()):
        stale.discard((cell_id, month))
        batch.append(count_model(cell_id=cell_id, month=month, **month_row(group, rule)))
        if len(batch) >= 2000:
            _write(count_model, batch)
            written, batch = written + len(batch), []
    batch += [count_model(cell_id=cell_id, month=month, **EMPTY) for cell_id, month in stale]
    _write(count_model, batch)
    if any(f.name == "long_streaks" for f in count_model._meta.fields):  # not in the migration before it
        keep_streaks(count_model, streak_need(rule))
    return written + len(batch)


def streak_need(rule: dict[str, Any]) -> int:
    """The meetings in a row at which an excused member makes a streak too long: one more than allowed."""
    return int(rule.get("excused_in_a_row_max", 3)) + 1


def keep_streaks(
    count_model: Any, need: int, *, cell_id: int | None = None, since: dt.date | None = None
) -> None:
    """Set `long_streaks` of the rows from `since` on (of one cell, or every row): the members excused at
    each of the cell's latest `need` regular meetings up to the row's month, the months without a meeting
    skipped (docs/dashboards.md). One statement; a row whose count is unchanged is not written."""
    from django.db import connection

    from reviews.models import Attendance  # its table and status value, the same in a migration

    table = count_model._meta.db_table

    def where(alias: str) -> tuple[str, list[Any]]:
        clauses = [(f"{alias}cell_id = %s", cell_id), (f"{alias}month >= %s", since)]
        given = [(sql, value) for sql, value in clauses if value is not None]
        return " AND ".join(["TRUE", *(sql for sql, _v in given)]), [value for _s, value in given]

    rows, rows_params = where("c.")
    targets, targets_params = where("t.")
    cells = "cell_id = %s" if cell_id is not None else "TRUE"
    sql = f"""
        WITH held AS (
            SELECT id, cell_id, month, meeting_id,
                   row_number() OVER (PARTITION BY cell_id ORDER BY month) AS rn
            FROM {table} WHERE meeting_id IS NOT NULL AND {cells}
        ),
        excused AS (
            SELECT t.id FROM held t
            JOIN held h ON h.cell_id = t.cell_id AND h.rn BETWEEN t.rn - %s + 1 AND t.rn
            JOIN {Attendance._meta.db_table} a ON a.meeting_id = h.meeting_id AND a.status = %s
            WHERE t.rn >= %s AND {targets}
            GROUP BY t.id, a.member_id HAVING count(*) = %s
        ),
        counted AS (
            SELECT c.id, count(e.id) AS n FROM {table} c LEFT JOIN excused e ON e.id = c.id
            WHERE {rows} GROUP BY c.id
        )
        UPDATE {table} c SET long_streaks = counted.n FROM counted
        WHERE c.id = counted.id AND c.long_streaks <> counted.n
    """  # the table names are the models'; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                *([cell_id] if cell_id is not None else []),
                *(need, Attendance.Status.EXCUSED, need, *targets_params, need),
                *rows_params,
            ],
        )


# --- Reads: the committee dashboard


@dataclasses.dataclass(frozen=True)
class Figure:
    """One number of "this month at a glance": a of n, the link to the records behind it."""

    label: str
    count: int
    of: int | None  # the denominator; None for a plain count
    url: str
    note: str = ""

    @property
    def percent(self) -> int | None:
        return round(self.count * 100 / self.of) if self.of else None


@dataclasses.dataclass(slots=True)
class CellState:
    """What the glance reads of one cell in sight: its counts of the month and the figures beside them.

    Read as plain values (a province has thousands of cells), it also stands for the cell in the list of
    cells needing help: `pk`, `code`, `name` are the cell's.
    """

    pk: int
    code: str
    name: str
    meeting_day: int | None
    committee_id: int
    state: str = "none"  # of the month's regular meeting: none, draft, finalised
    late: bool = False
    expected: int = 0
    present: int = 0
    quality_met: bool = False
    overseer_attended: bool = False
    scored: bool = False
    overseen: bool = False  # an overseer attended one of its meetings in the last 3 months
    assigned: bool = False  # a committee member is assigned to it this month
    open: int = 0
    overdue: int = 0
    streak: int = 0  # members excused at each of its latest meetings, more than the rule allows
    expected_pledges: int = 0
    signed_pledges: int = 0
    unsigned_overdue: int = 0  # pledges unsigned after the campaign's due date


@dataclasses.dataclass(frozen=True)
class NeedsHelp:
    cell: CellState
    reasons: list[str]
    weight: int


@dataclasses.dataclass(frozen=True)
class Unit:
    """One sub-committee's line of the roll-up: its cells' figures summed (drill down to its own page)."""

    committee: Any
    direct: bool  # the cells directly under the committee shown, not under a sub-committee
    cells: int
    finalised: int
    expected: int
    present: int
    quality_met: int
    assigned: int
    attended: int
    open: int
    overdue: int
    signed_pledges: int
    expected_pledges: int
    needing_help: int

    @property
    def attendance_percent(self) -> int | None:
        return round(self.present * 100 / self.expected) if self.expected else None


@dataclasses.dataclass(frozen=True)
class Glance:
    month: dt.date
    cells: int
    figures: list[Figure]
    needing_help: list[NeedsHelp]  # the first `shown`, ranked
    needing_help_total: int = 0
    committee: Any = None  # the committee shown: the one all the cells in sight share, or the one chosen
    path: list[Any] = dataclasses.field(
        default_factory=list
    )  # the committees above it in sight, from the top
    units: list[Unit] = dataclasses.field(default_factory=list)  # its sub-committees; empty for a ward


# A province has thousands of cells needing help: the home shows the worst, the grid lists every cell.
NEEDING_HELP_SHOWN = 20


def committee_glance(
    user: Any,
    month: dt.date,
    *,
    today: dt.date | None = None,
    committee: int | None = None,
    shown: int | None = NEEDING_HELP_SHOWN,
) -> Glance:
    """This month at a glance for the cells in the user's sight (under `committee`, one of theirs, when
    given), the cells needing help ranked (the first `shown`; None for all), and the roll-up by
    sub-committee. Raises LookupError when `committee` is not one the user sees.

    The database sums the cells' figures by committee and ranks the cells needing help (`_sums_and_ranked`,
    one statement): the page reads one row per committee and the cells it shows, never one per cell in
    sight. The committees' tree is the one the access rules read; their names are read only for a roll-up.
    """
    from cells.models import Cell, Committee
    from reviews.models import PledgeCampaign
    from reviews.models.rules import rules

    today = today or periods.today()
    scope = Cell.objects.visible_to(user).active()
    tree = access.for_user(user).tree or access.committee_tree()
    top = tree.common_root(scope.order_by().values_list("committee_id", flat=True).distinct())
    current = top
    if committee is not None:
        if top is None or committee not in tree.with_descendants({top}):
            raise LookupError(committee)
        current = committee
        scope = scope.filter(committee_id__in=tree.with_descendants({committee}))
    rule = rules("meeting_quality")
    above = float(rule.get("attendance_above", 0.85))
    campaigns = list(
        PledgeCampaign.objects.visible_to(user)
        .filter(year=month.year, committee__in=scope.values("committee_id"))
        .order_by("committee_id")
    )
    by_committee, ranked = _sums_and_ranked(
        user, scope, month, campaigns, above=above, today=today, shown=shown
    )
    total = sum(by_committee.values(), Sums())
    chain = tree.up(current) if current is not None else []  # the committee shown, up to its root
    path = list(reversed(chain[: chain.index(top) + 1])) if top in chain else []  # from the top down to it
    groups: dict[int | None, Sums] = {}
    for committee_id, sums in by_committee.items():
        unit = tree.child_towards(current, committee_id) if current is not None else None
        groups[unit] = groups.get(unit, Sums()) + sums
    units = set(groups) - {None}
    # names only where there is a tree to show: a ward's page reads none
    named = Committee.objects.in_bulk([*path, *units]) if units or len(path) > 1 else {}
    streak_max = int(rule.get("excused_in_a_row_max", 3))
    return Glance(
        month=month,
        cells=total.cells,
        figures=_figures(total, month.year, campaigns),
        needing_help=[
            NeedsHelp(cell, _words(reasons, above, streak_max), weight) for cell, reasons, weight in ranked
        ],
        needing_help_total=total.needing_help,
        committee=named.get(current) if current is not None else None,
        path=[named[pk] for pk in path[:-1]],
        units=_units(groups, named, current) if units else [],
    )


@dataclasses.dataclass(frozen=True)
class Sums:
    """The figures of a set of cells, summed: of one committee's cells as the database grouped them, then
    of a sub-committee's or of the whole sight in Python."""

    cells: int = 0
    finalised: int = 0
    late: int = 0  # among the finalised
    expected: int = 0  # of the finalised meetings
    present: int = 0
    quality_met: int = 0
    assigned: int = 0
    attended: int = 0  # among the assigned: the overseer attended
    scored: int = 0  # among the assigned: the overseer scored
    open: int = 0
    overdue: int = 0
    signed_pledges: int = 0
    expected_pledges: int = 0
    needing_help: int = 0

    def __add__(self, other: Sums) -> Sums:
        return Sums(
            *(a + b for a, b in zip(dataclasses.astuple(self), dataclasses.astuple(other), strict=True))
        )


# Why a cell needs help: (key, weight, condition over a cell's row of `_sums_and_ranked`). One definition
# for the weight that ranks every cell and the reasons put in words for those shown. `{past_due}` is the
# meeting day of the month passed; `{month_over}` the month ended; `{above}` the rule's attendance share.
REASONS: list[tuple[str, int, str]] = [
    ("missing", 3, "state = 'none' AND ({month_over} OR {past_due})"),
    ("draft_after_month", 3, "state = 'draft' AND {month_over}"),
    ("draft", 1, "state = 'draft' AND NOT {month_over} AND {past_due}"),
    ("late", 1, "state = 'finalised' AND late"),
    ("attendance", 2, "state = 'finalised' AND expected > 0 AND present::float8 / expected <= {above}"),
    ("quality", 2, "state = 'finalised' AND NOT quality_met"),
    ("overdue", 2, "overdue > 0"),
    ("no_overseer", 1, "NOT overseen"),
    ("streak", 2, "streak > 0"),
    ("unsigned", 1, "unsigned_overdue > 0"),
]


def _sql(queryset: Any) -> tuple[str, list[Any]]:
    sql, params = queryset.order_by().query.sql_with_params()
    return sql, list(params)


def _sums_and_ranked(
    user: Any,
    scope: Any,
    month: dt.date,
    campaigns: list[Any],
    *,
    above: float,
    today: dt.date,
    shown: int | None,
) -> tuple[dict[int, Sums], list[tuple[CellState, list[Reason], int]]]:
    """In one statement: each cell in sight with its counts of the month (`CellMonth`), whether an overseer
    visited in the last three months and one is assigned this month, its open and overdue shortcomings,
    the kept excused streaks of its latest meeting, its pledges (a campaign's kept counts when they are of
    the day counted, else counted from the members), then weighed by `REASONS`; returned summed by
    committee, and the first `shown` cells needing help (None: every one), worst first, with their reasons.
    Each part is the queryset of the access rules, compiled: the cells' sight is never a list of ids."""
    from cells.models import OversightAssignment
    from reviews.models import CellMonth, PledgeCellCount, Shortcoming
    from reviews.services import pledges as pledge_services

    # each part is joined to the cells in sight (`c`): filtered by its own access rule alone
    months = CellMonth.objects.visible_to(user)
    latest = CellMonth.objects.filter(
        cell_id=OuterRef("cell_id"), month__gt=OuterRef("month"), month__lte=month, meeting__isnull=False
    )
    parts = {
        "c(pk, code, name, meeting_day, committee_id)": scope.values_list(
            "pk", "code", "name", "meeting_day", "committee_id"
        ),
        "m(cell_id, state, late, expected, present, quality_met, overseer_attended, scored)": months.filter(
            month=month
        ).values_list(
            "cell_id", "state", "late", "expected", "present", "quality_met", "overseer_attended", "scored"
        ),
        "o(cell_id)": months.filter(
            month__in=[periods.add_months(month, -n) for n in range(3)], overseer_attended=True
        )
        .values_list("cell_id")
        .distinct(),
        "a(cell_id)": OversightAssignment.objects.visible_to(user)
        .filter(month=month)
        .values_list("cell_id")
        .distinct(),
        "s(cell_id, open, overdue)": Shortcoming.objects.visible_to(user)
        .active()
        .values_list("cell_id")
        .annotate(n=Count("pk"), n_overdue=Count("pk", filter=Q(due_on__lt=today))),
        # the kept streaks of each cell's latest regular meeting up to the month, within the five before
        "k(cell_id, streak)": months.filter(
            month__gte=periods.add_months(month, -5), month__lte=month, long_streaks__gt=0
        )
        .exclude(meeting=None)
        .filter(~Exists(latest))
        .values_list("cell_id", "long_streaks"),
    }
    pledges: list[tuple[str, list[Any]]] = []
    for campaign in campaigns:
        cells = scope.filter(committee_id=campaign.committee_id).values("pk")
        kept = PledgeCellCount.objects.filter(campaign=campaign, cell__in=cells)
        rows: Any
        if pledge_services.kept_is_current(kept, campaign.counted_on(today)):
            rows = kept.filter(expected__gt=0).values_list("cell_id", "expected", "signed")
        else:
            rows = pledge_services.progress_rows(campaign, cells)
        sql, params = _sql(rows)
        pledges.append((f"SELECT q.*, %s FROM ({sql}) q", [campaign.is_overdue(today), *params]))
    if not pledges:
        pledges.append(("SELECT NULL::bigint, 0, 0, false WHERE false", []))
    withs, params = [], []
    for name, queryset in parts.items():
        sql, more = _sql(queryset)
        withs.append(f"{name} AS ({sql})")
        params += more
    withs.append(
        f"p(cell_id, expected, signed, overdue) AS ({' UNION ALL '.join(sql for sql, _p in pledges)})"
    )
    params += [p for _sql_text, more in pledges for p in more]

    month_over = "true" if periods.add_months(month, 1) <= today else "false"
    if month > today:
        past_due = "false"
    else:  # the month's meeting day (the 1st when the cell has none) is before today
        past_due = f"(DATE '{month.isoformat()}' + coalesce(meeting_day, 1) - 1) < DATE '{today.isoformat()}'"
    conditions = [
        (key, weight, condition.format(month_over=month_over, past_due=past_due, above=repr(float(above))))
        for key, weight, condition in REASONS
    ]
    weight = " + ".join(f"CASE WHEN {condition} THEN {w} ELSE 0 END" for _key, w, condition in conditions)
    reasons = ", ".join(f"CASE WHEN {condition} THEN '{key}' END" for key, _w, condition in conditions)
    sql = f"""
        WITH {", ".join(withs)},
        cell AS (
            SELECT c.pk, c.code, c.name, c.committee_id,
                coalesce(m.state, 'none') AS state, coalesce(m.late, false) AS late,
                coalesce(m.expected, 0) AS expected, coalesce(m.present, 0) AS present,
                coalesce(m.quality_met, false) AS quality_met,
                coalesce(m.overseer_attended, false) AS overseer_attended, coalesce(m.scored, false) AS scored,
                o.cell_id IS NOT NULL AS overseen, a.cell_id IS NOT NULL AS assigned,
                coalesce(s.open, 0) AS open, coalesce(s.overdue, 0) AS overdue, coalesce(k.streak, 0) AS streak,
                coalesce(p.expected, 0) AS expected_pledges, coalesce(p.signed, 0) AS signed_pledges,
                CASE WHEN p.overdue THEN p.expected - p.signed ELSE 0 END AS unsigned_overdue,
                c.meeting_day
            FROM c
            LEFT JOIN m ON m.cell_id = c.pk LEFT JOIN o ON o.cell_id = c.pk LEFT JOIN a ON a.cell_id = c.pk
            LEFT JOIN s ON s.cell_id = c.pk LEFT JOIN k ON k.cell_id = c.pk LEFT JOIN p ON p.cell_id = c.pk
        ),
        weighed AS (SELECT cell.*, {weight} AS weight FROM cell)
        SELECT
            (SELECT coalesce(json_agg(json_build_array(
                committee_id, cells, finalised, late, expected, present, quality_met, assigned, attended,
                scored, open, overdue, signed_pledges, expected_pledges, needing_help)), '[]')
             FROM (
                SELECT committee_id, count(*) AS cells,
                    count(*) FILTER (WHERE state = 'finalised') AS finalised,
                    count(*) FILTER (WHERE state = 'finalised' AND late) AS late,
                    coalesce(sum(expected) FILTER (WHERE state = 'finalised'), 0) AS expected,
                    coalesce(sum(present) FILTER (WHERE state = 'finalised'), 0) AS present,
                    count(*) FILTER (WHERE state = 'finalised' AND quality_met) AS quality_met,
                    count(*) FILTER (WHERE assigned) AS assigned,
                    count(*) FILTER (WHERE assigned AND overseer_attended) AS attended,
                    count(*) FILTER (WHERE assigned AND scored) AS scored,
                    sum(open) AS open, sum(overdue) AS overdue,
                    sum(signed_pledges) AS signed_pledges, sum(expected_pledges) AS expected_pledges,
                    count(*) FILTER (WHERE weight > 0) AS needing_help
                FROM weighed GROUP BY committee_id
             ) g),
            (SELECT coalesce(json_agg(json_build_array(
                pk, code, name, meeting_day, committee_id, state, late, expected, present, quality_met,
                overseer_attended, scored, overseen, assigned, open, overdue, streak, expected_pledges,
                signed_pledges, unsigned_overdue, weight, reasons) ORDER BY weight DESC, code COLLATE "C"), '[]')
             FROM (
                SELECT weighed.*, array_remove(ARRAY[{reasons}], NULL) AS reasons FROM weighed
                WHERE weight > 0 ORDER BY weight DESC, code COLLATE "C" LIMIT %s
             ) t)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, shown])
        grouped, first = cursor.fetchone()
    if isinstance(grouped, str):  # json, not parsed by the driver
        grouped, first = json.loads(grouped), json.loads(first)
    by_committee = {row[0]: Sums(*row[1:]) for row in grouped}
    ranked = []
    for *values, weight, keys in first:
        cell = CellState(*values)
        ranked.append((cell, _reasons(cell, keys), weight))
    return by_committee, ranked


def _figures(total: Sums, year: int, campaigns: list[Any]) -> list[Figure]:
    grid = reverse("reviews:dashboard_grid")
    board = reverse("reviews:board")
    oversight = reverse("reviews:dashboard_oversight")
    late = total.late
    return [
        Figure(
            _("Minutes finalised"),
            total.finalised,
            total.cells,
            grid,
            ngettext("%(n)d finalised late", "%(n)d finalised late", late) % {"n": late} if late else "",
        ),
        Figure(_("Attendance at the finalised meetings"), total.present, total.expected, grid),
        Figure(_("Meetings meeting the quality criteria (HD 12)"), total.quality_met, total.finalised, grid),
        Figure(_("Overseers who attended"), total.attended, total.assigned, oversight),
        Figure(_("Overseers who scored their cells"), total.scored, total.assigned, oversight),
        Figure(_("Open shortcomings"), total.open, None, board),
        Figure(_("Overdue shortcomings"), total.overdue, None, board + "?timeliness=overdue"),
        _pledge_figure(year, campaigns, total.signed_pledges, total.expected_pledges),
    ]


def _units(groups: dict[int | None, Sums], named: dict[int, Any], current: int | None) -> list[Unit]:
    """The sums by sub-committee of the committee shown (None: the cells directly under it)."""
    units = [
        Unit(
            committee=named[pk if pk is not None else cast(int, current)],
            direct=pk is None,
            cells=sums.cells,
            finalised=sums.finalised,
            expected=sums.expected,
            present=sums.present,
            quality_met=sums.quality_met,
            assigned=sums.assigned,
            attended=sums.attended,
            open=sums.open,
            overdue=sums.overdue,
            signed_pledges=sums.signed_pledges,
            expected_pledges=sums.expected_pledges,
            needing_help=sums.needing_help,
        )
        for pk, sums in groups.items()
    ]
    units.sort(key=lambda u: (u.direct, u.committee.code))
    return units


def _pledge_figure(year: int, campaigns: list[Any], signed: int, expected: int) -> Figure:
    """Pledges signed / expected in the year's campaign (the committee's page; the list if several)."""
    label = _("Pledges signed (%(year)d)") % {"year": year}
    if not campaigns:
        return Figure(label, 0, None, reverse("reviews:pledges"), _("No pledge campaign opened this year"))
    url = campaigns[0].get_absolute_url() if len(campaigns) == 1 else reverse("reviews:pledges")
    return Figure(label, signed, expected, url)


# Why a cell needs help, as (weight, reason, its number), for the cells shown.
Reason = tuple[int, str, int]


def _reasons(cell: CellState, keys: list[str]) -> list[Reason]:
    """The reasons the database found (`REASONS`, in their order), with the number each one names."""
    weights = {key: weight for key, weight, _condition in REASONS}
    numbers = {
        "attendance": round(cell.present * 100 / cell.expected) if cell.expected else 0,
        "overdue": cell.overdue,
        "streak": cell.streak,
        "unsigned": cell.unsigned_overdue,
    }
    return [(weights[key], key, numbers.get(key, 0)) for key in keys]


def _words(reasons: list[Reason], above: float, streak_max: int) -> list[str]:
    """The reasons in words, in the order weighed."""
    rule = round(above * 100)
    texts = {
        "missing": lambda n: _("No minutes for the month"),
        "draft_after_month": lambda n: _("Minutes still a draft after the month ended"),
        "draft": lambda n: _("Minutes not finalised yet"),
        "late": lambda n: _("Minutes finalised late"),
        "attendance": lambda n: (
            _("Attendance %(share)d%%, below the rule's %(rule)d%%") % {"share": n, "rule": rule}
        ),
        "quality": lambda n: _("The meeting did not meet the quality criteria"),
        "overdue": lambda n: (
            ngettext("%(n)d overdue shortcoming", "%(n)d overdue shortcomings", n) % {"n": n}
        ),
        "no_overseer": lambda n: _("No overseer at a meeting for 3 months"),
        "streak": lambda n: (
            ngettext(
                "%(n)d member excused more than %(max)d times in a row",
                "%(n)d members excused more than %(max)d times in a row",
                n,
            )
            % {"n": n, "max": streak_max}
        ),
        "unsigned": lambda n: (
            ngettext(
                "%(n)d pledge unsigned after the due date", "%(n)d pledges unsigned after the due date", n
            )
            % {"n": n}
        ),
    }
    return [texts[key](n) for _weight, key, n in reasons]


# --- Reads: the overseer's home


@dataclasses.dataclass(frozen=True)
class OverseenCell:
    cell: Any
    month: dt.date
    state: str  # none, draft, finalised, scored
    label: str
    action: str
    url: str


def overseen_cells(
    user: Any, *, today: dt.date | None = None
) -> tuple[list[OverseenCell], list[OverseenCell]]:
    """(this month's cells, last month's): each with its meeting's state and the one action it needs.

    Two queries: the user's assignments of the two months with their cells, and those cells' counts.
    """
    from cells.models import OversightAssignment
    from reviews.models import CellMonth

    today = today or periods.today()
    this, last = periods.month_start(today), periods.add_months(periods.month_start(today), -1)
    member_id = access.for_user(user).member_id
    if member_id is None:
        return [], []
    assignments = list(
        OversightAssignment.objects.filter(overseer_id=member_id, month__in=[this, last])
        .select_related("cell")
        .order_by("cell__code")
    )
    counts = {
        (r.cell_id, r.month): r
        for r in CellMonth.objects.visible_to(user).filter(
            cell__in={a.cell_id for a in assignments}, month__in=[this, last]
        )
    }
    rows = [_overseen(a.cell, a.month, counts.get((a.cell_id, a.month))) for a in assignments]
    return [r for r in rows if r.month == this], [r for r in rows if r.month == last]


def _overseen(cell: Any, month: dt.date, row: Any) -> OverseenCell:
    if row is None or row.meeting_id is None:
        return OverseenCell(cell, month, "none", _("Not held yet"), _("See the cell's meetings"),
                            reverse("reviews:meeting_year", args=[cell.pk]))  # fmt: skip
    meeting = reverse("reviews:meeting", args=[row.meeting_id])
    if row.scored:
        return OverseenCell(cell, month, "scored", _("Scored by me"), _("See the meeting"), meeting)
    if row.state == "draft":
        return OverseenCell(cell, month, "draft", _("Minutes in draft"), _("Score the meeting"),
                            reverse("reviews:meeting_assess", args=[row.meeting_id]))  # fmt: skip
    return OverseenCell(cell, month, "finalised", _("Finalised, not scored yet"), _("Score the meeting"),
                        reverse("reviews:meeting_assess", args=[row.meeting_id]))  # fmt: skip


# --- Reads: the secretary's cell dashboard


@dataclasses.dataclass(frozen=True)
class AttendanceRow:
    member: Any
    marks: list[str]  # per month, oldest first: present, excused, unexcused, or "" (no meeting, not expected)
    excused: int
    unexcused: int
    streak: int  # excused in a row up to the latest meeting
    streak_too_long: bool


def attendance_grid(
    cell: Any, members: list[Any], months: list[dt.date], *, streak_max: int
) -> list[AttendanceRow]:
    """Each member's mark at the regular meeting of each month (one query over the cell's 12 meetings)."""
    from reviews.models import Attendance

    marks: dict[tuple[int, dt.date], str] = {
        (member_id, month): status
        for member_id, month, status in Attendance.objects.filter(
            meeting__cell=cell,
            meeting__kind="regular",
            meeting__status__in=["draft", "finalised"],
            meeting__month__in=months,
            member__in=members,
        ).values_list("member_id", "meeting__month", "status")
    }
    rows = []
    for member in members:
        line = [marks.get((member.pk, m), "") for m in months]
        streak = 0
        for mark in reversed([x for x in line if x]):
            if mark != "excused":
                break
            streak += 1
        rows.append(
            AttendanceRow(
                member, line, line.count("excused"), line.count("unexcused"), streak, streak > streak_max
            )
        )
    return rows


@dataclasses.dataclass(frozen=True)
class CellDashboard:
    cell: Any
    month: dt.date
    due_month: dt.date
    due_on: dt.date
    state: str
    state_label: str
    action: str
    action_url: str
    months: list[dt.date]
    grid: list[AttendanceRow]
    tasks: list[Any]
    open_shortcomings: int
    overdue_shortcomings: int
    round_counts: Any
    pledge_campaign: Any = None  # this year's campaign of the cell's committee, if opened
    pledges: Any = None  # its services.pledges.CellProgress for the cell


def _this_years_campaign(committee_id: int, today: dt.date) -> Any:
    from reviews.models import PledgeCampaign

    return PledgeCampaign.objects.filter(committee_id=committee_id, year=today.year).first()


def cell_dashboard(user: Any, cell: Any, *, today: dt.date | None = None) -> CellDashboard:
    """The secretary's home for one cell. Queries: the month's counts, the due month's meetings, members,
    the 12 months' attendance, open tasks, the shortcomings' counts, the latest round's counts, the rule,
    this year's pledge campaign and (when opened) its expected and signed for the cell."""
    from reviews.models import CellMonth, MeetingTask, Shortcoming
    from reviews.models.reviews import RoundCellCount
    from reviews.models.rules import rules
    from reviews.services import pledges as pledge_services
    from reviews.services.meetings import next_to_start

    today = today or periods.today()
    month = periods.month_start(today)
    row = CellMonth.objects.visible_to(user).filter(cell=cell, month=month).first()
    due_month, _draft = next_to_start(cell, today=today)
    if row is None or row.meeting_id is None:
        state, label, action = "none", _("Not held yet"), _("Start this month's meeting")
        url = reverse("reviews:meeting_start", args=[cell.pk])
    elif row.state == "draft":
        state, label, action = "draft", _("Minutes in draft"), _("Continue the minutes")
        url = reverse("reviews:meeting_edit", args=[row.meeting_id])
    else:
        state, label, action = "finalised", _("Finalised"), _("See the minutes")
        url = reverse("reviews:meeting", args=[row.meeting_id])
    months = [periods.add_months(month, -n) for n in range(11, -1, -1)]
    members = [m for m in cell.members.current(today).order_by("full_name", "pk") if not m.is_exempt(today)]
    streak_max = int(rules("meeting_quality").get("excused_in_a_row_max", 3))
    shortcomings = (
        Shortcoming.objects.visible_to(user)
        .active()
        .filter(cell=cell)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    )
    campaign = _this_years_campaign(cell.committee_id, today)
    return CellDashboard(
        cell=cell,
        month=month,
        due_month=due_month,
        due_on=due_month.replace(day=cell.meeting_day or 1),
        state=state,
        state_label=label,
        action=action,
        action_url=url,
        months=months,
        grid=attendance_grid(cell, members, months, streak_max=streak_max),
        tasks=list(
            MeetingTask.objects.open()
            .filter(meeting__cell=cell)
            .exclude(meeting__status="withdrawn")
            .select_related("assignee", "meeting")
            .order_by("due_on", "pk")
        ),
        open_shortcomings=shortcomings["open"],
        overdue_shortcomings=shortcomings["overdue"],
        round_counts=RoundCellCount.objects.visible_to(user)
        .filter(cell=cell)
        .select_related("round")
        .order_by("-round__year", "-round_id")
        .first(),
        pledge_campaign=campaign,
        pledges=pledge_services.committee_progress(campaign, [cell])[0] if campaign else None,
    )


# --- Reads: the member's home


@dataclasses.dataclass(frozen=True)
class MemberHome:
    member: Any
    tasks: list[Any]
    shortcomings: list[Any]
    minutes: list[Any]  # the cell's finalised minutes, newest first, with their resolution
    months: list[dt.date]
    attendance: AttendanceRow
    pledge_campaign: Any = None  # this year's campaign of my cell's committee, if opened
    my_pledge: Any = None  # my standing pledge in it


MINUTES_SHOWN = 12


def member_home(user: Any, *, today: dt.date | None = None) -> MemberHome | None:
    """My tasks, my shortcomings, my cell's finalised minutes, my attendance row and my pledge this year
    (the campaign, my standing pledge in it): seven queries."""
    from cells.models import Member
    from reviews.models import Meeting, MeetingTask, Shortcoming
    from reviews.models.rules import rules
    from reviews.services import pledges as pledge_services

    today = today or periods.today()
    a = access.for_user(user)
    member = Member.objects.filter(pk=a.member_id).select_related("cell").first() if a.member_id else None
    if member is None:
        return None
    readable = Meeting.objects.readable_by(user).filter(cell_id=member.cell_id)
    months = [periods.add_months(periods.month_start(today), -n) for n in range(11, -1, -1)]
    streak_max = int(rules("meeting_quality").get("excused_in_a_row_max", 3))
    campaign = _this_years_campaign(member.cell.committee_id, today)
    return MemberHome(
        member=member,
        tasks=list(
            MeetingTask.objects.open()
            .filter(assignee=member, meeting__in=readable)
            .select_related("meeting")
            .order_by("due_on", "pk")
        ),
        shortcomings=list(
            Shortcoming.objects.visible_to(user)
            .filter(Q(subject_member=member) | Q(owner=member))
            .order_by("due_on", "pk")
        ),
        minutes=list(readable.filter(status="finalised").order_by("-date", "-pk")[:MINUTES_SHOWN]),
        months=months,
        attendance=attendance_grid(member.cell, [member], months, streak_max=streak_max)[0],
        pledge_campaign=campaign,
        my_pledge=pledge_services.standing_pledge(campaign, member) if campaign else None,
    )


# --- Reads: the cells × months grid, the latest round's ratings, the 12-month trends


@dataclasses.dataclass(frozen=True)
class Trend:
    """One small chart: a value per month, drawn on the server as SVG (title and numbers as text)."""

    title: str
    months: list[dt.date]
    values: list[int | None]  # percentages, None where there is nothing to count
    unit: str = "%"

    # User units; the page never draws the chart narrower than WIDTH px on a 390 px phone, so the
    # 14 px labels are at least 14 px on screen (and larger where the chart is scaled up).
    WIDTH = 330
    HEIGHT = 150
    TOP = 20
    BOTTOM = 22
    FONT = 14

    def bars(self) -> list[dict[str, Any]]:
        """x, y, height and the label of each month's bar (the template draws them)."""
        slot = self.WIDTH / max(len(self.values), 1)
        room = self.HEIGHT - self.TOP - self.BOTTOM
        out = []
        for n, (month, value) in enumerate(zip(self.months, self.values, strict=True)):
            height = round(room * min(value or 0, 100) / 100, 1)
            out.append(
                {
                    "x": round(n * slot + 2, 1),
                    "width": round(slot - 4, 1),
                    "y": round(self.TOP + room - height, 1),
                    "text_y": round(self.TOP + room - height - 3, 1),
                    "height": height,
                    "text_x": round(n * slot + slot / 2, 1),
                    "value": "" if value is None else f"{value}",
                    "month": f"{month.month}",
                    "month_y": self.HEIGHT - 6,
                }
            )
        return out


@dataclasses.dataclass(frozen=True)
class Grid:
    months: list[dt.date]
    page: Any  # the page of cells
    rows: list[tuple[Any, list[Any]]]  # (cell, its CellMonth or None per month)
    trends: list[Trend]
    ratings: list[tuple[str, int]]  # (rating name, reviews decided at it) of the latest round
    round: Any


GRID_CELLS_PER_PAGE = 50


def grid(user: Any, *, page: str | None, today: dt.date | None = None) -> Grid:
    """The cells × months grid (50 cells a page), the trends and the latest round's rating distribution.

    Queries: the cells' count and page, their counts of 12 months, the monthly totals over every cell in
    sight, the latest round, its ratings. The cells' count is exact (Django's paginator, not the bounded one):
    it is the trends' denominator.
    """
    from django.core.paginator import Paginator

    from cells.models import Cell
    from reviews.models import CellMonth, Review, ReviewRound
    from reviews.models.reviews import RatingLevels

    today = today or periods.today()
    this = periods.month_start(today)
    months = [periods.add_months(this, -n) for n in range(11, -1, -1)]
    cells = Cell.objects.visible_to(user).active().order_by("code")
    cell_page = Paginator(cells.only("pk", "code", "name"), GRID_CELLS_PER_PAGE).get_page(page)
    ids = [c.pk for c in cell_page]
    kept = {
        (r.cell_id, r.month): r
        for r in CellMonth.objects.visible_to(user).filter(cell__in=ids, month__in=months)
    }
    rows = [(c, [kept.get((c.pk, m)) for m in months]) for c in cell_page]
    totals = {
        t["month"]: t
        for t in CellMonth.objects.visible_to(user)
        .filter(month__in=months, cell__in=cells.values("pk"))
        .order_by()
        .values("month")
        .annotate(
            finalised=Count("pk", filter=Q(state="finalised")),
            quality=Count("pk", filter=Q(state="finalised", quality_met=True)),
            present=models.Sum("present", filter=Q(state="finalised")),
            expected=models.Sum("expected", filter=Q(state="finalised")),
            attended=Count("pk", filter=Q(overseer_attended=True)),
        )
    }
    count = cell_page.paginator.count

    def share(month: dt.date, part: str, whole: str | None = None) -> int | None:
        t = totals.get(month)
        if t is None:
            return None
        base = t[whole] if whole else count
        return round((t[part] or 0) * 100 / base) if base else None

    trends = [
        Trend(_("Cells with finalised minutes"), months, [share(m, "finalised") for m in months]),
        Trend(
            _("Attendance at finalised meetings"), months, [share(m, "present", "expected") for m in months]
        ),
        Trend(
            _("Meetings meeting the quality criteria"),
            months,
            [share(m, "quality", "finalised") for m in months],
        ),
        Trend(_("Meetings an overseer attended"), months, [share(m, "attended") for m in months]),
    ]
    from reviews.models.reviews import RoundCellCount

    rounds_in_sight = RoundCellCount.objects.visible_to(user).values("round_id")
    latest = ReviewRound.objects.filter(pk__in=rounds_in_sight).order_by("-year", "-pk").first()
    ratings: list[tuple[str, int]] = []
    if latest is not None:
        decided = dict(
            Review.objects.visible_to(user)
            .filter(round=latest, status=Review.Status.DECIDED)
            .order_by()
            .values_list("decided_rating")
            .annotate(n=Count("pk"))
            .values_list("decided_rating", "n")
        )
        ratings = [(name, decided.get(code, 0)) for code, name in RatingLevels.load().choices]
    return Grid(months=months, page=cell_page, rows=rows, trends=trends, ratings=ratings, round=latest)


@dataclasses.dataclass(frozen=True)
class Coverage:
    months: list[dt.date]
    page: Any  # the page of overseers
    rows: list[tuple[Any, list[list[tuple[Any, Any]]]]]  # (overseer, per month: [(cell, its CellMonth)])


def coverage(user: Any, *, page: str | None, today: dt.date | None = None) -> Coverage:
    """Committee member × cell × month for 12 months: assigned, attended, scored (30 overseers a page).

    Queries: the overseers' count (bounded: phuthang/paging.py) and page, their assignments with cells, those
    cells' counts.
    """
    from cells.models import Cell, Member, OversightAssignment
    from phuthang.paging import BoundedPaginator
    from reviews.models import CellMonth

    today = today or periods.today()
    this = periods.month_start(today)
    months = [periods.add_months(this, -n) for n in range(11, -1, -1)]
    assigned = OversightAssignment.objects.visible_to(user).filter(
        month__in=months, cell__in=Cell.objects.visible_to(user).values("pk")
    )
    overseers = Member.objects.filter(pk__in=assigned.values("overseer_id")).order_by("full_name", "pk")
    overseer_page = BoundedPaginator(overseers.only("pk", "full_name"), 30).get_page(page)
    found = list(
        assigned.filter(overseer__in=list(overseer_page)).select_related("cell").order_by("cell__code")
    )
    kept = {
        (r.cell_id, r.month): r
        for r in CellMonth.objects.visible_to(user).filter(
            cell__in={a.cell_id for a in found}, month__in=months
        )
    }
    rows = []
    for overseer in overseer_page:
        mine = [a for a in found if a.overseer_id == overseer.pk]
        rows.append(
            (overseer, [[(a.cell, kept.get((a.cell_id, m))) for a in mine if a.month == m] for m in months])
        )
    return Coverage(months=months, page=overseer_page, rows=rows)
