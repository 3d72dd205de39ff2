"""Demo citizens' feedback: a year of items in every state, a few overdue, one that became a shortcoming,
and the head's reception sessions (one month below the rule).

Deterministic (draws only from `rng`, dates from `ward.today`) and inserted in bulk; deadlines computed as
the service computes them (working days from the `petitions.*` rules).
"""

from __future__ import annotations

import datetime as dt
import random

from cells.demo import Ward
from phuthang.working_days import add_working_days
from reviews.models import FeedbackItem, FeedbackStep, ReceptionSession
from reviews.services import feedback as services

Item, St, Step = FeedbackItem, FeedbackItem.Status, FeedbackStep.Kind

CONTENTS = {
    Item.Kind.REFLECTION: "Phản ánh đảng viên chưa gương mẫu chấp hành quy định về vệ sinh môi trường nơi cư trú.",
    Item.Kind.PROPOSAL: "Kiến nghị chi bộ quan tâm hơn đến việc sửa chữa đường ngõ của tổ dân phố.",
    Item.Kind.COMPLAINT: "Khiếu nại việc đánh giá, xếp loại đảng viên chưa đúng quy trình.",
    Item.Kind.DENUNCIATION: "Tố cáo đảng viên sử dụng tài sản công vào việc riêng.",
}
SENDERS = ["Nguyễn Văn Hòa", "Trần Thị Mai", "Lê Văn Bình", "Phạm Thị Thu", "Đỗ Văn Quang"]
# (status, days ago received, told in time?) — the states the demo shows; a few overdue on purpose
PLAN = [
    (St.RECEIVED, 3, False),
    (St.RECEIVED, 40, False),  # overdue: the sender not told
    (St.ACCEPTED, 20, True),
    (St.ACCEPTED, 160, True),  # a denunciation overdue for settlement
    (St.FORWARDED, 60, True),
    (St.NOT_HANDLED, 90, False),
    (St.DUPLICATE, 120, True),
    (St.CONCLUDED, 200, True),
    (St.CONCLUDED, 300, True),
    (St.CONCLUDED, 340, True),
]


def build_feedback(ward: Ward, *, rng: random.Random) -> int:
    today = ward.today
    limits = services.petition_rules()
    staff, chair = ward.users.get("vanphong"), ward.users.get("ubkt")
    people = [m for m in ward.members if m.left_on is None and m.cell.active]
    kinds = list(CONTENTS)
    items, steps = [], []
    for n, (status, ago, told) in enumerate(PLAN * 2):
        received = today - dt.timedelta(days=ago + n % 7)
        kind = (
            Item.Kind.DENUNCIATION if status in (St.ACCEPTED, St.CONCLUDED) and n % 2 == 0 else kinds[n % 4]
        )
        person = rng.choice(people)
        anonymous = status == St.NOT_HANDLED
        settle = (
            add_working_days(received, int(limits["resolve_within_working_days"]))
            if kind == "denunciation"
            else None
        )
        concluded = status == St.CONCLUDED
        item = Item(
            committee=ward.committee,
            received_on=received,
            postmark_on=received - dt.timedelta(days=2) if n % 3 == 0 else None,
            channel=Item.Channel.LETTER
            if n % 3 == 0
            else list(Item.Channel.values)[n % len(Item.Channel.values)],
            kind=kind,
            anonymous=anonymous,
            sender_name="" if anonymous else SENDERS[n % len(SENDERS)],
            sender_address="" if anonymous else f"Tổ dân phố {1 + n % 9}",
            content=CONTENTS[kind],
            concerns=Item.Concerns.MEMBER,
            concerned_member=person,
            status=status,
            jurisdiction={St.FORWARDED: Item.Jurisdiction.STATE, St.RECEIVED: ""}.get(
                status, Item.Jurisdiction.UBKT
            ),
            not_handled=Item.NotHandled.ANONYMOUS if anonymous else "",
            classification_reason="Đơn nặc danh"
            if anonymous
            else ("Trùng nội dung" if status == St.DUPLICATE else ""),
            handler=chair if status in (St.ACCEPTED, St.CONCLUDED) else None,
            acknowledge_due_on=add_working_days(received, int(limits["acknowledge_within_working_days"])),
            acknowledged_on=received + dt.timedelta(days=5) if told else None,
            settle_due_on=settle,
            original_settle_due_on=settle,
            conclusion="Nội dung phản ánh đúng một phần; đã nhắc nhở đảng viên." if concluded else "",
            finds_fault=concluded and n % 2 == 0,
            concluded_on=received + dt.timedelta(days=60) if concluded else None,
            replied_on=received + dt.timedelta(days=65) if concluded else None,
            created_by=staff,
        )
        items.append(item)
    Item.objects.bulk_create(items)
    for item in items:
        steps.append(FeedbackStep(item=item, kind=Step.RECEIVED, on=item.received_on, by=staff))
        if item.acknowledged_on:
            steps.append(FeedbackStep(item=item, kind=Step.TOLD, on=item.acknowledged_on, by=staff))
        if item.concluded_on:
            steps.append(
                FeedbackStep(
                    item=item, kind=Step.CONCLUDED, on=item.concluded_on, text=item.conclusion, by=chair
                )
            )
    FeedbackStep.objects.bulk_create(steps)
    # one concluded item that found fault became a shortcoming, on the remediation path
    faulty = next(i for i in items if i.status == St.CONCLUDED and i.finds_fault)
    if chair is not None:
        services.raise_shortcoming(
            faulty,
            by=chair,
            version=faulty.version,
            description="Sử dụng tài sản công vào việc riêng (theo đơn tố cáo).",
            plan="Kiểm điểm trước chi bộ; hoàn trả chi phí; cam kết không tái phạm.",
            due_on=today + dt.timedelta(days=60),
        )
    build_receptions(ward)
    return len(items)


def build_receptions(ward: Ward) -> None:
    """Two reception days a month for the past year, but one month with a single day (below the rule)."""
    sessions = []
    for back in range(12):
        month = dt.date(ward.month.year, ward.month.month, 1)
        index = month.year * 12 + month.month - 1 - back
        first = dt.date(index // 12, index % 12 + 1, 1)
        days = [10] if back == 2 else [10, 25]
        for day in days:
            held = first.replace(day=day)
            if held <= ward.today:
                sessions.append(
                    ReceptionSession(
                        committee=ward.committee,
                        held_on=held,
                        received_by="Đồng chí Bí thư Đảng ủy",
                        attendance=3 + (back + day) % 5,
                    )
                )
    sessions.append(
        ReceptionSession(
            committee=ward.committee,
            kind=ReceptionSession.Kind.DIALOGUE,
            held_on=ward.today - dt.timedelta(days=45),
            received_by="Bí thư, Chủ tịch UBND phường",
            attendance=60,
        )
    )
    ReceptionSession.objects.bulk_create(sessions)
