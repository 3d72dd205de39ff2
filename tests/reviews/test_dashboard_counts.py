"""The dashboards' monthly counts (CellMonth) equal a recount from the meetings after every kind of change."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from reviews.models import Attendance, CellMonth, Meeting, MeetingAssessment
from reviews.services import meetings as services
from tests.factories import make_cell, make_meeting, make_member

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 3, 1)
P, E, U = Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.UNEXCUSED


def _kept() -> dict[tuple[int, dt.date], dict]:
    """The rows the services kept, without the empty ones (a month whose meeting went away)."""
    rows = CellMonth.objects.values(
        "cell_id", "month", "meeting_id", "state", "late", "expected", "present", "excused", "unexcused",
        "quality_met", "thematic", "overseer_attended", "scored", "verdict",
    )  # fmt: skip
    kept = {(r.pop("cell_id"), r.pop("month")): r for r in rows}
    return {k: r for k, r in kept.items() if r["state"] != "none" or r["thematic"]}


def _recount() -> dict[tuple[int, dt.date], dict]:
    """Straight from the meetings and their own properties, not through the dashboard's code."""
    found: dict[tuple[int, dt.date], dict] = {}
    for m in Meeting.objects.standing().select_related("assessment").order_by("pk"):
        row = found.setdefault(
            (m.cell_id, m.month),
            {"meeting_id": None, "state": "none", "late": False, "expected": 0, "present": 0, "excused": 0,
             "unexcused": 0, "quality_met": False, "thematic": 0, "overseer_attended": False, "scored": False,
             "verdict": ""},
        )  # fmt: skip
        if m.kind == Meeting.Kind.THEMATIC and m.status == Meeting.Status.FINALISED:
            row["thematic"] += 1
        if m.kind != Meeting.Kind.REGULAR:
            continue
        assessment = getattr(m, "assessment", None)
        finalised = m.status == Meeting.Status.FINALISED
        row.update(
            meeting_id=m.pk,
            state=m.status,
            late=m.is_late,
            expected=m.expected_count,
            present=m.present_count,
            excused=m.excused_count,
            unexcused=m.unexcused_count,
            quality_met=finalised
            and (m.attendance_share or 0) > 0.85
            and m.unexcused_count == 0
            and (m.duration_minutes or 0) >= 90,
            overseer_attended=m.overseer_attended,
            scored=assessment is not None,
            verdict=assessment.verdict if assessment else "",
        )
    return {k: r for k, r in found.items() if r["state"] != "none" or r["thematic"]}


def _save(meeting: Meeting, marks: dict | None = None, **fields) -> Meeting:
    meeting.refresh_from_db()
    return services.save_meeting(
        meeting,
        version=meeting.version,
        by=None,
        changes=services.SheetChanges(
            fields=fields, marks={m.pk: services.Mark(*mark) for m, mark in (marks or {}).items()}
        ),
    )


@pytest.fixture
def cell():
    return make_cell()


@pytest.fixture
def people(cell):
    return [make_member(cell, full_name=f"Thành viên {n:02d}") for n in range(8)]


def test_the_counts_equal_a_recount_after_every_kind_of_change(cell, people):
    meeting = make_meeting(cell, month=MONTH)
    assert _kept() == _recount()
    assert _kept()[(cell.pk, MONTH)]["state"] == "draft"

    _save(meeting, {people[0]: (E, "Ốm"), people[1]: (U, "")})
    assert _kept() == _recount()
    assert _kept()[(cell.pk, MONTH)]["unexcused"] == 1

    _save(meeting, {people[1]: (P, "")}, ended_at=dt.time(10, 0), resolution="Nghị quyết")
    _save(meeting, chair=people[0], recorder=people[2])
    services.finalise_meeting(meeting, by=None)  # finalised in December: late for March
    assert _kept() == _recount()
    row = _kept()[(cell.pk, MONTH)]
    assert (row["state"], row["late"], row["present"], row["expected"], row["quality_met"]) == (
        "finalised", True, 7, 8, True,
    )  # fmt: skip

    meeting.refresh_from_db()
    services.assess_meeting(
        meeting, overseer=people[3], version=0, attended=True, attendance_ok=True, content_ok=True,
        discussion_ok=True, resolution_ok=True, length_ok=True, verdict=MeetingAssessment.Verdict.MEETS,
    )  # fmt: skip
    assert _kept() == _recount()
    assert _kept()[(cell.pk, MONTH)]["overseer_attended"] and _kept()[(cell.pk, MONTH)]["scored"]

    meeting.refresh_from_db()
    services.reopen_meeting(meeting, by=None, reason="Sửa", version=meeting.version)
    assert _kept() == _recount()
    assert _kept()[(cell.pk, MONTH)]["state"] == "draft"

    _save(meeting, date=dt.date(2026, 4, 5))  # moved to April: March is empty again
    assert _kept() == _recount()
    assert (cell.pk, MONTH) not in _kept() and (cell.pk, dt.date(2026, 4, 1)) in _kept()

    thematic = make_meeting(cell, month=MONTH, kind="thematic", topic="Học tập nghị quyết")
    _save(thematic, ended_at=dt.time(10, 0), resolution="Kết luận", chair=people[0], recorder=people[2])
    services.finalise_meeting(thematic, by=None)
    assert _kept() == _recount()
    assert _kept()[(cell.pk, MONTH)]["thematic"] == 1

    second = make_meeting(cell, month=dt.date(2026, 5, 1))
    second.refresh_from_db()
    services.withdraw_meeting(second, by=None, reason="Tạo nhầm", version=second.version)
    assert _kept() == _recount()
    assert (cell.pk, dt.date(2026, 5, 1)) not in _kept()


def test_a_refused_save_leaves_the_counts_as_they_were(cell, people):
    meeting = make_meeting(cell, month=MONTH)
    before = _kept()
    with pytest.raises(services.OutOfDate):
        services.save_meeting(
            meeting,
            version=meeting.version + 5,
            by=None,
            changes=services.SheetChanges(marks={people[0].pk: services.Mark(U)}),
        )
    assert _kept() == before


def test_the_command_rebuilds_the_counts_from_the_meetings(cell, people):
    meeting = make_meeting(cell, month=MONTH)
    _save(meeting, {people[0]: (U, "")})
    CellMonth.objects.update(present=0, state="none")  # as after a restore from an older dump
    out = StringIO()
    call_command("recount_dashboard", stdout=out)
    assert _kept() == _recount()
    assert _kept()[(cell.pk, MONTH)]["present"] == 7
    assert "1" in out.getvalue()


def _recounted_streaks(cell) -> dict[dt.date, int]:
    """Each regular meeting's month → the members excused at it and at the 3 before it (the rule's 3 + 1),
    straight from the attendance rows, month by month."""
    meetings = list(Meeting.objects.standing().filter(cell=cell, kind=Meeting.Kind.REGULAR).order_by("month"))
    excused = {m.pk: set(m.attendance.filter(status=E).values_list("member_id", flat=True)) for m in meetings}
    found = {}
    for i, m in enumerate(meetings):
        last = meetings[max(0, i - 3) : i + 1]
        found[m.month] = len(set.intersection(*(excused[x.pk] for x in last))) if len(last) == 4 else 0
    return found


def _kept_streaks(cell) -> dict[dt.date, int]:
    return dict(
        CellMonth.objects.filter(cell=cell).exclude(meeting=None).values_list("month", "long_streaks")
    )


def test_the_kept_excused_streaks_follow_an_edit_of_an_earlier_month(cell, people):
    months = [dt.date(2026, m, 1) for m in (1, 2, 4, 5, 6)]  # no meeting in March: skipped
    meetings = [make_meeting(cell, month=m) for m in months]
    for meeting in meetings[:4]:
        _save(meeting, {people[0]: (E, "Ốm"), people[1]: (E, "Công tác")})
    assert _kept_streaks(cell) == _recounted_streaks(cell)
    assert _kept_streaks(cell)[dt.date(2026, 5, 1)] == 2  # January to May, March skipped

    _save(meetings[1], {people[1]: (P, "")})  # February corrected: people[1] was there
    assert _kept_streaks(cell) == _recounted_streaks(cell)
    assert _kept_streaks(cell)[dt.date(2026, 5, 1)] == 1

    _save(meetings[4], {people[0]: (E, "Ốm")})  # June: the run goes on from February
    assert _kept_streaks(cell) == _recounted_streaks(cell)
    assert _kept_streaks(cell)[dt.date(2026, 6, 1)] == 1

    meetings[0].refresh_from_db()
    services.withdraw_meeting(meetings[0], by=None, reason="Tạo nhầm", version=meetings[0].version)
    assert _kept_streaks(cell) == _recounted_streaks(cell)
    assert _kept_streaks(cell)[dt.date(2026, 5, 1)] == 0  # three meetings left up to May

    CellMonth.objects.update(long_streaks=0)  # as after a restore from an older dump
    call_command("recount_dashboard", stdout=StringIO())
    assert _kept_streaks(cell) == _recounted_streaks(cell)
    assert _kept_streaks(cell)[dt.date(2026, 6, 1)] == 1
