"""The monthly counts the dashboards read (`CellMonth`), kept in step with the meetings they count.

`refresh(cell_id, month)` is called by every meeting service that changes a meeting, inside its
transaction; `recount_all()` (the `recount_dashboard` command, the migration and the demo) rebuilds every
row from the meetings. Both go through `month_row`, so the kept counts and a recount are one definition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from phuthang import periods

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
    key, group = None, []
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
