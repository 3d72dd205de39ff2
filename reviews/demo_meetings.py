"""Demo meetings: twelve months of minutes for every cell of the demo ward, inserted in bulk.

A few months are missing or finalised late, a few members are absent without excuse, most quarters have a
thematic meeting, this month's meeting is a draft in about half the cells, and earlier tasks are done or
still open. Everything is drawn from the ward's `rng`, so the demo is the same on every run.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from django.utils import timezone

from phuthang import periods
from reviews.models import Attendance, Meeting, MeetingAssessment, MeetingTask
from reviews.services.dashboard import recount_all

if TYPE_CHECKING:
    from cells.demo import Ward
    from cells.models import Cell, Member

BATCH_SIZE = 2000
MONTHS = 12

SITUATIONS = [
    "Thông tin thời sự trong nước và quốc tế nổi bật trong tháng; tình hình an ninh trật tự trên địa bàn ổn định.",
    "Phổ biến văn bản mới của Đảng ủy phường; tình hình thu đảng phí và công tác vệ sinh môi trường.",
    "Tình hình kinh tế - xã hội của phường; kết quả thực hiện cuộc vận động xây dựng đô thị văn minh.",
]
REVIEWS = [
    "Các nhiệm vụ tháng trước cơ bản hoàn thành; việc thu đảng phí còn chậm.",
    "Hoàn thành tổng vệ sinh khu dân cư; còn một số hộ chưa tham gia đầy đủ.",
    "Đã tổ chức thăm hỏi gia đình chính sách; công tác tuyên truyền còn hạn chế.",
]
DISCUSSIONS = [
    "Đồng chí {a} đề nghị tăng cường kiểm tra việc giữ gìn vệ sinh chung. Đồng chí {b} nêu ý kiến về an ninh trật tự ban đêm.",
    "Đồng chí {a} phát biểu về việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh. Đồng chí {b} đồng tình và bổ sung.",
    "Đồng chí {a} đề xuất vận động quỹ khuyến học. Đồng chí {b} đề nghị phân công đảng viên phụ trách hộ gia đình.",
]
RESOLUTIONS = [
    "Tiếp tục tuyên truyền, vận động nhân dân thực hiện tốt quy ước tổ dân phố; hoàn thành thu đảng phí trước ngày 25.",
    "Tổ chức tổng vệ sinh khu dân cư vào chủ nhật cuối tháng; mỗi đảng viên phụ trách 5 hộ gia đình.",
    "Đẩy mạnh học tập và làm theo Bác; phối hợp với chi hội phụ nữ thăm hỏi các gia đình khó khăn.",
]
TASKS = [
    "Thu đảng phí của các đảng viên",
    "Vận động các hộ gia đình tham gia tổng vệ sinh",
    "Thăm hỏi gia đình chính sách nhân dịp lễ",
    "Nắm tình hình an ninh trật tự trên địa bàn",
    "Báo cáo kết quả học tập chuyên đề lên Đảng ủy",
]
TOPICS = [
    "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "Phòng, chống biểu hiện suy thoái về tư tưởng chính trị, đạo đức, lối sống",
    "Nâng cao vai trò nêu gương của đảng viên nơi cư trú",
    "Xây dựng tổ dân phố văn minh, an toàn",
]
REASONS = ["Ốm", "Đi công tác", "Về quê có việc gia đình", "Nằm viện", "Trông cháu nhỏ ốm"]


def build_meetings(ward: Ward, *, rng: random.Random) -> int:
    """Create the ward's meetings with attendance and tasks; returns the number of meetings."""
    months = [periods.add_months(ward.month, -n) for n in range(MONTHS - 1, -1, -1)]
    plans: list[tuple[Meeting, list[Attendance], list[MeetingTask]]] = []
    for number, cell in enumerate(ward.cells, start=1):
        author = ward.users.get(f"chibo{number:02d}")
        members = ward.members_of(cell)
        secretary, deputy = ward.secretaries.get(cell.pk), ward.deputies.get(cell.pk)
        open_tasks: list[MeetingTask] = []
        for month in months:
            regular = _regular(cell, month, members, secretary, deputy, ward, rng, open_tasks)
            if regular is not None:
                regular[0].created_by = author
                plans.append(regular)
                open_tasks = [t for t in open_tasks if t.done_on is None] + regular[2]
            if month.month % 3 == 2 and rng.random() < 0.8:  # mid-quarter, most quarters
                thematic = _meeting(
                    cell, month, members, secretary, deputy, ward, rng, kind=Meeting.Kind.THEMATIC
                )
                if thematic is not None:
                    thematic[0].created_by = author
                    plans.append(thematic)
    meetings = Meeting.objects.bulk_create([m for m, _rows, _tasks in plans], batch_size=BATCH_SIZE)
    rows, tasks = [], []
    for meeting, attendance, meeting_tasks in plans:
        for row in attendance:
            row.meeting = meeting
        for task in meeting_tasks:
            task.meeting = meeting
        rows += attendance
        tasks += meeting_tasks
    Attendance.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    for task in tasks:  # the meeting that closed a task was saved above; point at it by its new pk
        if task.done_at is not None:
            task.done_at_id = task.done_at.pk
    MeetingTask.objects.bulk_create(tasks, batch_size=BATCH_SIZE)
    _assessments(ward, meetings, rng)
    recount_all()  # the dashboards' monthly counts, as the services would have kept them
    return len(meetings)


def _regular(
    cell: Cell,
    month: dt.date,
    members: list[Member],
    secretary: Member | None,
    deputy: Member | None,
    ward: Ward,
    rng: random.Random,
    open_tasks: list[MeetingTask],
) -> tuple[Meeting, list[Attendance], list[MeetingTask]] | None:
    is_this_month = month == ward.month
    if is_this_month and rng.random() < 0.5:
        return None  # not held yet this month
    if not is_this_month and rng.random() < 0.05:
        return None  # a missing month
    plan = _meeting(cell, month, members, secretary, deputy, ward, rng, kind=Meeting.Kind.REGULAR)
    if plan is None:
        return None
    meeting = plan[0]
    for task in open_tasks:
        if task.done_on is None and rng.random() < 0.7 and meeting.status == Meeting.Status.FINALISED:
            task.done_on, task.done_at = meeting.date, meeting
    assignees = [row.member for row in plan[1]]
    new_tasks = [
        MeetingTask(
            assignee=rng.choice(assignees) if assignees and rng.random() < 0.8 else None,
            text=rng.choice(TASKS),
            due_on=min(
                meeting.date + dt.timedelta(days=rng.randint(10, 40)), dt.date(meeting.date.year, 12, 31)
            ),
        )
        for _ in range(rng.randint(1, 2))
    ]
    return meeting, plan[1], new_tasks


def _meeting(
    cell: Cell,
    month: dt.date,
    members: list[Member],
    secretary: Member | None,
    deputy: Member | None,
    ward: Ward,
    rng: random.Random,
    *,
    kind: str,
) -> tuple[Meeting, list[Attendance], list[MeetingTask]] | None:
    day = (cell.meeting_day or 5) if kind == Meeting.Kind.REGULAR else rng.randint(15, 25)
    date = month.replace(day=min(day, 28))
    if date > ward.today:
        if month != ward.month or kind != Meeting.Kind.REGULAR:
            return None
        date = ward.today
    expected = [
        m
        for m in members
        if (m.admitted_on is None or m.admitted_on <= date)
        and (m.left_on is None or m.left_on > date)
        and not (m.exempt_since is not None and m.exempt_since <= date)
    ]
    attendance = []
    for member in expected:
        roll = rng.random()
        if roll < 0.015:
            attendance.append(Attendance(member=member, status=Attendance.Status.UNEXCUSED))
        elif roll < 0.09:
            attendance.append(
                Attendance(member=member, status=Attendance.Status.EXCUSED, reason=rng.choice(REASONS))
            )
        else:
            attendance.append(Attendance(member=member, status=Attendance.Status.PRESENT))
    start = dt.time(rng.choice([8, 14, 19]), rng.choice([0, 30]))
    minutes = rng.choice([75, 90, 95, 100, 110, 120, 135])
    end = (dt.datetime.combine(date, start) + dt.timedelta(minutes=minutes)).time()
    if end <= start:
        end = dt.time(23, 0)
    ahead = not periods.has_come(
        date, start
    )  # today's, still to come: a draft prepared ahead, as the app allows
    if ahead:
        attendance = [Attendance(member=row.member, status=Attendance.Status.PRESENT) for row in attendance]
    present = sum(1 for row in attendance if row.status == Attendance.Status.PRESENT)
    names = [row.member.full_name for row in attendance] or ["…", "…"]
    draft = ahead or (month == ward.month and kind == Meeting.Kind.REGULAR and rng.random() < 0.6)
    finalised_at = None
    if not draft:
        delay = rng.randint(0, 3) if rng.random() > 0.08 else rng.randint(35, 45)  # a few late
        finalised_on = min(date + dt.timedelta(days=delay), ward.today)
        finalised_at = timezone.make_aware(dt.datetime.combine(finalised_on, dt.time(21, 0)))
    meeting = Meeting(
        cell=cell,
        kind=kind,
        topic=rng.choice(TOPICS) if kind == Meeting.Kind.THEMATIC else "",
        month=month,
        date=date,
        started_at=start,
        ended_at=end,
        place=f"Nhà văn hóa {cell.name.removeprefix('Chi bộ ')}",
        chair=secretary,
        recorder=deputy,
        overseer_attended=month >= periods.add_months(ward.month, -1) and rng.random() < 0.5,
        situation=rng.choice(SITUATIONS),
        last_resolution_review=rng.choice(REVIEWS) if kind == Meeting.Kind.REGULAR else "",
        discussion=rng.choice(DISCUSSIONS).format(a=rng.choice(names), b=rng.choice(names)),
        resolution=rng.choice(RESOLUTIONS),
        votes_for=None if ahead else present,
        votes_against=None if ahead else 0,
        expected_count=len(attendance),
        present_count=present,
        excused_count=sum(1 for row in attendance if row.status == Attendance.Status.EXCUSED),
        unexcused_count=sum(1 for row in attendance if row.status == Attendance.Status.UNEXCUSED),
        status=Meeting.Status.DRAFT if draft else Meeting.Status.FINALISED,
        version=1 if draft else 2,
        first_finalised_at=finalised_at,
        finalised_at=finalised_at,
    )
    return meeting, attendance, []


def _assessments(ward: Ward, meetings: list[Meeting], rng: random.Random) -> None:
    """Last month's overseers scored most of the meetings they oversaw."""
    last_month = periods.add_months(ward.month, -1)
    overseer_of = {a.cell_id: a.overseer for a in ward.assignments if a.month == last_month}
    verdicts = [MeetingAssessment.Verdict.MEETS] * 3 + [MeetingAssessment.Verdict.PARTLY]
    MeetingAssessment.objects.bulk_create(
        [
            MeetingAssessment(
                meeting=meeting,
                overseer=overseer_of[meeting.cell_id],
                attended=meeting.overseer_attended,
                attendance_ok=meeting.unexcused_count == 0,
                content_ok=True,
                discussion_ok=rng.random() < 0.8,
                resolution_ok=True,
                length_ok=(meeting.duration_minutes or 0) >= 90,
                verdict=rng.choice(verdicts),
                note="Chi bộ chuẩn bị nội dung chu đáo." if rng.random() < 0.5 else "",
            )
            for meeting in meetings
            if meeting.month == last_month
            and meeting.kind == Meeting.Kind.REGULAR
            and meeting.cell_id in overseer_of
            and rng.random() < 0.8
        ],
        batch_size=BATCH_SIZE,
    )
