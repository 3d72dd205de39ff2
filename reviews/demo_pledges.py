"""Demo pledges: last year's campaign nearly all signed, this year's with most signed (some on paper, the
elderly's mostly), some not yet, `dangvien` among them so the demo's first journey is to sign."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from cells.demo import Ward
from reviews.models import Pledge, PledgeCampaign, PledgeCampaignText, PledgeLine, PledgeText

COMMITMENTS = [
    ("Tham gia đầy đủ, đúng giờ các buổi sinh hoạt chi bộ", "12/12 buổi"),
    ("Đóng đảng phí đầy đủ, đúng hạn", "12/12 tháng"),
    ("Không nói, viết, làm trái quan điểm, đường lối của Đảng", ""),
    ("Gương mẫu thực hiện nếp sống văn minh nơi cư trú", ""),
    ("Thường xuyên học tập nghị quyết, nâng cao trình độ lý luận chính trị", "dự đủ các lớp học nghị quyết"),
    ("Giữ gìn đoàn kết trong chi bộ và khu dân cư", ""),
]
DEEDS = [
    ("Vận động các hộ trong tổ phân loại rác tại nguồn", "toàn tổ"),
    ("Tham gia tổ hòa giải ở cơ sở", ""),
    ("Thăm hỏi các gia đình chính sách trong tổ dịp lễ, Tết", "2 lần/năm"),
    ("Vận động con cháu chấp hành luật giao thông", ""),
    ("Tham gia dọn vệ sinh ngõ xóm hằng tháng", "12 lần/năm"),
]
DEFAULT_TEXT = (
    "Tôi xin cam kết tu dưỡng, rèn luyện, phấn đấu, giữ gìn phẩm chất, đạo đức, lối sống của đảng viên."
)
ELDERLY_BEFORE = dt.date(1950, 1, 1)  # members born before this mostly sign on paper


def build_pledges(ward: Ward, *, rng: random.Random) -> dict[str, int]:
    today = ward.today
    reference = PledgeText.objects.filter(active=True).first()
    text = reference.text if reference else DEFAULT_TEXT
    leader = ward.users.get("bithu")
    users_by_member = {m.pk: ward.users[name] for name, m in ward.account_members.items()}
    last = _campaign(ward, today.year - 1, dt.date(today.year - 1, 1, 5), text, leader)
    opened = min(dt.date(today.year, 1, 5), today)
    this = _campaign(ward, today.year, opened, text, leader)
    cell_ids = {c.pk for c in ward.cells if c.active}
    never_this_year = {m.pk for name, m in ward.account_members.items() if name == "dangvien"}
    pledges: list[Pledge] = []
    lines: list[list[PledgeLine]] = []
    for campaign, share in ((last, 0.97), (this, 0.85)):
        counted_on = campaign.counted_on(today)
        for member in ward.members:
            if member.cell_id not in cell_ids or not _current(member, counted_on):
                continue
            if campaign is this and member.pk in never_this_year:
                continue
            if rng.random() >= (0.4 if member.is_exempt(counted_on) else share):
                continue
            secretary = ward.secretaries.get(member.cell_id)
            recorder = users_by_member.get(secretary.pk) if secretary is not None else leader
            pledge = _signed(campaign, member, rng, today, recorder or leader, users_by_member.get(member.pk))
            pledges.append(pledge)
            lines.append(_lines(rng, campaign.year))
    Pledge.objects.bulk_create(pledges, batch_size=2000)
    for pledge, own in zip(pledges, lines, strict=True):
        for line in own:
            line.pledge = pledge
    PledgeLine.objects.bulk_create([line for own in lines for line in own], batch_size=5000)
    return {"pledges": len(pledges)}


def _campaign(ward: Ward, year: int, opened_on: dt.date, text: str, leader: Any) -> PledgeCampaign:
    campaign = PledgeCampaign.objects.create(
        committee=ward.committee,
        year=year,
        title=f"Cam kết tu dưỡng, rèn luyện, phấn đấu năm {year}",
        opened_on=opened_on,
        due_on=max(dt.date(year, 3, 31), opened_on),
        text=text,
        created_by=leader,
    )
    PledgeCampaignText.objects.create(campaign=campaign, number=1, text=text, created_by=leader)
    return campaign


def _current(member: Any, on: dt.date) -> bool:
    admitted = member.admitted_on is None or member.admitted_on <= on
    return admitted and (member.left_on is None or member.left_on > on)


def _signed(
    campaign: PledgeCampaign, member: Any, rng: random.Random, today: dt.date, secretary: Any, own: Any
) -> Pledge:
    elderly = member.birth_date is not None and member.birth_date < ELDERLY_BEFORE
    paper = own is None and (elderly or rng.random() < 0.2)
    last_day = min(campaign.due_on + dt.timedelta(days=20), today, dt.date(campaign.year, 12, 31))
    span = max((last_day - campaign.opened_on).days, 0)
    day = campaign.opened_on + dt.timedelta(days=rng.randint(0, span))
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(7, 20), rng.randint(0, 59))))
    if paper:
        recorded = min(day + dt.timedelta(days=rng.randint(0, 3)), today)
        moment = timezone.make_aware(dt.datetime.combine(recorded, dt.time(rng.randint(8, 17), 0)))
    return Pledge(
        campaign=campaign,
        member=member,
        method=Pledge.Method.PAPER if paper else Pledge.Method.ONLINE,
        text_version=1,
        text_signed=campaign.text,
        signed_at=moment,
        paper_signed_on=day if paper else None,
        recorded_by=secretary if paper else own,
    )


def _lines(rng: random.Random, year: int) -> list[PledgeLine]:
    chosen = rng.sample(COMMITMENTS, rng.randint(2, 3))
    deeds = rng.sample(DEEDS, rng.randint(1, 2))
    end = dt.date(year, 12, 31)
    return [
        PledgeLine(
            kind=PledgeLine.Kind.COMMITMENT, position=i, text=t, target=target, due_on=end if target else None
        )
        for i, (t, target) in enumerate(chosen, start=1)
    ] + [
        PledgeLine(
            kind=PledgeLine.Kind.DEED, position=i, text=t, target=target, due_on=end if target else None
        )
        for i, (t, target) in enumerate(deeds, start=1)
    ]


PLAN_ITEMS = [
    ("Dự đầy đủ sinh hoạt ở chi bộ được phân công phụ trách", "12/12 buổi", 12, 31),
    ("Đối thoại trực tiếp với nhân dân ở tổ dân phố", "2 buổi", 6, 30),
    ("Kiểm tra việc khắc phục hạn chế sau kiểm điểm ở chi bộ", "toàn bộ hạn chế", 9, 30),
    ("Học tập, quán triệt nghị quyết mới của cấp trên", "100% đảng viên", 3, 31),
    ("Giải quyết dứt điểm kiến nghị của nhân dân thuộc phạm vi phụ trách", "", 10, 31),
]


def build_plans(ward: Ward, *, rng: random.Random) -> dict[str, int]:
    """This year's action plans for most of the committee's and cells' leaders (about one in eight missing),
    items in every status, some with dated progress notes."""
    from reviews.models import ActionPlan, ActionPlanItem, ActionPlanNote
    from reviews.services import plans as plan_services

    today = ward.today
    users_by_member = {m.pk: ward.users[name] for name, m in ward.account_members.items()}
    authors = plan_services.expected_authors(ward.committee, today)
    missing = _missing(ward)

    def writes(member: Any) -> bool:
        if member.pk in users_by_member:  # the demo logins: all written but one, so each page has content
            return member.pk != missing
        return rng.random() < 0.88

    plans = [
        ActionPlan(
            member=m,
            year=today.year,
            committee=ward.committee,
            cell=cell,
            created_by=users_by_member.get(m.pk),
        )
        for m, cell in authors
        if writes(m)
    ]
    ActionPlan.objects.bulk_create(plans, batch_size=2000)
    items = []
    for plan in plans:
        for position, (text, target, month, day) in enumerate(rng.sample(PLAN_ITEMS, 3), start=1):
            due = dt.date(today.year, month, day)
            status = (
                ActionPlanItem.Status.DONE
                if due < today and rng.random() < 0.7
                else rng.choice([ActionPlanItem.Status.PLANNED, ActionPlanItem.Status.IN_PROGRESS])
            )
            items.append(
                ActionPlanItem(
                    plan=plan, position=position, text=text, target=target, due_on=due, status=status
                )
            )
    ActionPlanItem.objects.bulk_create(items, batch_size=5000)
    notes = [
        ActionPlanNote(
            item=item,
            on=min(item.due_on, today),
            text="Đã thực hiện xong." if item.status == ActionPlanItem.Status.DONE else "Đang triển khai.",
            status=item.status,
            by=item.plan.created_by,
        )
        for item in items
        if item.status != ActionPlanItem.Status.PLANNED
    ]
    ActionPlanNote.objects.bulk_create(notes, batch_size=5000)
    return {"plans": len(plans)}


def _missing(ward: Ward) -> int | None:
    """The demo's deputy secretary has not written a plan yet: the committee page shows a missing one."""
    member = ward.account_members.get("phobithu")
    return member.pk if member is not None else None
