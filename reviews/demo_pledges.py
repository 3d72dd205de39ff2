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
