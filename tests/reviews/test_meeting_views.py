"""The meeting pages as each role uses them: bad input is refused on the field, stale saves are refused,
finalised minutes are read-only, each role sees what it may, and every page runs a bounded number of queries.
"""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from django.contrib.auth import get_user_model
from django.utils.html import escape

from cells.models import Role
from phuthang import periods
from reviews.models import Attendance, Meeting, MeetingTask
from tests.conftest import once, vi
from tests.factories import make_assignment, make_cell, make_cells, make_meeting, make_member, make_person

# attendance and votes wait for the meeting: every test here runs after the day-5 meeting
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_this_months_meeting")]

User = get_user_model()


@pytest.fixture
def meeting(ward, secretary):
    """This month's draft of cell01, on day 5 at 08:00; everyone expected is present."""
    return make_meeting(ward.cell01, chair=secretary.member, recorder=secretary.member)


def sheet(meeting: Meeting, **overrides) -> dict:
    """A valid POST of the meeting sheet as the page would send it, with overrides."""
    meeting.refresh_from_db()
    data = {
        "version": meeting.version,
        "kind": meeting.kind,
        "topic": meeting.topic,
        "date": meeting.date.isoformat(),
        "started_at": "08:00",
        "ended_at": "10:00",
        "place": meeting.place,
        "chair": meeting.chair_id or "",
        "recorder": meeting.recorder_id or "",
        "guests": "",
        "situation": "Tình hình thời sự trong tháng",
        "last_resolution_review": "",
        "discussion": "",
        "resolution": "",
        "votes_for": "",
        "votes_against": "",
    }
    for row in meeting.attendance.all():
        data[f"att_{row.member_id}"] = row.status
        data[f"reason_{row.member_id}"] = row.reason
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_url(meeting: Meeting) -> str:
    return f"/meetings/{meeting.pk}/edit/"


# --- Starting a meeting


def test_secretary_starts_this_months_meeting_with_everyone_expected_present(client, ward, secretary):
    client.force_login(secretary)
    today = dt.date.today()
    response = client.post(
        f"/meetings/cell/{ward.cell01.pk}/new/",
        once(
            {
                "month_text": f"{today:%Y-%m}",
                "kind": "regular",
                "date": today.isoformat(),
                "started_at": "08:00",
            }
        ),
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == f"/meetings/{meeting.pk}/edit/"
    # Chính, Dự and the secretary; Lê Văn Miễn is exempt and not counted
    assert (meeting.expected_count, meeting.present_count) == (3, 3)
    page = client.get(response["Location"]).content.decode()
    assert "Lê Văn Miễn" in page and 'data-total="expected">3<' in page


@pytest.mark.parametrize(
    ("changes", "field", "message", "values"),
    [
        ({"ended_at": "07:00"}, "ended_at", "The meeting must end after it starts.", {}),
        (
            {"date": "2026-01-15", "month_text": "2026-02"},
            "date",
            "The date must fall within the meeting's month (%(month)s).",
            {"month": "02/2026"},
        ),
        ({"kind": "thematic", "topic": ""}, "topic", "A thematic meeting needs its topic.", {}),
        (
            {"chair": "999999"},
            "chair",
            "Select a valid choice. That choice is not one of the available choices.",  # Django's own
            {},
        ),
        ({"month_text": "tháng sau"}, "month_text", "Choose a month, for example 11/2026.", {}),
    ],
)
def test_starting_with_bad_input_shows_the_problem_on_the_field_and_saves_nothing(
    client, ward, secretary, changes, field, message, values
):
    client.force_login(secretary)
    data = {"month_text": "2026-01", "kind": "regular", "date": "2026-01-15", "started_at": "08:00"}
    response = client.post(f"/meetings/cell/{ward.cell01.pk}/new/", once({**data, **changes}))
    assert response.status_code == 200
    assert vi(message, **values) in [str(e) for e in response.context["form"].errors[field]]
    assert not Meeting.objects.exists()


def test_a_second_regular_meeting_for_a_month_is_refused_on_the_kind(client, ward, secretary, meeting):
    client.force_login(secretary)
    response = client.post(
        f"/meetings/cell/{ward.cell01.pk}/new/",
        once(
            {
                "month_text": f"{meeting.month:%Y-%m}",
                "kind": "regular",
                "date": meeting.date.isoformat(),
                "started_at": "14:00",
            }
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["kind"] == [
        vi("This cell already has a regular meeting for %(month)s.", month=f"{meeting.month:%m/%Y}")
    ]
    assert Meeting.objects.count() == 1


# --- The sheet


def test_saving_the_sheet_records_absences_tasks_and_counts(client, ward, secretary, meeting):
    chinh, du = ward.members01[0], ward.members01[1]
    client.force_login(secretary)
    response = client.post(
        edit_url(meeting),
        sheet(
            meeting,
            **{f"att_{chinh.pk}": "excused", f"reason_{chinh.pk}": "Ốm", f"att_{du.pk}": "unexcused"},
            resolution="Tập trung thu đảng phí",
            votes_for="1",
            task_text_0="Thu đảng phí quý IV",
            task_assignee_0=str(du.pk),
            task_due_0=(meeting.date + dt.timedelta(days=10)).isoformat(),
        ),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.present_count, meeting.excused_count, meeting.unexcused_count, meeting.version) == (
        1,
        1,
        1,
        2,
    )
    assert meeting.attendance.get(member=chinh).reason == "Ốm"
    assert MeetingTask.objects.get().assignee == du


BAD_SHEETS = [
    # (what, overrides built from the ward, the field that carries the message)
    ("end before start", lambda w: {"ended_at": "07:30"}, "ended_at"),
    ("date outside the month", lambda w: {"date": "1999-01-01"}, "date"),
    (
        "reason missing on an excused absence",
        lambda w: {f"att_{w.members01[0].pk}": "excused"},
        "reason_MEMBER",
    ),
    ("votes larger than those present", lambda w: {"votes_for": "3", "votes_against": "1"}, "votes_for"),
    (
        "a task due before the meeting",
        lambda w: {"task_text_0": "Việc", "task_due_0": "2000-01-01"},
        "task_due_0",
    ),
    ("a tampered chair id", lambda w: {"chair": str(w.members02[0].pk)}, "chair"),
    ("a tampered attendance status", lambda w: {f"att_{w.members01[0].pk}": "asleep"}, "att_MEMBER"),
]


@pytest.mark.parametrize(("what", "overrides", "field"), BAD_SHEETS, ids=[b[0] for b in BAD_SHEETS])
def test_a_bad_sheet_shows_the_problem_on_the_field_and_saves_nothing(
    client, ward, secretary, meeting, what, overrides, field
):
    client.force_login(secretary)
    response = client.post(edit_url(meeting), sheet(meeting, resolution="Không được lưu", **overrides(ward)))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field.replace("MEMBER", str(ward.members01[0].pk)) in errors, errors
    meeting.refresh_from_db()
    assert (meeting.version, meeting.resolution, meeting.present_count) == (1, "", 3)
    assert not MeetingTask.objects.exists()


@pytest.mark.parametrize(
    "tampered",
    [
        lambda w: {f"att_{w.members02[0].pk}": "unexcused"},  # someone of another cell
        lambda w: {f"att_{w.members01[2].pk}": "unexcused"},  # the exempt member, not expected
        lambda w: {"done_999999": "on"},  # a task that is not open in this cell
    ],
)
def test_tampered_member_or_task_ids_are_refused_and_nothing_is_saved(
    client, ward, secretary, meeting, tampered
):
    client.force_login(secretary)
    response = client.post(edit_url(meeting), sheet(meeting, resolution="Không được lưu", **tampered(ward)))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        vi(
            "The form named someone who is not an expected member of this cell, or a task "
            "that is not open. Reload the page and try again."
        )
    ]
    meeting.refresh_from_db()
    assert (
        meeting.version == 1 and not Attendance.objects.filter(meeting=meeting, status="unexcused").exists()
    )


def test_the_later_of_two_saves_is_refused_and_shows_the_others_work(client, ward, secretary, meeting):
    deputy = make_person(ward.cell01, Role.CELL_DEPUTY, username="phobithu")
    stale = sheet(meeting)
    client.force_login(deputy)
    client.post(edit_url(meeting), {**stale, "resolution": "Bản của phó bí thư"})
    client.force_login(secretary)
    response = client.post(edit_url(meeting), {**stale, "resolution": "Bản của bí thư"})
    page = response.content.decode()
    assert response.status_code == 409  # Conflict: the one answer to a stale page
    assert (
        escape(
            vi(
                "Not saved: someone else saved these minutes while you were editing. Their version is "
                "shown below; your own text is kept under “Your unsaved text” to copy back."
            )
        )
        in page
    )
    assert "Bản của phó bí thư" in page  # the other's work, in the form
    assert "Bản của bí thư" in page  # one's own text, kept to copy back
    meeting.refresh_from_db()
    assert meeting.resolution == "Bản của phó bí thư"


def test_finalising_an_incomplete_draft_saves_it_and_says_what_is_missing(client, secretary, meeting):
    client.force_login(secretary)
    response = client.post(edit_url(meeting), sheet(meeting, finalise="1"), follow=True)
    missing = vi(
        "The draft is saved but cannot be finalised yet: %(problems)s",
        problems=vi("Write the resolution or conclusion."),
    )
    assert escape(missing) in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.is_draft and meeting.version == 2 and meeting.situation


def test_finalised_minutes_are_read_only_and_reopening_needs_a_reason_and_keeps_versions(
    client, secretary, meeting
):
    client.force_login(secretary)
    client.post(edit_url(meeting), sheet(meeting, resolution="Nghị quyết tháng", finalise="1"))
    meeting.refresh_from_db()
    assert meeting.status == "finalised"
    assert client.get(edit_url(meeting))["Location"] == f"/meetings/{meeting.pk}/"
    client.post(edit_url(meeting), sheet(meeting, resolution="Sửa lén"))
    meeting.refresh_from_db()
    assert meeting.resolution == "Nghị quyết tháng"

    refused = client.post(f"/meetings/{meeting.pk}/reopen/", {"version": meeting.version, "reason": ""})
    assert "reason" in refused.context["form"].errors
    client.post(f"/meetings/{meeting.pk}/reopen/", {"version": meeting.version, "reason": "Ghi thiếu ý kiến"})
    client.post(edit_url(meeting), sheet(meeting, resolution="Nghị quyết đã sửa"))
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Ghi thiếu ý kiến" in page and "Nghị quyết tháng" in page and "Nghị quyết đã sửa" in page
    versions = page.split('data-testid="versions"')[1]
    assert versions.count("Hoàng Văn Thư") >= 4  # each version names who saved it, by name


# --- Who sees what


def test_other_cells_secretary_cannot_open_any_of_it(client, other_secretary, meeting, ward):
    client.force_login(other_secretary)
    for url in ["/", "edit/", "reopen/", "minutes.docx", "assess/"]:
        assert client.get(f"/meetings/{meeting.pk}/{url}".replace("//", "/")).status_code == 404
    assert client.get(f"/meetings/cell/{ward.cell01.pk}/").status_code == 404
    assert client.get(f"/meetings/cell/{ward.cell01.pk}/new/").status_code == 404


def test_the_overseer_reads_and_scores_but_does_not_write_the_minutes(client, overseer, meeting):
    client.force_login(overseer)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert client.get(edit_url(meeting)).status_code == 403
    response = client.post(
        f"/meetings/{meeting.pk}/assess/",
        {
            "attended": "on",
            "attendance_ok": "on",
            "verdict": "partly",
            "note": "Cần chuẩn bị kỹ hơn",
            "version": 0,
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.assessment.verdict == "partly" and meeting.overseer_attended
    assert meeting.resolution == ""  # the cell's own record untouched apart from the overseer's presence


def test_an_overseer_sees_the_meetings_of_the_months_assigned_and_no_others(client, ward, cell02):
    user = make_person(cell02, Role.COMMITTEE_MEMBER, username="uyvien02")
    march, april = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
    make_assignment(user.member, ward.cell01, march)
    in_march, in_april = make_meeting(ward.cell01, month=march), make_meeting(ward.cell01, month=april)
    client.force_login(user)
    assert client.get(f"/meetings/{in_march.pk}/").status_code == 200
    assert client.get(f"/meetings/{in_april.pk}/").status_code == 404


@pytest.mark.parametrize("role", ["inspector", "leader", "staff"])
def test_the_committee_reads_every_meeting_but_does_not_edit(client, request, meeting, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert client.get(f"/meetings/{meeting.pk}/minutes.docx").status_code == 200
    assert client.get(edit_url(meeting)).status_code == 403


def test_a_member_sees_their_own_attendance_but_not_the_meeting(client, member, meeting):
    meeting.attendance.filter(member=member.member).update(status="excused", reason="Đi công tác")
    client.force_login(member)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    page = client.get("/meetings/attendance/").content.decode()
    assert "Đi công tác" in page


# --- Printing and DOCX


def test_the_docx_names_the_absent_with_their_reasons_and_has_signature_blocks(
    client, ward, secretary, meeting
):
    chinh = ward.members01[0]
    client.force_login(secretary)
    client.post(
        edit_url(meeting),
        sheet(
            meeting,
            **{f"att_{chinh.pk}": "excused", f"reason_{chinh.pk}": "Nằm viện"},
            resolution="Nghị quyết",
        ),
    )
    response = client.get(f"/meetings/{meeting.pk}/minutes.docx")
    assert response["Content-Type"].endswith("wordprocessingml.document")
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "Nghị quyết" in text
    assert "Nguyễn Văn Chính" in cells and "Nằm viện" in cells
    assert ward.cell01.name.upper() in cells
    assert "Hoàng Văn Thư" in cells  # the chair and recorder sign


# --- Query counts


def test_the_detail_page_runs_the_same_queries_for_a_big_cell(
    client, leader, ward, django_assert_num_queries
):
    small = make_meeting(ward.cell01, month=dt.date(2026, 2, 1))
    big_cell = make_cell(ward.committee)
    for _ in range(40):
        make_member(big_cell)
    big = make_meeting(big_cell, month=dt.date(2026, 2, 1))
    client.force_login(leader)
    for meeting in (small, big):
        # session, user, access (member, positions, assignments, committee tree), the meeting with its
        # cell, chair, recorder and assessment, attendance rows, exempt members, tasks, carried tasks,
        # rules, excused streaks, the quarter's thematic meetings, versions, their users, is-overseer
        with django_assert_num_queries(17):
            assert client.get(f"/meetings/{meeting.pk}/").status_code == 200


@pytest.mark.parametrize("filled", [False, True], ids=["bare", "chair-recorder-and-tasks-ticked"])
def test_saving_a_forty_member_sheet_runs_a_bounded_number_of_queries(
    client, ward, secretary, filled, django_assert_num_queries
):
    for _ in range(37):
        make_member(ward.cell01)
    earlier = make_meeting(ward.cell01, month=dt.date(2026, 1, 1))
    tasks = MeetingTask.objects.bulk_create(
        MeetingTask(meeting=earlier, text=f"Việc {n}", due_on=dt.date(2026, 1, 30)) for n in range(3)
    )
    meeting = make_meeting(ward.cell01)
    data = sheet(meeting)
    for n, key in enumerate(k for k in list(data) if k.startswith("att_")):
        data[key] = "excused" if n % 4 == 0 else data[key]
        data["reason_" + key[4:]] = "Ốm"
    if filled:  # the chair and recorder are checked against the members read, the tasks in one statement
        data.update(chair=secretary.member.pk, recorder=secretary.member.pk)
        data.update({f"done_{task.pk}": "on" for task in tasks})
    client.force_login(secretary)
    client.get(edit_url(meeting))
    # session, user, access (member, positions, assignments, committee tree), meeting, members, rows, open
    # tasks, regular-meeting check; the service: savepoint, lock, expected members, rows, one bulk update,
    # count the rows, savepoint, update the meeting, release, the tasks ticked and unticked, the dashboard's
    # month (the quality rule, the month's meetings, one upsert, the excused streaks), release
    with django_assert_num_queries(26):
        response = client.post(edit_url(meeting), data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.expected_count == 40 and meeting.excused_count == 10
    assert (meeting.chair_id == secretary.member.pk) is filled
    done = set(MeetingTask.objects.filter(done_at=meeting).values_list("pk", flat=True))
    assert done == ({task.pk for task in tasks} if filled else set())


# --- Withdrawing a draft started by mistake


def test_secretary_withdraws_a_mistaken_draft_with_a_reason_and_starts_the_month_afresh(
    client, ward, secretary, meeting
):
    client.force_login(secretary)
    assert f'href="/meetings/{meeting.pk}/withdraw/"' in client.get(edit_url(meeting)).content.decode()
    response = client.post(
        f"/meetings/{meeting.pk}/withdraw/",
        {"version": meeting.version, "reason": "Tạo nhầm, họp chưa diễn ra"},
    )
    assert response["Location"] == f"/meetings/cell/{ward.cell01.pk}/"
    meeting.refresh_from_db()
    assert meeting.is_withdrawn and meeting.withdrawn_by == secretary

    year = client.get(response["Location"])
    slot = next(row for row in year.context["overview"].months if row.month == meeting.month)
    assert slot.meeting is None and slot.withdrawn == [meeting]
    assert f'text-bg-secondary">{escape(vi("withdrawn"))}<' in year.content.decode()  # still listed, apart

    restarted = client.post(
        f"/meetings/cell/{ward.cell01.pk}/new/",
        once(
            {
                "month_text": f"{meeting.month:%Y-%m}",
                "kind": "regular",
                "date": meeting.date.isoformat(),
                "started_at": "14:00",
            }
        ),
    )
    fresh = Meeting.objects.standing().get()
    assert restarted["Location"] == f"/meetings/{fresh.pk}/edit/" and fresh.pk != meeting.pk


def test_withdrawing_needs_a_reason_and_a_current_page(client, secretary, meeting):
    client.force_login(secretary)
    refused = client.post(f"/meetings/{meeting.pk}/withdraw/", {"version": meeting.version, "reason": ""})
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors
    client.post(edit_url(meeting), sheet(meeting))  # saved meanwhile: version 2
    stale = client.post(
        f"/meetings/{meeting.pk}/withdraw/", {"version": 1, "reason": "Tạo nhầm tháng"}, follow=True
    )
    assert (
        escape(vi("Not withdrawn: the draft changed meanwhile. Please look again.")) in stale.content.decode()
    )
    meeting.refresh_from_db()
    assert meeting.is_draft


def test_finalised_minutes_cannot_be_withdrawn(client, secretary, meeting):
    client.force_login(secretary)
    client.post(edit_url(meeting), sheet(meeting, resolution="Nghị quyết", finalise="1"))
    meeting.refresh_from_db()
    assert meeting.status == "finalised"
    assert client.get(f"/meetings/{meeting.pk}/withdraw/").status_code == 403
    response = client.post(
        f"/meetings/{meeting.pk}/withdraw/", {"version": meeting.version, "reason": "Tạo nhầm"}
    )
    assert response.status_code == 403
    assert 'withdraw/"' not in client.get(f"/meetings/{meeting.pk}/").content.decode()


def test_a_withdrawn_meeting_is_read_only_for_everyone_and_says_why(
    client, secretary, overseer, member, meeting
):
    client.force_login(secretary)
    client.post(f"/meetings/{meeting.pk}/withdraw/", {"version": meeting.version, "reason": "Tạo nhầm tháng"})
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Tạo nhầm tháng" in page and 'data-testid="withdrawn"' in page
    assert f"/meetings/{meeting.pk}/edit/" not in page and f"/meetings/{meeting.pk}/reopen/" not in page
    assert client.get(edit_url(meeting))["Location"] == f"/meetings/{meeting.pk}/"
    client.post(edit_url(meeting), sheet(meeting, resolution="Sửa lén"))
    assert client.get(f"/meetings/{meeting.pk}/reopen/").status_code == 403
    assert client.get(f"/meetings/{meeting.pk}/withdraw/").status_code == 403
    client.force_login(overseer)
    assert client.get(f"/meetings/{meeting.pk}/assess/").status_code == 403
    client.force_login(member)
    assert client.get("/meetings/attendance/").context["rows"] == []  # it did not take place
    meeting.refresh_from_db()
    assert meeting.is_withdrawn and meeting.resolution == ""


def test_the_year_page_runs_the_same_queries_for_a_full_year_of_a_big_cell(
    client, ward, secretary, django_assert_num_queries
):
    quiet = make_cell(ward.committee)
    busy = ward.cell01
    for _ in range(40):
        make_member(busy)
    for n in range(1, 13):
        make_meeting(busy, month=dt.date(2026, n, 1))
        make_meeting(busy, month=dt.date(2026, n, 1), kind="thematic", topic="Chuyên đề")
    withdrawn = make_meeting(quiet, month=dt.date(2026, 3, 1))
    Meeting.objects.filter(pk=withdrawn.pk).update(
        status="withdrawn", withdraw_reason="Tạo nhầm", withdrawn_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    )
    make_person(quiet, Role.CELL_SECRETARY, username="chibo03")
    for user, cell in ((secretary, busy), (User.objects.get(username="chibo03"), quiet)):
        client.force_login(user)
        # session, user, access (member, positions, assignments, committee tree), the cell with its
        # committee, the year's meetings, the regular meetings from this month on (the one to start next),
        # the menu's unread inbox count
        with django_assert_num_queries(10):
            assert client.get(f"/meetings/cell/{cell.pk}/?year=2026").status_code == 200


def test_the_attendance_sheet_runs_the_same_queries_for_a_big_cell_with_open_tasks(
    client, ward, secretary, django_assert_num_queries
):
    small = make_meeting(ward.cell01, chair=secretary.member, recorder=secretary.member)
    big_cell = make_cell(ward.committee)
    for _ in range(40):
        make_member(big_cell)
    make_person(big_cell, Role.CELL_SECRETARY, username="chibo40")
    earlier = make_meeting(big_cell, month=dt.date(2026, 1, 1))
    MeetingTask.objects.bulk_create(
        MeetingTask(meeting=earlier, text=f"Việc {n}", due_on=dt.date(2026, 1, 30)) for n in range(10)
    )
    big = make_meeting(big_cell, month=dt.date(2026, 2, 1))
    MeetingTask.objects.bulk_create(
        MeetingTask(meeting=big, text=f"Việc mới {n}", due_on=dt.date(2026, 2, 28)) for n in range(5)
    )
    for user, meeting in ((secretary, small), (User.objects.get(username="chibo40"), big)):
        client.force_login(user)
        # session, user, access (member, positions, assignments, committee tree), the meeting with its
        # cell, chair and recorder, the members on the day, the attendance rows, the open tasks carried
        # from earlier meetings, this meeting's own tasks, the menu's unread inbox count
        with django_assert_num_queries(12):
            assert client.get(edit_url(meeting)).status_code == 200


# --- The meeting that is due next, and meetings ahead of their day


def test_the_year_page_offers_the_next_month_due_once_this_months_minutes_are_finalised(
    client, ward, secretary, meeting
):
    client.force_login(secretary)
    client.post(edit_url(meeting), sheet(meeting, resolution="Nghị quyết", finalise="1"))
    meeting.refresh_from_db()
    assert meeting.status == "finalised"
    nxt = periods.add_months(periods.month_start(), 1)
    page = client.get(f"/meetings/cell/{ward.cell01.pk}/").content.decode()
    assert vi("Start this month's meeting") not in page
    assert f'/meetings/cell/{ward.cell01.pk}/new/?month={nxt:%Y-%m}" data-testid="start-due"' in page
    form = client.get(f"/meetings/cell/{ward.cell01.pk}/new/?month={nxt:%Y-%m}").context["form"]
    assert (form["month_text"].value(), form["date"].value()) == (f"{nxt:%Y-%m}", nxt.replace(day=5))


def test_the_year_page_offers_to_continue_this_months_draft(client, ward, secretary, meeting):
    client.force_login(secretary)
    page = client.get(f"/meetings/cell/{ward.cell01.pk}/").content.decode()
    assert f'href="/meetings/{meeting.pk}/edit/" data-testid="start-due"' in page


def test_a_meeting_ahead_of_its_day_keeps_its_draft_but_refuses_absences_votes_and_finalising(
    client, ward, secretary
):
    ahead = make_meeting(ward.cell01, month=periods.add_months(periods.month_start(), 2))
    chinh = ward.members01[0]
    client.force_login(secretary)
    response = client.post(
        edit_url(ahead),
        sheet(ahead, **{f"att_{chinh.pk}": "excused", f"reason_{chinh.pk}": "Ốm"}, votes_for="2"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["votes_for"]
    ahead.refresh_from_db()
    assert (ahead.version, ahead.excused_count) == (1, 0)
    draft = client.post(edit_url(ahead), sheet(ahead, resolution="Dự thảo", finalise="1"), follow=True)
    ahead.refresh_from_db()
    assert (ahead.status, ahead.resolution) == ("draft", "Dự thảo")
    when = f"08:00 {ahead.date:%d/%m/%Y}"
    assert (
        escape(
            vi("The meeting has not begun yet (%(when)s): the minutes are finalised once it is held.")
            % {"when": when}
        )
        in draft.content.decode()
    )


# --- The words on the meeting pages


def test_the_withdraw_page_names_its_two_buttons_apart(client, secretary, meeting):
    client.force_login(secretary)
    page = client.get(f"/meetings/{meeting.pk}/withdraw/").content.decode()
    assert escape(vi("Withdraw the draft")) + "</button>" in page
    assert escape(vi("Keep the draft")) + "</a>" in page
    assert ">" + escape(vi("Cancel")) + "<" not in page


def test_the_overseers_verdict_has_no_blank_choice_and_an_empty_one_is_refused_in_words(
    client, overseer, meeting
):
    client.force_login(overseer)
    page = client.get(f"/meetings/{meeting.pk}/assess/").content.decode()
    assert "---------" not in page and 'name="verdict" value=""' not in page
    refused = client.post(f"/meetings/{meeting.pk}/assess/", {"note": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["verdict"]


def test_starting_says_which_buttons_to_tap_for_the_absent(client, ward, secretary):
    client.force_login(secretary)
    today = periods.today()
    response = client.post(
        f"/meetings/cell/{ward.cell01.pk}/new/",
        once(
            {
                "month_text": f"{today:%Y-%m}",
                "kind": "regular",
                "date": today.isoformat(),
                "started_at": "00:00",
            }
        ),
        follow=True,
    )
    said = escape(
        vi(
            "The meeting is started. Everyone is marked present: for anyone absent, tap “Excused” or “Unexcused”."
        )
    )
    assert said in response.content.decode()


def test_no_unexcused_absence_allowed_is_said_as_such_not_as_at_most_zero(client, secretary, meeting):
    client.force_login(secretary)
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert escape(vi("No unexcused absence")) in page
    assert escape(vi("Unexcused absences at most %(n)d", n=0)) not in page


def test_finalised_minutes_offer_the_download_first_and_reopening_after_it(client, secretary, meeting):
    client.force_login(secretary)
    client.post(edit_url(meeting), sheet(meeting, resolution="Nghị quyết", finalise="1"))
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert page.index('data-testid="docx"') < page.index('data-testid="reopen"')


def test_the_meeting_date_is_written_in_words_beside_its_picker(client, secretary, meeting):
    client.force_login(secretary)
    page = client.get(edit_url(meeting)).content.decode()
    weekday = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"][
        meeting.date.weekday()
    ]
    assert 'data-date-for="id_date"' in page and f"{weekday}, {meeting.date:%d/%m/%Y}</div>" in page


def test_a_refused_save_lists_each_error_at_the_top_with_a_link_to_its_field(
    client, ward, secretary, meeting
):
    chinh = ward.members01[0]
    client.force_login(secretary)
    page = client.post(edit_url(meeting), sheet(meeting, **{f"att_{chinh.pk}": "excused"})).content.decode()
    summary = page.split('data-testid="error-summary"')[1].split("</div>")[0]
    assert f'href="#id_reason_{chinh.pk}"' in summary and escape(chinh.full_name) in summary
    assert page.index('data-testid="error-summary"') < page.index('data-testid="totals"')


@pytest.mark.parametrize("n", [3, 120])
def test_the_meetings_list_shows_fifty_cells_a_page_with_the_same_queries(
    client, leader, ward, n, django_assert_num_queries
):
    make_cells(n, ward.committee)
    client.force_login(leader)
    # session, user, access (member, positions, assignments, committee tree), two cells (none, one or
    # more?), the paginator's count, the page of cells, this month's meetings of the page, the menu's
    # member with the unread count
    with django_assert_num_queries(11):
        response = client.get("/meetings/")
    assert response.content.decode().count('href="/meetings/cell/') == min(50, n + 2)


def test_the_meetings_list_finds_a_cell_by_its_name(client, leader, ward):
    make_cells(60, ward.committee)
    client.force_login(leader)
    page = client.get("/meetings/?q=tiểu học").content.decode()
    assert page.count('href="/meetings/cell/') == 1 and ward.cell02.name in page
