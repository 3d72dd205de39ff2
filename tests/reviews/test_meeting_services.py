"""The meeting services: counts stay equal to the attendance rows, stale drafts are refused, history is kept."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pghistory
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cells.models import Role
from phuthang.concurrency import OutOfDate
from reviews.models import Attendance, Meeting, MeetingTask, Rule
from reviews.services import meetings as services
from tests.conftest import vi
from tests.factories import make_cell, make_meeting, make_member, make_person

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 3, 1)
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
P, E, U = Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.UNEXCUSED


def assert_counts_equal_rows(meeting: Meeting) -> None:
    meeting.refresh_from_db()
    rows = list(Attendance.objects.filter(meeting=meeting).values_list("status", flat=True))
    assert meeting.expected_count == len(rows)
    assert meeting.present_count == rows.count(P)
    assert meeting.excused_count == rows.count(E)
    assert meeting.unexcused_count == rows.count(U)


def save(meeting: Meeting, marks: dict, **fields) -> Meeting:
    meeting.refresh_from_db()
    return services.save_meeting(
        meeting,
        version=meeting.version,
        by=None,
        changes=services.SheetChanges(
            fields=fields, marks={m.pk: services.Mark(*mark) for m, mark in marks.items()}
        ),
    )


@pytest.fixture
def cell():
    return make_cell()


@pytest.fixture
def people(cell):
    members = [make_member(cell, full_name=f"Thành viên {n:02d}") for n in range(5)]
    make_member(cell, full_name="Cụ Miễn", exempt_since=dt.date(2019, 1, 1))
    make_member(cell, full_name="Đã chuyển đi", left_on=dt.date(2025, 12, 31), left_reason="transferred")
    return members


def test_a_new_meeting_expects_every_current_member_present_and_leaves_out_the_exempt(cell, people):
    meeting = make_meeting(cell, month=MONTH)
    assert (meeting.expected_count, meeting.present_count) == (5, 5)
    names = set(meeting.attendance.values_list("member__full_name", flat=True))
    assert "Cụ Miễn" not in names and "Đã chuyển đi" not in names
    assert_counts_equal_rows(meeting)


def test_counts_equal_rows_after_every_kind_of_edit(cell, people):
    meeting = make_meeting(cell, month=MONTH)
    save(meeting, {people[0]: (E, "Ốm"), people[1]: (U, "")})
    assert_counts_equal_rows(meeting)
    assert (meeting.present_count, meeting.excused_count, meeting.unexcused_count) == (3, 1, 1)

    save(meeting, {people[0]: (P, ""), people[1]: (E, "Đi công tác")})  # switched back and over
    assert_counts_equal_rows(meeting)

    newcomer = make_member(
        cell, full_name="Mới chuyển đến", admitted_on=dt.date(2026, 3, 10), official_on=None
    )
    save(meeting, {}, date=dt.date(2026, 3, 20))  # moved after the newcomer joined: expected now
    assert_counts_equal_rows(meeting)
    assert meeting.attendance.filter(member=newcomer, status=P).exists()

    save(meeting, {}, date=dt.date(2026, 3, 5))  # moved back before: no longer expected
    assert_counts_equal_rows(meeting)
    assert meeting.expected_count == 5

    save(meeting, {}, ended_at=dt.time(10, 0), resolution="Nghị quyết", chair=people[0], recorder=people[1])
    services.finalise_meeting(meeting, by=None)
    assert_counts_equal_rows(meeting)
    meeting.refresh_from_db()
    services.reopen_meeting(meeting, by=None, reason="Sửa tên người vắng", version=meeting.version)
    save(meeting, {people[2]: (U, "")})
    assert_counts_equal_rows(meeting)


def test_a_save_from_a_stale_copy_is_refused_and_changes_nothing(cell, people):
    meeting = make_meeting(cell, month=MONTH)
    first, second = Meeting.objects.get(pk=meeting.pk), Meeting.objects.get(pk=meeting.pk)
    services.save_meeting(
        first,
        version=first.version,
        by=None,
        changes=services.SheetChanges(fields={"resolution": "Của người thứ nhất"}, marks={}),
    )
    with pytest.raises(OutOfDate) as refused:
        services.save_meeting(
            second,
            version=second.version,
            by=None,
            changes=services.SheetChanges(
                fields={"resolution": "Của người thứ hai"}, marks={people[0].pk: services.Mark(U)}
            ),
        )
    assert refused.value.current.resolution == "Của người thứ nhất"
    meeting.refresh_from_db()
    assert meeting.resolution == "Của người thứ nhất"
    assert meeting.unexcused_count == 0


def test_attendance_for_someone_not_in_the_cell_is_refused(cell, people):
    meeting = make_meeting(cell, month=MONTH)
    outsider = make_member(make_cell())
    with pytest.raises(ValidationError):
        save(meeting, {outsider: (U, "")})
    assert not meeting.attendance.filter(member=outsider).exists()


def test_a_second_regular_meeting_in_a_month_is_refused_but_a_thematic_one_is_not(cell, people):
    make_meeting(cell, month=MONTH)
    with pytest.raises(ValidationError):
        make_meeting(cell, month=MONTH, date=dt.date(2026, 3, 20))
    make_meeting(cell, month=MONTH, kind="thematic", topic="Học tập Nghị quyết")
    assert Meeting.objects.filter(cell=cell, month=MONTH).count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ended_at", dt.time(7, 0)),  # before the 08:00 start
        ("date", dt.date(2026, 4, 2)),  # outside March
        ("votes_for", 9),  # more than the 5 present
        ("present_count", 9),  # counts that do not add up
    ],
)
def test_the_database_refuses_an_impossible_meeting(cell, people, field, value):
    meeting = make_meeting(cell, month=MONTH)
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(**{field: value})


def test_the_database_refuses_an_excused_absence_without_a_reason(cell, people):
    meeting = make_meeting(cell, month=MONTH)
    with pytest.raises(IntegrityError), transaction.atomic():
        meeting.attendance.filter(member=people[0]).update(status=E, reason="")


def test_saving_a_forty_member_sheet_runs_as_many_queries_as_a_five_member_one(cell, people):
    small = make_meeting(cell, month=MONTH)
    big_cell = make_cell()
    crowd = [make_member(big_cell) for _ in range(40)]
    big = make_meeting(big_cell, month=MONTH)

    def queries(meeting, members):
        marks = {
            m.pk: services.Mark(E if n % 3 == 0 else U if n % 3 == 1 else P, "Ốm")
            for n, m in enumerate(members)
        }
        meeting.refresh_from_db()
        with CaptureQueriesContext(connection) as captured:
            services.save_meeting(
                meeting,
                version=meeting.version,
                by=None,
                changes=services.SheetChanges(
                    fields={"resolution": "x"},
                    marks=marks,
                    new_tasks=[{"text": "Việc", "assignee_id": None, "due_on": dt.date(2026, 3, 30)}],
                ),
            )
        return len(captured)

    small_count, big_count = queries(small, people), queries(big, crowd)
    # savepoint, lock the meeting, expected members, existing rows, one bulk update of the rows, count
    # the rows, savepoint, update the meeting, release, insert the task, reopen unticked tasks, the
    # dashboard's month (the quality rule, the month's meetings, one upsert, the excused streaks), release
    assert big_count == small_count == 16
    assert_counts_equal_rows(big)


def test_every_version_is_kept_with_who_changed_it_and_the_reason_for_reopening(cell, people, secretary):
    meeting = make_meeting(cell, month=MONTH)
    with pghistory.context(user=secretary.pk):
        save(meeting, {}, ended_at=dt.time(10, 0), resolution="Bản đầu", chair=people[0], recorder=people[0])
        services.finalise_meeting(meeting, by=secretary)
        meeting.refresh_from_db()
        services.reopen_meeting(
            meeting, by=secretary, reason="Bổ sung ý kiến thảo luận", version=meeting.version
        )
        save(meeting, {}, resolution="Bản sửa")
    versions = services.meeting_versions(meeting)
    assert [v.number for v in versions] == [5, 4, 3, 2, 1]
    assert versions[0].by == "Hoàng Văn Thư"  # the person's name, not the login
    assert versions[1].reason == "Bổ sung ý kiến thảo luận"
    assert any(old == "Bản đầu" and new == "Bản sửa" for _label, old, new in versions[0].changed)
    assert meeting.events.filter(resolution="Bản đầu").exists()


def test_finalising_lists_what_is_missing_and_keeps_the_draft(cell, people):
    meeting = make_meeting(cell, month=MONTH)
    with pytest.raises(ValidationError) as missing:
        services.finalise_meeting(meeting, by=None)
    assert len(missing.value.messages) == 3  # resolution, end time, chair and recorder
    meeting.refresh_from_db()
    assert meeting.is_draft


def test_open_tasks_carry_into_later_meetings_until_done(cell, people):
    march = make_meeting(cell, month=MONTH)
    march.refresh_from_db()
    services.save_meeting(
        march,
        version=march.version,
        by=None,
        changes=services.SheetChanges(
            fields={},
            marks={},
            new_tasks=[{"text": "Thu đảng phí", "assignee_id": people[0].pk, "due_on": dt.date(2026, 3, 31)}],
        ),
    )
    april = make_meeting(cell, month=dt.date(2026, 4, 1))
    may = make_meeting(cell, month=dt.date(2026, 5, 1))
    assert [t.text for t in services.carried_tasks(april)] == ["Thu đảng phí"]
    task = MeetingTask.objects.get()
    services.save_meeting(
        april,
        version=april.version,
        by=None,
        changes=services.SheetChanges(fields={}, marks={}, done_task_ids={task.pk}),
    )
    task.refresh_from_db()
    assert (task.done_on, task.done_at) == (april.date, april)
    assert services.carried_tasks(may) == []


def test_quality_indicators_follow_the_rules_staff_edit(cell, people):
    meeting = make_meeting(cell, month=MONTH)
    meeting = save(meeting, {people[0]: (E, "Ốm")}, ended_at=dt.time(9, 30))  # 80% present, 90 minutes
    indicators = services.quality_indicators(meeting, services.meeting_rules())
    assert [i.ok for i in indicators[:4]] == [False, True, True, True]
    Rule.objects.filter(key="meeting_quality.attendance_above").update(value=0.75)
    Rule.objects.filter(key="meeting_quality.min_minutes").update(value=120)
    indicators = services.quality_indicators(meeting, services.meeting_rules())
    assert [i.ok for i in indicators[:4]] == [True, True, True, False]


def test_a_member_excused_more_than_the_allowed_times_in_a_row_is_named(cell, people):
    meetings = [make_meeting(cell, month=dt.date(2026, n, 1)) for n in range(1, 5)]
    for meeting in meetings:
        save(meeting, {people[0]: (E, "Đi làm xa")})
    indicators = services.quality_indicators(meetings[-1], services.meeting_rules())
    streak = indicators[2]
    assert streak.ok is False and people[0].full_name in streak.detail
    assert services.excused_streaks(meetings[2]) == {people[0].full_name: 3}


def test_versions_name_people_and_give_labels_instead_of_ids_and_codes(cell, people):
    meeting = make_meeting(cell, month=MONTH)
    save(
        meeting,
        {},
        kind="thematic",
        topic="Học tập nghị quyết",
        ended_at=dt.time(10, 0),
        chair=people[0],
        recorder=people[1],
        overseer_attended=True,
        resolution="Nghị quyết",
    )
    services.finalise_meeting(meeting, by=None)
    changed = {
        label: (old, new)
        for version in services.meeting_versions(meeting)
        for label, old, new in version.changed
    }
    assert changed[vi("chair")] == (None, "Thành viên 00")
    assert changed[vi("recorder")] == (None, "Thành viên 01")
    assert changed[vi("status")] == (vi("Draft"), vi("Finalised"))
    assert changed[vi("kind")] == (vi("Regular monthly meeting"), vi("Thematic meeting"))
    assert changed[vi("end time")] == (None, "10:00")
    assert changed[vi("the overseer attended")] == (vi("no"), vi("yes"))


def test_versions_run_three_queries_however_many_versions_and_people(
    cell, people, secretary, django_assert_num_queries
):
    few, many = make_meeting(cell, month=MONTH), make_meeting(cell, month=dt.date(2026, 4, 1))
    with pghistory.context(user=secretary.pk):
        save(few, {}, chair=people[0])
        for n in range(8):
            save(many, {}, chair=people[n % 5], recorder=people[(n + 1) % 5], resolution=f"Bản {n}")
    for meeting in (few, many):
        with django_assert_num_queries(3):  # the events with their context, the users, the members named
            services.meeting_versions(meeting)


# --- Withdrawing a draft started by mistake


def withdraw(meeting: Meeting, by=None, reason: str = "Bắt đầu nhầm tháng") -> Meeting:
    meeting.refresh_from_db()
    return services.withdraw_meeting(meeting, by=by, reason=reason, version=meeting.version)


def test_a_withdrawn_draft_is_kept_with_who_when_and_why_and_its_month_is_free_again(cell, people, secretary):
    mistake = make_meeting(cell, month=MONTH)
    withdrawn = withdraw(mistake, by=secretary, reason="  Bắt đầu nhầm tháng ")
    assert withdrawn.is_withdrawn and withdrawn.withdrawn_by == secretary
    assert withdrawn.withdraw_reason == "Bắt đầu nhầm tháng" and withdrawn.withdrawn_at is not None
    assert Meeting.objects.filter(pk=mistake.pk).exists()  # never deleted
    again = make_meeting(cell, month=MONTH)
    assert list(Meeting.objects.standing().filter(cell=cell, month=MONTH)) == [again]
    with pytest.raises(ValidationError):  # still one standing regular meeting a month
        make_meeting(cell, month=MONTH)


def test_only_a_draft_never_finalised_can_be_withdrawn_and_only_from_the_current_version(cell, people):
    meeting = save(make_meeting(cell, month=MONTH), {}, ended_at=dt.time(10, 0), resolution="Nghị quyết")
    meeting = save(meeting, {}, chair=people[0], recorder=people[0])
    with pytest.raises(OutOfDate):
        services.withdraw_meeting(meeting, by=None, reason="Nhầm", version=meeting.version - 1)
    services.finalise_meeting(meeting, by=None)
    with pytest.raises(OutOfDate):
        withdraw(meeting)
    meeting.refresh_from_db()
    services.reopen_meeting(meeting, by=None, reason="Bổ sung ý kiến", version=meeting.version)
    with pytest.raises(OutOfDate):  # once the record, it is reopened and corrected instead
        withdraw(meeting)
    meeting.refresh_from_db()
    assert meeting.is_draft


def test_a_withdrawn_meeting_is_read_only(cell, people):
    meeting = withdraw(make_meeting(cell, month=MONTH))
    with pytest.raises(OutOfDate):
        services.save_meeting(
            meeting,
            version=meeting.version,
            by=None,
            changes=services.SheetChanges(fields={"resolution": "x"}, marks={}),
        )
    with pytest.raises(OutOfDate):
        services.finalise_meeting(meeting, by=None)
    with pytest.raises(OutOfDate):
        services.reopen_meeting(meeting, by=None, reason="Mở lại", version=meeting.version)
    with pytest.raises(OutOfDate):
        withdraw(meeting)
    meeting.refresh_from_db()
    assert meeting.is_withdrawn and meeting.resolution == ""


def test_the_database_refuses_a_withdrawn_meeting_without_a_reason(cell, people):
    meeting = make_meeting(cell, month=MONTH)
    with pytest.raises(IntegrityError, match="withdrawn_meeting_has_reason"), transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(status="withdrawn")


def test_a_withdrawn_meeting_counts_for_nothing_later_meetings_read(cell, people):
    march = save(make_meeting(cell, month=MONTH), {people[0]: (E, "Ốm")})
    march = services.save_meeting(
        march,
        version=march.version,
        by=None,
        changes=services.SheetChanges(
            fields={},
            marks={},
            new_tasks=[{"text": "Việc ghi nhầm", "assignee_id": None, "due_on": dt.date(2026, 3, 31)}],
        ),
    )
    february = make_meeting(cell, month=dt.date(2026, 2, 1))
    february = services.save_meeting(
        february,
        version=february.version,
        by=None,
        changes=services.SheetChanges(
            fields={},
            marks={},
            new_tasks=[{"text": "Thu đảng phí", "assignee_id": None, "due_on": dt.date(2026, 2, 28)}],
        ),
    )
    fee = MeetingTask.objects.get(text="Thu đảng phí")
    march.refresh_from_db()
    services.save_meeting(
        march,
        version=march.version,
        by=None,
        changes=services.SheetChanges(fields={}, marks={}, done_task_ids={fee.pk}),
    )
    withdraw(march)
    april = save(make_meeting(cell, month=dt.date(2026, 4, 1)), {people[0]: (E, "Ốm")})
    fee.refresh_from_db()
    assert (fee.done_on, fee.done_at) == (None, None)  # marked done at a meeting that did not take place
    assert [t.text for t in services.carried_tasks(april)] == ["Thu đảng phí"]  # not the withdrawn one's
    assert services.excused_streaks(april) == {people[0].full_name: 1}  # March's absence does not count


@pytest.mark.usefixtures("after_this_months_meeting")
def test_the_versions_name_who_saved_and_who_reopened_even_outside_a_request(ward, secretary):
    deputy = make_person(ward.cell01, Role.CELL_DEPUTY, username="phobithu", full_name="Trần Thị Phó")
    meeting = make_meeting(ward.cell01, chair=secretary.member, recorder=secretary.member)
    services.save_meeting(
        meeting,
        version=meeting.version,
        by=secretary,
        changes=services.SheetChanges(
            fields={"ended_at": dt.time(10, 0), "resolution": "Nghị quyết"}, marks={}
        ),
    )
    services.finalise_meeting(meeting, by=secretary)
    meeting.refresh_from_db()
    services.reopen_meeting(meeting, by=deputy, reason="Bổ sung ý kiến", version=meeting.version)
    reopened, _finalised, saved, _started = services.meeting_versions(meeting)
    assert (saved.by, reopened.by, reopened.reason) == ("Hoàng Văn Thư", "Trần Thị Phó", "Bổ sung ý kiến")


def test_a_draft_may_be_prepared_ahead_but_attendance_votes_and_finalising_wait_for_the_meeting(cell, people):
    a, b = people[0], people[1]
    with time_machine.travel(dt.datetime(2026, 12, 2, 20, 0, tzinfo=VIETNAM), tick=False):
        meeting = make_meeting(cell, month=dt.date(2027, 1, 1), date=dt.date(2027, 1, 5))
        save(meeting, {}, resolution="Dự thảo nghị quyết", ended_at=dt.time(10, 0))  # a draft ahead: fine
        with pytest.raises(ValidationError) as absent:
            save(meeting, {a: (E, "Ốm")})
        assert absent.value.messages == [
            vi("Attendance is taken at the meeting: it begins at %(when)s.") % {"when": "08:00 05/01/2027"}
        ]
        with pytest.raises(ValidationError) as voted:
            save(meeting, {}, votes_for=3)
        assert "votes_for" in voted.value.message_dict
        meeting.refresh_from_db()
        with pytest.raises(ValidationError) as early:
            services.finalise_meeting(meeting, by=None)
        assert early.value.messages[0] == vi(
            "The meeting has not begun yet (%(when)s): the minutes are finalised once it is held."
        ) % {"when": "08:00 05/01/2027"}
        meeting.refresh_from_db()
        assert (meeting.status, meeting.excused_count, meeting.votes_for) == ("draft", 0, None)
    # the meeting's own day, from its start time (08:00 in Hà Nội), in Vietnam time
    with (
        time_machine.travel(dt.datetime(2027, 1, 5, 7, 59, tzinfo=VIETNAM), tick=False),
        pytest.raises(ValidationError),
    ):
        save(meeting, {b: (U, "")})
    with time_machine.travel(dt.datetime(2027, 1, 5, 8, 0, tzinfo=VIETNAM), tick=False):
        save(meeting, {a: (E, "Ốm"), b: (U, "")}, votes_for=1, chair=a, recorder=a)
        meeting.refresh_from_db()
        assert services.finalise_meeting(meeting, by=None).status == "finalised"


def test_the_next_regular_meeting_skips_every_month_already_finalised(cell):
    regular = {
        dt.date(2026, 12, 1): Meeting(status=Meeting.Status.FINALISED),
        dt.date(2027, 1, 1): Meeting(status=Meeting.Status.FINALISED),
        dt.date(2027, 2, 1): Meeting(status=Meeting.Status.DRAFT),
    }
    cell.meeting_day = 5
    assert services.next_due(cell, regular, today=dt.date(2026, 12, 2)) == dt.date(2027, 2, 5)
