"""The monthly counts the dashboards read (`CellMonth`), kept in step with the meetings they count.

`refresh(cell_id, month)` is called by every meeting service that changes a meeting, inside its
transaction; `recount_all()` (the `recount_dashboard` command, the migration and the demo) rebuilds every
row from the meetings. Both go through `month_row`, so the kept counts and a recount are one definition.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import models, transaction
from django.db.models import Count, Q
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
    """Recompute the cell's rows for these months from its meetings: two queries, and one write."""
    from reviews.models import CellMonth, Meeting
    from reviews.models.rules import rules

    wanted = sorted({periods.month_start(m) for m in months})
    rule = rules("meeting_quality")
    found = dict(_meeting_rows(Meeting.objects.filter(cell_id=cell_id, month__in=wanted)))
    _write(
        CellMonth,
        [CellMonth(cell_id=cell_id, month=m, **month_row(found.get((cell_id, m), []), rule)) for m in wanted],
    )


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
    return written + len(batch)


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


@dataclasses.dataclass(frozen=True)
class NeedsHelp:
    cell: Any
    reasons: list[str]
    weight: int


@dataclasses.dataclass(frozen=True)
class Glance:
    month: dt.date
    cells: int
    figures: list[Figure]
    needing_help: list[NeedsHelp]  # the first NEEDING_HELP_SHOWN, ranked
    needing_help_total: int = 0


# A province has thousands of cells needing help: the home shows the worst, the grid lists every cell.
NEEDING_HELP_SHOWN = 20


def committee_glance(user: Any, month: dt.date, *, today: dt.date | None = None) -> Glance:
    """This month at a glance for everything in the user's sight, and the cells needing help, ranked.

    Queries whatever the number of cells: the cells, their counts for the month and the two before,
    the month's assignments, the shortcomings grouped by cell, the quality rule, the year's pledge campaigns
    of the cells' committees, and for each campaign its expected and signed per cell (the pledge services'
    `committee_progress`: two grouped queries per committee in sight, one committee for a ward).
    """
    from cells.models import Cell, OversightAssignment
    from reviews.models import CellMonth, PledgeCampaign, Shortcoming
    from reviews.models.rules import rules
    from reviews.services import pledges as pledge_services

    today = today or periods.today()
    cells = list(
        Cell.objects.visible_to(user)
        .active()
        .order_by("code")
        .only("pk", "code", "name", "meeting_day", "committee_id", "active")
    )
    ids = [c.pk for c in cells]
    rule = rules("meeting_quality")
    streak_max = int(rule.get("excused_in_a_row_max", 3))
    # three months for the reasons, and enough before to find each cell's latest meetings for the streaks
    window = [periods.add_months(month, -n) for n in range(max(2, streak_max + 2), -1, -1)]
    rows = {
        (r.cell_id, r.month): r
        for r in CellMonth.objects.visible_to(user).filter(cell__in=ids, month__in=window)
    }
    assigned = set(
        OversightAssignment.objects.visible_to(user)
        .filter(cell__in=ids, month=month)
        .values_list("cell_id", flat=True)
    )
    shortcomings = {
        s["cell_id"]: s
        for s in Shortcoming.objects.visible_to(user)
        .active()
        .filter(cell__in=ids)
        .order_by()
        .values("cell_id")
        .annotate(open_count=Count("pk"), overdue_count=Count("pk", filter=Q(due_on__lt=today)))
    }
    above = float(rule.get("attendance_above", 0.85))
    streaks = _long_excused_streaks(cells, window, rows, streak_max)
    campaigns = list(
        PledgeCampaign.objects.visible_to(user)
        .filter(year=month.year, committee__in={c.committee_id for c in cells})
        .order_by("committee_id")
    )
    pledged: dict[int, tuple[Any, Any]] = {}  # cell id → (its campaign, its CellProgress)
    for campaign in campaigns:
        mine = [c for c in cells if c.committee_id == campaign.committee_id]
        for progress in pledge_services.committee_progress(campaign, mine):
            pledged[progress.cell.pk] = (campaign, progress)
    this = [rows.get((c.pk, month)) for c in cells]
    finalised = [r for r in this if r is not None and r.state == "finalised"]
    expected, present = sum(r.expected for r in finalised), sum(r.present for r in finalised)
    grid = reverse("reviews:dashboard_grid")
    board = reverse("reviews:board")
    figures = [
        Figure(
            _("Minutes finalised"),
            len(finalised),
            len(cells),
            grid,
            ngettext("%(n)d finalised late", "%(n)d finalised late", late) % {"n": late}
            if (late := sum(r.late for r in finalised))
            else "",
        ),
        Figure(_("Attendance at the finalised meetings"), present, expected, grid),
        Figure(
            _("Meetings meeting the quality criteria (HD 12)"),
            sum(r.quality_met for r in finalised),
            len(finalised),
            grid,
        ),
        Figure(
            _("Overseers who attended"),
            sum(
                1 for c, r in zip(cells, this, strict=True) if c.pk in assigned and r and r.overseer_attended
            ),
            len(assigned),
            reverse("reviews:dashboard_oversight"),
        ),
        Figure(
            _("Overseers who scored their cells"),
            sum(1 for c, r in zip(cells, this, strict=True) if c.pk in assigned and r and r.scored),
            len(assigned),
            reverse("reviews:dashboard_oversight"),
        ),
        Figure(_("Open shortcomings"), sum(s["open_count"] for s in shortcomings.values()), None, board),
        Figure(
            _("Overdue shortcomings"),
            sum(s["overdue_count"] for s in shortcomings.values()),
            None,
            board + "?timeliness=overdue",
        ),
        _pledge_figure(month.year, campaigns, [p for _c, p in pledged.values()]),
    ]
    helped = []
    for cell in cells:
        campaign, progress = pledged.get(cell.pk, (None, None))
        unsigned = progress.unsigned if progress and campaign.is_overdue(today) else 0
        reasons, weight = _reasons(
            cell,
            month,
            rows,
            shortcomings.get(cell.pk),
            above=above,
            today=today,
            unsigned=unsigned,
            streaks=(streaks.get(cell.pk, 0), streak_max),
        )
        if reasons:
            helped.append(NeedsHelp(cell, reasons, weight))
    helped.sort(key=lambda h: (-h.weight, h.cell.code))
    return Glance(
        month=month,
        cells=len(cells),
        figures=figures,
        needing_help=helped[:NEEDING_HELP_SHOWN],
        needing_help_total=len(helped),
    )


def _long_excused_streaks(
    cells: list[Any], window: list[dt.date], rows: dict[tuple[int, dt.date], Any], streak_max: int
) -> dict[int, int]:
    """Cell id → how many members were excused at each of the cell's latest `streak_max + 1` regular
    meetings within the window (a streak over the rule's maximum, docs/dashboards.md).

    The monthly counts say which cells can have one (an excused absence at each of those meetings); only
    their excused rows are read, in one grouped query (none when no cell can).
    """
    from reviews.models import Attendance

    need = streak_max + 1
    candidates: dict[int, int] = {}  # meeting id → cell id
    for cell in cells:
        held = [r for m in reversed(window) if (r := rows.get((cell.pk, m))) is not None and r.meeting_id]
        latest = held[:need]
        if len(latest) == need and all(r.excused for r in latest):
            candidates.update({r.meeting_id: cell.pk for r in latest})
    if not candidates:
        return {}
    found: dict[int, int] = {}
    for row in (
        Attendance.objects.filter(meeting_id__in=list(candidates), status="excused")
        .order_by()
        .values("member_id", "meeting__cell_id")
        .annotate(n=Count("pk"))
        .filter(n=need)
    ):
        found[row["meeting__cell_id"]] = found.get(row["meeting__cell_id"], 0) + 1
    return found


def _pledge_figure(year: int, campaigns: list[Any], progress: list[Any]) -> Figure:
    """Pledges signed / expected in the year's campaign (the committee's page; the list if several)."""
    label = _("Pledges signed (%(year)d)") % {"year": year}
    if not campaigns:
        return Figure(label, 0, None, reverse("reviews:pledges"), _("No pledge campaign opened this year"))
    url = campaigns[0].get_absolute_url() if len(campaigns) == 1 else reverse("reviews:pledges")
    return Figure(label, sum(p.signed for p in progress), sum(p.expected for p in progress), url)


def _reasons(
    cell: Any,
    month: dt.date,
    rows: dict[tuple[int, dt.date], Any],
    shortcomings: dict[str, int] | None,
    *,
    above: float,
    today: dt.date,
    unsigned: int = 0,
    streaks: tuple[int, int] = (0, 3),
) -> tuple[list[str], int]:
    """Why a cell needs help this month, in words, and how much (the ranking's weight)."""
    reasons: list[tuple[int, str]] = []
    row = rows.get((cell.pk, month))
    month_over = periods.add_months(month, 1) <= today
    due = month.replace(day=cell.meeting_day or 1)
    if row is None or row.state == "none":
        if month_over or today > due:
            reasons.append((3, _("No minutes for the month")))
    elif row.state == "draft":
        if month_over:
            reasons.append((3, _("Minutes still a draft after the month ended")))
        elif today > due:
            reasons.append((1, _("Minutes not finalised yet")))
    else:
        if row.late:
            reasons.append((1, _("Minutes finalised late")))
        share = row.present / row.expected if row.expected else None
        if share is not None and share <= above:
            reasons.append(
                (2, _("Attendance %(share)d%%, below the rule's %(rule)d%%")
                 % {"share": round(share * 100), "rule": round(above * 100)})
            )  # fmt: skip
        if not row.quality_met:
            reasons.append((2, _("The meeting did not meet the quality criteria")))
    if shortcomings and shortcomings["overdue_count"]:
        n = shortcomings["overdue_count"]
        reasons.append((2, ngettext("%(n)d overdue shortcoming", "%(n)d overdue shortcomings", n) % {"n": n}))
    window = [periods.add_months(month, -n) for n in range(3)]
    if not any((r := rows.get((cell.pk, m))) is not None and r.overseer_attended for m in window):
        reasons.append((1, _("No overseer at a meeting for 3 months")))
    if streaks[0]:
        n, most = streaks
        reasons.append(
            (2, ngettext("%(n)d member excused more than %(max)d times in a row",
                         "%(n)d members excused more than %(max)d times in a row", n) % {"n": n, "max": most})
        )  # fmt: skip
    if unsigned:
        reasons.append(
            (1, ngettext("%(n)d pledge unsigned after the due date", "%(n)d pledges unsigned after the due date",
                         unsigned) % {"n": unsigned})
        )  # fmt: skip
    return [text for _weight, text in reasons], sum(weight for weight, _text in reasons)


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
    sight, the latest round, its ratings.
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

    Queries: the overseers' count and page, their assignments with cells, those cells' counts.
    """
    from django.core.paginator import Paginator

    from cells.models import Cell, Member, OversightAssignment
    from reviews.models import CellMonth

    today = today or periods.today()
    this = periods.month_start(today)
    months = [periods.add_months(this, -n) for n in range(11, -1, -1)]
    assigned = OversightAssignment.objects.visible_to(user).filter(
        month__in=months, cell__in=Cell.objects.visible_to(user).values("pk")
    )
    overseers = Member.objects.filter(pk__in=assigned.values("overseer_id")).order_by("full_name", "pk")
    overseer_page = Paginator(overseers.only("pk", "full_name"), 30).get_page(page)
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
