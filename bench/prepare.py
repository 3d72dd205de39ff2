"""Run by bench/pages.sh through `manage.py shell`: a 40-member cell 01 with this month's draft to save, and
the demo users without the live sessions of earlier runs (the reference page lists its user's sessions)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.services import end_sessions
from cells.models import Cell, Member
from phuthang import periods
from reviews.models import Meeting
from reviews.services.meetings import expected_members, reopen_meeting, start_meeting

cell = (
    Cell.objects.filter(code__in=["PT-01", "PT-001", "PT-0001"]).order_by("code").first()
    or Cell.objects.order_by("pk").first()
)
expected, _exempt = expected_members(cell.pk, periods.today())
for n in range(40 - len(expected)):
    Member.objects.create(
        full_name=f"Đảng viên đo tải {n:02d}", gender="male", birth_date=dt.date(1970, 1, 1 + n % 28), cell=cell,
        card_number=f"99.{900000 + n:06d}", admitted_on=dt.date(2005, 3, 1), official_on=dt.date(2006, 3, 1),
    )  # fmt: skip
month = periods.month_start()
found = Meeting.objects.standing().regular().filter(cell=cell, month=month).first()
if found is None:
    start_meeting(
        cell, by=None, kind="regular", topic="", date=month, started_at=dt.time(0, 0), place="Hội trường"
    )
elif found.status != "draft":  # the demo finalised it already (its meeting day has passed): a draft again
    reopen_meeting(found, by=None, reason="Đo tải: lưu lại bảng điểm danh", version=found.version)

with transaction.atomic():
    for user in get_user_model().objects.filter(username__in=["bithu", "chibo01", "uyvien01"]):
        end_sessions(user, keep=None)
