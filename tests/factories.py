"""Small builders for tests: each makes one saved row with believable defaults; keyword overrides win.

Plain functions, no factory library. Unique fields (codes, card numbers, usernames) come from one counter,
so builders can be called any number of times in a test.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.contrib.auth import get_user_model

from cells.models import (
    CELL_ROLES,
    Cell,
    Committee,
    Member,
    OversightAssignment,
    Position,
    Role,
)
from phuthang import periods
from reviews.models import Digest, Kind, Notification, Review, Shortcoming
from reviews.services import meetings as meeting_services

_sequence = itertools.count(1)

# Long enough before any date a test travels to, so default positions are current.
LONG_AGO = dt.date(2015, 1, 1)
PASSWORD = "demo-phucthang"

_FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]
_GIVEN_NAMES = ["Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Minh Đức", "Thu Hà", "Quốc Hùng", "Thị Lan"]


def _next() -> int:
    return next(_sequence)


def make_committee(**overrides: Any) -> Committee:
    n = _next()
    fields: dict[str, Any] = {
        "name": f"Đảng bộ phường thử {n}",
        "code": f"DB{n:04d}",
        "kind": Committee.Kind.WARD,
        "parent": None,
    }
    fields.update(overrides)
    return Committee.objects.create(**fields)


def make_cell(committee: Committee | None = None, **overrides: Any) -> Cell:
    n = _next()
    fields: dict[str, Any] = {
        "name": f"Chi bộ Tổ dân phố {n}",
        "code": f"CB{n:04d}",
        "committee": committee or make_committee(),
        "kind": Cell.Kind.RESIDENTIAL,
        "meeting_day": 5,
    }
    fields.update(overrides)
    return Cell.objects.create(**fields)


def make_cells(n: int, committee: Committee | None = None, **overrides: Any) -> list[Cell]:
    committee = committee or make_committee()
    return [make_cell(committee, **overrides) for _ in range(n)]


def make_member(cell: Cell | None = None, **overrides: Any) -> Member:
    """An official member admitted years ago; pass official_on=None for a probationary one."""
    n = _next()
    fields: dict[str, Any] = {
        "full_name": f"{_FAMILY_NAMES[n % len(_FAMILY_NAMES)]} {_GIVEN_NAMES[n % len(_GIVEN_NAMES)]} {n}",
        "gender": Member.Gender.FEMALE if n % 2 else Member.Gender.MALE,
        "birth_date": dt.date(1960 + n % 30, 1 + n % 12, 1 + n % 28),
        "cell": cell or make_cell(),
        "card_number": f"{n % 100:02d}.{n:06d}",
        "admitted_on": dt.date(2005, 3, 1),
        "official_on": dt.date(2006, 3, 1),
        "phone": f"09{n:08d}",
        "email": f"member{n}@example.org",
    }
    fields.update(overrides)
    return Member.objects.create(**fields)


def make_user(username: str | None = None, *, password: str | None = PASSWORD, **overrides: Any) -> Any:
    User = get_user_model()
    user = User(username=username or f"user{_next()}", **overrides)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


def make_position(member: Member, role: str = Role.CELL_SECRETARY, **overrides: Any) -> Position:
    """A current position; its unit defaults to the member's cell (cell roles) or committee (others)."""
    fields: dict[str, Any] = {"member": member, "role": role, "started_on": LONG_AGO, "ended_on": None}
    if "cell" not in overrides and "committee" not in overrides:
        if role in CELL_ROLES:
            fields["cell"] = member.cell
        else:
            fields["committee"] = member.cell.committee
    fields.update(overrides)
    return Position.objects.create(**fields)


def make_assignment(
    overseer: Member, cell: Cell, month: dt.date | None = None, **overrides: Any
) -> OversightAssignment:
    """An oversight assignment for the month (this month in Vietnam time unless given)."""
    fields: dict[str, Any] = {
        "overseer": overseer,
        "cell": cell,
        "month": periods.month_start(month),
    }
    fields.update(overrides)
    return OversightAssignment.objects.create(**fields)


def make_person(
    cell: Cell, role: str | None = None, *, username: str | None = None, **member_overrides: Any
) -> Any:
    """A login user linked to a new member of the cell, holding the role if given. Returns the user."""
    user = make_user(username)
    member = make_member(cell, user=user, **member_overrides)
    if role is not None:
        make_position(member, role)
    return get_user_model().objects.get(pk=user.pk)  # fresh: access is cached per user object


# --- Reviews and shortcomings (issue 4)


def make_review(cell: Cell | None = None, member: Member | None = None, **overrides: Any) -> Any:
    """A draft yearly review of the member (or of the cell as a collective when member is None)."""
    cell = cell or (member.cell if member is not None else make_cell())
    fields: dict[str, Any] = {
        "cell": cell,
        "member": member,
        "period_kind": "year",
        "year": periods.today().year,
    }
    fields.update(overrides)
    return Review.objects.create(**fields)


def make_shortcoming(cell: Cell | None = None, **overrides: Any) -> Any:
    """An open shortcoming of a new member of the cell, raised today and due in 30 days."""
    cell = cell or make_cell()
    today = periods.today()
    due_on = overrides.pop("due_on", today + dt.timedelta(days=30))
    raised_on = overrides.get("raised_on", min(today, due_on))
    subject = overrides.pop("subject_member", None) or make_member(cell)
    fields: dict[str, Any] = {
        "source": Shortcoming.Source.REVIEW,
        "cell": cell,
        "subject_member": subject,
        "owner": overrides.pop("owner", None) or subject,
        "description": "Chưa gương mẫu trong sinh hoạt chi bộ.",
        "plan": "Tham gia đầy đủ các buổi sinh hoạt.",
        "raised_on": raised_on,
        "period_start": dt.date(raised_on.year, 1, 1),
        "original_due_on": overrides.pop("original_due_on", due_on),
        "due_on": due_on,
    }
    fields.update(overrides)
    return Shortcoming.objects.create(**fields)


# --- Meetings (issue 3)


def make_meeting(cell: Cell | None = None, **overrides: Any) -> Any:
    """A draft regular meeting of this month (day 5, 08:00), started through the service: every member
    expected on the day is present. Pass `by=` for the creating user; other keywords are meeting details.
    """
    cell = cell or make_cell()
    month = periods.month_start(overrides.pop("month", None))
    details: dict[str, Any] = {
        "kind": "regular",
        "topic": "",
        "date": month.replace(day=5),
        "started_at": dt.time(8, 0),
        "ended_at": None,
        "place": "Nhà văn hóa tổ dân phố",
        "chair": None,
        "recorder": None,
    }
    by = overrides.pop("by", None)
    details.update(overrides)
    return meeting_services.start_meeting(cell, by=by, **details)


# --- Reminders (issue 5)


def make_notification(recipient: Member, **overrides: Any) -> Any:
    """An unread oversight reminder item for the recipient (this month, about their own cell), in a
    pending digest. Pass digest fields as digest_<field>, e.g. digest_status="failed"."""
    period = overrides.pop("period", f"{periods.month_start():%Y-%m}")
    kind = overrides.pop("kind", Kind.OVERSIGHT)
    digest_fields = {
        k.removeprefix("digest_"): overrides.pop(k) for k in list(overrides) if k.startswith("digest_")
    }
    digest, _created = Digest.objects.get_or_create(
        recipient=recipient, kind=kind, period=period, defaults=digest_fields
    )
    fields: dict[str, Any] = {
        "recipient": recipient,
        "kind": kind,
        "period": period,
        "subject": f"cell:{recipient.cell_id}",
        "digest": digest,
        "payload": {
            "cell": recipient.cell.name,
            "meeting_day": recipient.cell.meeting_day,
            "last_minutes": "missing",
            "open_shortcomings": 0,
            "overdue_shortcomings": 0,
        },
        "link": recipient.cell.get_absolute_url(),
    }
    fields.update(overrides)
    return Notification.objects.create(**fields)


def make_job(by: Any, **overrides: Any) -> Any:
    """A background job of the test kind (tests/job_kinds.py), queued unless told otherwise."""
    from phuthang.models import Job

    fields: dict[str, Any] = {"kind": "test_tokens", "key": f"k{next(_sequence)}", "params": {"n": 1}}
    fields.update(overrides)
    if fields.get("state") == Job.State.FAILED:
        fields.setdefault("error", "Không làm được.")
    if fields.get("state") == Job.State.DONE:
        fields.setdefault("result", {"message": "Xong.", "url": "", "link_label": ""})
    return Job.objects.create(started_by=by, **fields)


# --- Citizens' feedback (issue 15)


def make_feedback(committee: Committee, **overrides: Any) -> Any:
    """A denunciation by letter about `concerned_member` (a new member of a new cell of the committee unless
    given), received today and recorded through the service; keyword overrides win, `status=` etc. after."""
    from reviews.models import FeedbackItem
    from reviews.services import feedback as services

    after = {k: overrides.pop(k) for k in list(overrides) if k not in services.Received.__dataclass_fields__}
    by = after.pop("by", None)
    fields: dict[str, Any] = {
        "received_on": periods.today(),
        "channel": FeedbackItem.Channel.LETTER,
        "kind": FeedbackItem.Kind.DENUNCIATION,
        "content": "Đồng chí có biểu hiện sử dụng xe công vào việc riêng.",
        "concerns": FeedbackItem.Concerns.MEMBER,
        "sender_name": "Trần Văn Tố",
        "sender_address": "Số 5 ngõ 12, tổ dân phố 1",
        "sender_contact": "0912000111",
    }
    fields.update(overrides)
    if fields["concerns"] == FeedbackItem.Concerns.MEMBER and fields.get("concerned_member") is None:
        fields["concerned_member"] = make_member(make_cell(committee))
    item = services.record_item(committee, by=by, data=services.Received(**fields))
    if after:
        FeedbackItem.objects.filter(pk=item.pk).update(**after)
        item.refresh_from_db()
    return item


# --- Pledges (issue 12)


def make_campaign(committee: Committee | None = None, **overrides: Any) -> Any:
    """This year's pledge campaign of the committee, open since the first of January, due at the end of March."""
    from reviews.services import pledges

    year = overrides.pop("year", periods.today().year)
    fields: dict[str, Any] = {
        "by": None,
        "year": year,
        "title": f"Cam kết năm {year}",
        "due_on": dt.date(year, 3, 31),
        "text": "Tôi xin cam kết giữ gìn phẩm chất đạo đức, lối sống của người đảng viên.",
        "opened_on": dt.date(year, 1, 1),
    }
    fields.update(overrides)
    return pledges.start_campaign(committee or make_committee(), **fields)


def make_pledge(member: Member, campaign: Any = None, **overrides: Any) -> Any:
    """A pledge signed in the app by the member (their cell's committee's campaign unless given)."""
    from reviews.services import pledges

    campaign = campaign or make_campaign(member.cell.committee)
    fields: dict[str, Any] = {
        "by": member.user,
        "campaign_version": campaign.version,
        "commitments": [pledges.Line("Tham gia đầy đủ sinh hoạt chi bộ", "12/12 buổi")],
        "deeds": [pledges.Line("Vận động các hộ trong tổ giữ vệ sinh")],
    }
    fields.update(overrides)
    member = Member.objects.select_related("cell").get(pk=member.pk)
    return pledges.sign_pledge(campaign, member, **fields)


def make_plan(member: Member, *, year: int | None = None, cell: Cell | None = None, **overrides: Any) -> Any:
    """The member's action plan for the year (this year), of their committee unless a cell is given, with two
    items due at the end of June and of December."""
    from reviews.services import plans
    from reviews.services.pledges import Line

    year = year or periods.today().year
    committee = cell.committee if cell is not None else member.cell.committee
    fields: dict[str, Any] = {
        "by": member.user,
        "unit": plans.Unit(committee, cell),
        "year": year,
        "items": [
            Line("Dự sinh hoạt ở chi bộ phụ trách", "12/12 buổi", dt.date(year, 12, 31)),
            Line("Đối thoại với nhân dân tổ dân phố", "2 lần", dt.date(year, 6, 30)),
        ],
    }
    fields.update(overrides)
    return plans.write_plan(member, **fields)
