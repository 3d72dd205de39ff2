"""Demo reviews and shortcomings: last year's finished round, this year's open one, shortcomings in every state.

Member reviews past self-assessment carry the form's sections and their year's pledge lines marked
(`reviews.demo_self_reviews`), so the pledges are built first.

Deterministic (draws only from `rng`, dates from `ward.today`) and inserted in bulk, so `seed_demo --scale`
stays fast.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from django.utils import timezone

from cells.demo import Ward
from cells.models import Member
from reviews.demo_self_reviews import mark_pledge_lines, write_self_reviews
from reviews.models import (
    DueDateExtension,
    Manifestation,
    RemediationUpdate,
    Review,
    ReviewRound,
    Shortcoming,
)
from reviews.models.reviews import RatingLevels
from reviews.services import reviews as services

St = Shortcoming.Status
RS = Review.Status

SHORTCOMINGS = [
    "Chưa thường xuyên tham gia sinh hoạt chi bộ, có tháng vắng không có lý do.",
    "Chưa tích cực học tập, nghiên cứu nghị quyết của Đảng.",
    "Đóng đảng phí chưa đúng hạn.",
    "Còn nể nang, ngại va chạm trong tự phê bình và phê bình.",
    "Chưa gương mẫu vận động gia đình thực hiện quy định của tổ dân phố.",
    "Chậm triển khai nhiệm vụ được chi bộ phân công.",
    "Chưa sâu sát nắm tình hình tư tưởng quần chúng nơi cư trú.",
]
PLANS = [
    "Tham gia đầy đủ các buổi sinh hoạt chi bộ; báo cáo chi bộ hằng quý.",
    "Học tập, viết thu hoạch nghị quyết; chi bộ kiểm tra vào cuối quý.",
    "Nộp đảng phí đúng ngày 10 hằng tháng.",
    "Thẳng thắn góp ý tại các buổi sinh hoạt; tự đánh giá hằng quý.",
    "Hoàn thành nhiệm vụ đúng hạn, báo cáo kết quả với bí thư chi bộ.",
]
COLLECTIVE = "Chất lượng sinh hoạt chi bộ chưa cao; nội dung sinh hoạt chuyên đề còn sơ sài."
PROGRESS = [
    "Đã thực hiện theo kế hoạch trong tháng.",
    "Đã khắc phục một phần, tiếp tục thực hiện.",
    "Đã hoàn thành.",
]


def build_reviews(ward: Ward, *, rng: random.Random) -> dict[str, int]:
    today = ward.today
    users_by_member = {m.pk: ward.users[name] for name, m in ward.account_members.items()}
    leader = ward.users.get("bithu")
    inspector = ward.users.get("ubkt")
    manifestations = list(Manifestation.objects.order_by("code"))
    last_year, this_year = today.year - 1, today.year
    cells = [c for c in ward.cells if c.active]
    cell_ids = {c.pk for c in cells}
    people = [
        m
        for m in ward.members
        if m.cell_id in cell_ids and m.left_on is None and (m.admitted_on is None or m.admitted_on <= today)
    ]
    rated = [m for m in people if not m.is_exempt(today)]

    finished = ReviewRound.objects.create(
        committee=ward.committee,
        title=f"Kiểm điểm, xếp loại chất lượng năm {last_year}",
        period_kind="year",
        year=last_year,
        status=ReviewRound.Status.CLOSED,
        started_by=leader,
        closed_by=leader,
        closed_at=timezone.make_aware(dt.datetime(last_year, 12, 30, 16, 0)),
    )
    open_round = ReviewRound.objects.create(
        committee=ward.committee,
        title=f"Kiểm điểm, xếp loại chất lượng năm {this_year}",
        period_kind="year",
        year=this_year,
        started_by=leader,
    )
    decided_at = timezone.make_aware(dt.datetime(last_year, 12, 28, 9, 0))
    reviews: list[Review] = []
    for member in rated:
        secretary_user = (
            users_by_member.get(ward.secretaries[member.cell_id].pk)
            if member.cell_id in ward.secretaries
            else None
        )
        reviews.append(_decided(finished, member.cell_id, member, rng, decided_at, leader, secretary_user))
        reviews.append(
            _open(open_round, member.cell_id, member, rng, leader, secretary_user, users_by_member)
        )
    for cell in cells:
        secretary_user = (
            users_by_member.get(ward.secretaries[cell.pk].pk) if cell.pk in ward.secretaries else None
        )
        reviews.append(_decided(finished, cell.pk, None, rng, decided_at, leader, secretary_user))
        reviews.append(_open(open_round, cell.pk, None, rng, leader, secretary_user, users_by_member))
    _nobody_decides_their_own(ward, reviews, leader, ward.users.get("phobithu"))
    shortcomings = _shortcomings(ward, rated, cells, manifestations, rng, users_by_member, inspector)
    _nobody_verifies_their_own(ward, shortcomings, inspector, ward.users.get("ubkt2"))
    Shortcoming.objects.bulk_create(shortcomings, batch_size=2000)
    _decide_as_the_pages_do(reviews)
    own = random.Random(f"self-reviews-{ward.seed}")  # its own: the draws above and after stay
    write_self_reviews(ward, reviews, rng=own)
    Review.objects.bulk_create(reviews, batch_size=2000)
    outcomes = mark_pledge_lines(ward, reviews, rng=own)  # the pledges are built before the reviews
    for review_round in (finished, open_round):
        services.recount_round(review_round)  # the progress pages read these counts, not the reviews

    verifiers = [_verifier(ward, item, inspector, ward.users.get("ubkt2")) for item in shortcomings]
    updates, extensions = _timelines(shortcomings, rng, verifiers, today)
    RemediationUpdate.objects.bulk_create(updates, batch_size=5000)
    DueDateExtension.objects.bulk_create(extensions, batch_size=2000)
    return {"reviews": len(reviews), "shortcomings": len(shortcomings), "pledge_outcomes": outcomes}


def _member_of(ward: Ward, username: str) -> int | None:
    member = ward.account_members.get(username)
    return member.pk if member is not None else None


def _nobody_decides_their_own(ward: Ward, reviews: list[Review], leader: Any, deputy: Any) -> None:
    """As the pages require (reviews/permissions/duties.py): the Bí thư's own review, and the collective
    review of a cell they are secretary of, are decided by the deputy secretary."""
    mine = _member_of(ward, "bithu")
    led = {cell_id for cell_id, secretary in ward.secretaries.items() if secretary.pk == mine}
    for review in reviews:
        own = review.member_id == mine if review.member_id is not None else review.cell_id in led
        if review.decided_by == leader and own:
            review.decided_by = deputy


def _verifier(ward: Ward, item: Shortcoming, inspector: Any, other: Any) -> Any:
    """The UBKT chair, unless the item is their own (about them, theirs to fix, or of a cell they are
    secretary of): then the other UBKT member verifies it and answers its requests for a later due date."""
    mine = _member_of(ward, "ubkt")
    secretary = ward.secretaries.get(item.cell_id)
    own = mine in (item.subject_member_id, item.owner_id) or (secretary is not None and secretary.pk == mine)
    return other if own else inspector


def _nobody_verifies_their_own(ward: Ward, items: list[Shortcoming], inspector: Any, other: Any) -> None:
    for item in items:
        if item.verified_by is not None:
            item.verified_by = _verifier(ward, item, inspector, other)


def _decide_as_the_pages_do(reviews: list[Review]) -> None:
    """Bring the drawn decisions within the rules the decision page applies: a top rating refused there (the
    cap on its share of the round, earlier shortcomings not all verified) is decided one level lower.
    """
    levels = RatingLevels.load()
    top, good = levels.top, levels.levels[1].code
    cap = services.top_cap()
    counts: Counter[tuple[int, bool, str]] = Counter()
    for review in reviews:
        if review.status != RS.DECIDED:
            continue
        key = (id(review.round), review.member is None)
        if review.decided_rating == top and (
            not services.top_cap_allows(top=counts[*key, top] + 1, good=counts[*key, good], cap=cap)
            or services.rating_problem(
                top,
                levels=levels,
                manifestation_present=False,
                earlier=services.earlier_shortcomings(review),
                exempt=False,
            )
        ):
            review.decided_rating = good
        counts[*key, review.decided_rating] += 1


def _rating(rng: random.Random) -> str:
    return rng.choices(["excellent", "good", "done", "not_done"], weights=[12, 70, 15, 3])[0]


def _decided(
    review_round: ReviewRound,
    cell_id: int,
    member: Member | None,
    rng: random.Random,
    at: dt.datetime,
    leader: Any,
    secretary: Any,
) -> Review:
    rating = _rating(rng)
    return Review(
        round=review_round,
        cell_id=cell_id,
        member=member,
        period_kind="year",
        year=review_round.year,
        title=review_round.title,
        status=RS.DECIDED,
        self_assessment="Chấp hành tốt chủ trương, đường lối của Đảng; hoàn thành nhiệm vụ được giao.",
        criticism="Chi bộ góp ý: cần chủ động hơn trong công tác tuyên truyền ở khu dân cư.",
        self_assessed_by=secretary,
        self_assessed_at=at - dt.timedelta(days=20),
        proposed_rating=rating,
        proposed_by=secretary,
        proposed_at=at - dt.timedelta(days=10),
        decided_rating=rating,
        decided_by=leader,
        decided_at=at,
    )


def _open(
    review_round: ReviewRound,
    cell_id: int,
    member: Member | None,
    rng: random.Random,
    leader: Any,
    secretary: Any,
    users_by_member: dict[int, Any],
) -> Review:
    status = rng.choices([RS.DRAFT, RS.SELF_ASSESSED, RS.PROPOSED, RS.DECIDED], weights=[35, 35, 20, 10])[0]
    now = timezone.now()
    review = Review(
        round=review_round,
        cell_id=cell_id,
        member=member,
        period_kind="year",
        year=review_round.year,
        title=review_round.title,
        status=status,
    )
    if status != RS.DRAFT:
        own = users_by_member.get(member.pk) if member is not None else None
        review.self_assessment = (
            "Tự nhận thấy đã cố gắng hoàn thành nhiệm vụ; còn hạn chế về thời gian sinh hoạt."
        )
        review.self_assessed_by = own or secretary
        review.self_assessed_on_paper = member is not None and own is None
        review.self_assessed_at = now - dt.timedelta(days=12)
    if status in (RS.PROPOSED, RS.DECIDED):
        review.proposed_rating = _rating(rng) if rng.random() < 0.9 else "good"
        review.proposed_by, review.proposed_at = secretary, now - dt.timedelta(days=6)
        review.criticism = "Các đồng chí trong chi bộ góp ý: cần gương mẫu hơn ở nơi cư trú."
    if status == RS.DECIDED:
        review.decided_rating, review.decided_by, review.decided_at = review.proposed_rating, leader, now
    return review


def _shortcomings(
    ward: Ward,
    rated: list[Member],
    cells: list[Any],
    manifestations: list[Manifestation],
    rng: random.Random,
    users_by_member: dict[int, Any],
    inspector: Any,
) -> list[Shortcoming]:
    today = ward.today
    last_year = today.year - 1
    items: list[Shortcoming] = []
    earlier: dict[tuple[int, int], bool] = {}  # (member, manifestation) found last year: a repeat this year
    dangvien = ward.account_members.get("dangvien")
    subjects = [m for m in rated if rng.random() < 0.18]
    if dangvien is not None and dangvien not in subjects:
        subjects.append(dangvien)
    # Last year's round: most fixed and verified by now, some still dragging on (overdue).
    for member in subjects:
        manifestation = rng.choice(manifestations) if rng.random() < 0.5 else None
        raised = dt.date(last_year, 12, rng.randint(5, 28))
        due = raised + dt.timedelta(days=rng.choice([60, 90, 120]))
        status = rng.choices(
            [St.VERIFIED, St.REPORTED_FIXED, St.IN_PROGRESS, St.WITHDRAWN], weights=[70, 8, 18, 4]
        )[0]
        if member == dangvien:
            status = St.VERIFIED
        items.append(_item(member.cell_id, member, manifestation, raised, due, status, last_year, rng))
        if manifestation is not None:
            earlier[(member.pk, manifestation.pk)] = True
    for cell in cells:
        if rng.random() < 0.5:
            raised = dt.date(last_year, 12, rng.randint(5, 28))
            owner = ward.secretaries.get(cell.pk)
            if owner is not None:
                items.append(
                    _item(
                        cell.pk,
                        None,
                        None,
                        raised,
                        raised + dt.timedelta(days=90),
                        St.VERIFIED,
                        last_year,
                        rng,
                        owner=owner,
                        description=COLLECTIVE,
                    )
                )
    # This year: raised through the year from meetings and inspections, in every state.
    for member in subjects:
        if rng.random() < 0.35 and member != dangvien:
            continue
        if rng.random() < 0.3 and any(k[0] == member.pk for k in earlier):
            manifestation_id = next(k[1] for k in earlier if k[0] == member.pk)
            manifestation = next(m for m in manifestations if m.pk == manifestation_id)
        else:
            manifestation = rng.choice(manifestations) if rng.random() < 0.4 else None
        start = dt.date(today.year, 1, 1)
        raised = start + dt.timedelta(days=rng.randint(0, max(0, (today - start).days)))
        due = raised + dt.timedelta(days=rng.choice([30, 60, 90, 150]))
        status = rng.choices(
            [St.OPEN, St.IN_PROGRESS, St.REPORTED_FIXED, St.VERIFIED, St.WITHDRAWN],
            weights=[25, 35, 15, 22, 3],
        )[0]
        if member == dangvien:
            status = St.IN_PROGRESS
            due = max(due, today + dt.timedelta(days=20))
        item = _item(
            member.cell_id,
            member,
            manifestation,
            raised,
            due,
            status,
            today.year,
            rng,
            source=rng.choice([Shortcoming.Source.MEETING, Shortcoming.Source.INSPECTION]),
        )
        item.is_repeat = manifestation is not None and (member.pk, manifestation.pk) in earlier
        if status in Shortcoming.ACTIVE and rng.random() < 0.15:
            item.due_on = item.original_due_on + dt.timedelta(days=60)  # an approved extension
        items.append(item)
    for item in items:
        if item.status == St.VERIFIED:
            item.verified_by, item.verified_at = inspector, timezone.now()
            item.verification_note = "UBKT đã kiểm tra, xác nhận đã khắc phục."
        owner_user = users_by_member.get(item.owner_id) or users_by_member.get(
            ward.secretaries[item.cell_id].pk if item.cell_id in ward.secretaries else 0
        )
        item.created_by = owner_user
    return items


def _item(
    cell_id: int,
    member: Member | None,
    manifestation: Manifestation | None,
    raised: dt.date,
    due: dt.date,
    status: str,
    year: int,
    rng: random.Random,
    *,
    owner: Member | None = None,
    description: str | None = None,
    source: str = Shortcoming.Source.REVIEW,
) -> Shortcoming:
    return Shortcoming(
        source=source,
        cell_id=cell_id,
        subject_member=member,
        owner=owner or member,
        description=description or rng.choice(SHORTCOMINGS),
        manifestation=manifestation,
        plan=rng.choice(PLANS),
        raised_on=raised,
        period_start=dt.date(year, 1, 1),
        original_due_on=due,
        due_on=due,
        status=status,
    )


def _timelines(
    items: list[Shortcoming], rng: random.Random, verifiers: list[Any], today: dt.date
) -> tuple[list[RemediationUpdate], list[DueDateExtension]]:
    updates: list[RemediationUpdate] = []
    extensions: list[DueDateExtension] = []
    kind = RemediationUpdate.Kind
    for item, verifier in zip(items, verifiers, strict=True):
        by = item.created_by
        updates.append(
            RemediationUpdate(shortcoming=item, kind=kind.CREATED, to_status=St.OPEN, text=item.plan, by=by)
        )
        if item.status != St.OPEN:
            updates.append(
                RemediationUpdate(shortcoming=item, kind=kind.PROGRESS, text=rng.choice(PROGRESS), by=by)
            )
            updates.append(
                RemediationUpdate(
                    shortcoming=item, kind=kind.STATUS, from_status=St.OPEN, to_status=St.IN_PROGRESS, by=by
                )
            )
        if item.status in (St.REPORTED_FIXED, St.VERIFIED):
            updates.append(
                RemediationUpdate(
                    shortcoming=item,
                    kind=kind.STATUS,
                    from_status=St.IN_PROGRESS,
                    to_status=St.REPORTED_FIXED,
                    by=by,
                )
            )
        if item.status == St.VERIFIED:
            updates.append(
                RemediationUpdate(
                    shortcoming=item,
                    kind=kind.STATUS,
                    from_status=St.REPORTED_FIXED,
                    to_status=St.VERIFIED,
                    text=item.verification_note,
                    by=verifier,
                )
            )
        if item.status == St.WITHDRAWN:
            updates.append(
                RemediationUpdate(
                    shortcoming=item,
                    kind=kind.STATUS,
                    from_status=St.IN_PROGRESS,
                    to_status=St.WITHDRAWN,
                    text="Chi bộ kết luận không phải khuyết điểm của đảng viên.",
                    by=by,
                )
            )
        if item.due_on != item.original_due_on:
            extensions.append(
                DueDateExtension(
                    shortcoming=item,
                    previous_due_on=item.original_due_on,
                    new_due_on=item.due_on,
                    reason="Đang điều trị bệnh, xin lùi thời hạn khắc phục.",
                    status=DueDateExtension.Status.APPROVED,
                    requested_by=by,
                    decided_by=verifier,
                    decided_at=timezone.now(),
                )
            )
        elif item.is_active and item.due_on >= today and rng.random() < 0.05:
            extensions.append(
                DueDateExtension(
                    shortcoming=item,
                    previous_due_on=item.due_on,
                    new_due_on=item.due_on + dt.timedelta(days=30),
                    reason="Công việc gia đình, xin thêm thời gian.",
                    requested_by=by,
                )
            )
    return updates, extensions
