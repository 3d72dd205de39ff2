"""Demo self-reviews: the year-end review's sections as a member writes them, and each line of the year's
pledge marked kept, partly kept or not kept with a short note (docs/pledges.md, In the year-end review).

Filled for every member review past self-assessment: all of last year's, this year's that have reached it.
Draws only from its own `rng`, so the rest of the demo draws what it drew before; the pledge lines are read
in one query and the outcomes inserted in bulk, so `seed_demo --scale` stays fast.
"""

from __future__ import annotations

import random
from typing import Any

from cells.demo import Ward
from cells.models import CELL_ROLES, COMMITTEE_ROLES, Position
from reviews.models import PledgeLine, PledgeLineOutcome, Review

RS = Review.Status
Outcome = PledgeLineOutcome.Outcome

STRENGTHS = [
    "Chấp hành nghiêm chủ trương của Đảng, chính sách, pháp luật của Nhà nước.",
    "Tham gia sinh hoạt chi bộ đầy đủ, đóng đảng phí đúng hạn.",
    "Gương mẫu ở nơi cư trú, vận động gia đình chấp hành quy định của tổ dân phố.",
    "Hoàn thành các việc chi bộ phân công.",
    "Giữ mối liên hệ với chi ủy và nhân dân nơi cư trú, nắm được tình hình trong tổ.",
    "Đoàn kết, chân thành với đồng chí, đồng nghiệp và bà con lối xóm.",
    "Tích cực tham gia các phong trào của phường và tổ dân phố.",
]
SHORTCOMINGS = [
    "Có buổi sinh hoạt còn đến muộn. Nguyên nhân: chưa sắp xếp công việc gia đình hợp lý.",
    "Việc học tập nghị quyết chưa thường xuyên, còn ngại đọc tài liệu.",
    "Trong sinh hoạt đôi khi còn ngại góp ý với đồng chí. Nguyên nhân chủ quan là còn nể nang.",
    "Chưa đi sâu nắm tình hình tư tưởng bà con trong tổ.",
    "Có việc được giao còn làm chậm so với thời hạn.",
]
SERIOUS = [
    "Vắng nhiều buổi sinh hoạt chi bộ, có buổi không báo cáo. Nguyên nhân: chủ quan, thiếu ý thức.",
    "Đóng đảng phí còn chậm nhiều tháng.",
    "Chưa hoàn thành việc chi bộ phân công trong năm.",
]
COLLECTIVE = [
    "Với cương vị được giao, tôi nhận trách nhiệm về việc chất lượng sinh hoạt chi bộ có lúc chưa cao.",
    "Tôi chịu trách nhiệm về việc một số hạn chế sau kiểm điểm năm trước khắc phục còn chậm.",
    "Việc nắm tình hình và đôn đốc đảng viên ở nơi cư trú chưa thường xuyên, tôi nhận phần trách nhiệm.",
]
DIRECTION = [
    "Sắp xếp thời gian để dự đủ các buổi sinh hoạt chi bộ.",
    "Học tập nghị quyết đầy đủ, viết thu hoạch đúng hạn.",
    "Thẳng thắn góp ý với đồng chí trong sinh hoạt.",
    "Gần dân hơn, nắm tình hình tổ dân phố và báo cáo chi ủy kịp thời.",
    "Làm xong việc được giao đúng hạn, có gì vướng thì báo cáo ngay.",
]
# what a member writes beside each line of the pledge (demo_pledges.COMMITMENTS and DEEDS), by outcome
NOTES: dict[str, tuple[str, str, str]] = {
    "Tham gia đầy đủ, đúng giờ các buổi sinh hoạt chi bộ": (
        "Dự đủ 12/12 buổi.",
        "Dự 10/12 buổi, vắng 2 buổi có báo cáo.",
        "Vắng nhiều buổi do đi làm xa.",
    ),
    "Đóng đảng phí đầy đủ, đúng hạn": (
        "Đóng đủ 12 tháng, đúng hạn.",
        "Đóng đủ nhưng có 2 tháng nộp chậm.",
        "Còn nợ đảng phí 3 tháng.",
    ),
    "Không nói, viết, làm trái quan điểm, đường lối của Đảng": (
        "Thực hiện tốt.",
        "Có lần chia sẻ tin chưa kiểm chứng trên mạng, đã gỡ.",
        "Có lần phát ngôn chưa đúng, chi bộ đã nhắc nhở.",
    ),
    "Gương mẫu thực hiện nếp sống văn minh nơi cư trú": (
        "Gia đình đạt danh hiệu gia đình văn hóa.",
        "Có lúc để vật liệu xây dựng lấn ra ngõ.",
        "Chưa gương mẫu, tổ dân phố có ý kiến.",
    ),
    "Thường xuyên học tập nghị quyết, nâng cao trình độ lý luận chính trị": (
        "Dự đủ các lớp, có viết thu hoạch.",
        "Dự được phần lớn các lớp.",
        "Chưa dự lớp học nghị quyết nào.",
    ),
    "Giữ gìn đoàn kết trong chi bộ và khu dân cư": (
        "Đoàn kết tốt, không để xảy ra mâu thuẫn.",
        "Có lần tranh cãi với hàng xóm, đã hòa giải xong.",
        "Còn mâu thuẫn với hộ bên cạnh, chưa giải quyết.",
    ),
    "Vận động các hộ trong tổ phân loại rác tại nguồn": (
        "Các hộ trong tổ đã phân loại rác.",
        "Được khoảng một nửa số hộ.",
        "Chưa vận động được.",
    ),
    "Tham gia tổ hòa giải ở cơ sở": (
        "Tham gia hòa giải 3 vụ, đều thành.",
        "Tham gia được 1 vụ.",
        "Chưa tham gia buổi nào.",
    ),
    "Thăm hỏi các gia đình chính sách trong tổ dịp lễ, Tết": (
        "Đã thăm dịp Tết và ngày 27/7.",
        "Mới thăm dịp Tết.",
        "Chưa đi thăm được.",
    ),
    "Vận động con cháu chấp hành luật giao thông": (
        "Con cháu chấp hành tốt.",
        "Cháu có lần bị nhắc vì không đội mũ bảo hiểm.",
        "Con bị phạt vi phạm giao thông.",
    ),
    "Tham gia dọn vệ sinh ngõ xóm hằng tháng": (
        "Tham gia đủ các buổi.",
        "Tham gia 8/12 buổi.",
        "Ít tham gia do sức khỏe yếu.",
    ),
}
GENERIC = ("Đã thực hiện.", "Thực hiện được một phần.", "Chưa thực hiện được.")
# the outcome of a line, by the level the member's review reached: weights of kept, partly, not kept
WEIGHTS = {"excellent": (95, 5, 0), "good": (80, 18, 2), "done": (55, 35, 10), "not_done": (30, 40, 30)}
LOWER = {"excellent": "good", "good": "done", "done": "not_done", "not_done": "not_done"}


def write_self_reviews(ward: Ward, reviews: list[Review], *, rng: random.Random) -> None:
    """Fill the sections of every member review past self-assessment (before it is inserted); the part on
    the collective's shortcomings only for members in leadership, as the form takes it (one query)."""
    leaders = set(
        Position.objects.current(ward.today)
        .filter(role__in=sorted(COMMITTEE_ROLES | CELL_ROLES))
        .values_list("member_id", flat=True)
    )
    for review in reviews:
        if review.member is None or review.status in (RS.DRAFT, RS.WITHDRAWN):
            continue
        level = _level(review, rng)
        serious = level == "not_done"
        review.self_assessment = ""  # written in the sections, as the form does now
        review.self_strengths = " ".join(rng.sample(STRENGTHS, rng.randint(2, 3)))
        review.self_shortcomings = " ".join(
            rng.sample(SERIOUS, 1) + rng.sample(SHORTCOMINGS, 1) if serious else rng.sample(SHORTCOMINGS, 1)
        )
        review.self_collective = rng.choice(COLLECTIVE) if review.member_id in leaders else ""
        review.self_direction = " ".join(rng.sample(DIRECTION, 2))
        review.self_level = level


def _level(review: Review, rng: random.Random) -> str:
    """The level the member proposed: mostly the one the cell then proposed, now and then one too high."""
    cell = review.proposed_rating
    if not cell:
        return rng.choices(["excellent", "good", "done"], weights=[10, 80, 10])[0]
    if cell != "excellent" and rng.random() < 0.1:
        return next(k for k, lower in LOWER.items() if lower == cell)
    return cell


def mark_pledge_lines(ward: Ward, reviews: list[Review], *, rng: random.Random) -> int:
    """Mark each line of the member's standing pledge of the review's year, for the reviews whose sections
    were written (inserted already); one query for the lines. Returns the number of outcomes written."""
    assessed = {(r.member_id, r.year): r for r in reviews if r.member_id is not None and r.self_level}
    years = sorted({year for _member, year in assessed})
    lines = (
        PledgeLine.objects.filter(
            pledge__status="signed",
            pledge__campaign__committee=ward.committee,
            pledge__campaign__year__in=years,
        )
        .values_list("pk", "text", "pledge__member_id", "pledge__campaign__year")
        .order_by("pledge_id", "kind", "position")
    )
    outcomes: list[PledgeLineOutcome] = []
    for pk, text, member_id, year in lines.iterator(chunk_size=5000):
        review = assessed.get((member_id, year))
        if review is None:
            continue
        outcomes.append(_outcome(review, pk, text, rng))
    PledgeLineOutcome.objects.bulk_create(outcomes, batch_size=5000)
    return len(outcomes)


def _outcome(review: Review, line_id: int, text: str, rng: random.Random) -> PledgeLineOutcome:
    level = review.decided_rating or review.proposed_rating or review.self_level
    outcome = rng.choices(
        [Outcome.KEPT, Outcome.PARTLY, Outcome.NOT_KEPT], weights=WEIGHTS.get(level, WEIGHTS["good"])
    )[0]
    notes = NOTES.get(text, GENERIC)
    note = notes[[Outcome.KEPT, Outcome.PARTLY, Outcome.NOT_KEPT].index(outcome)]
    by: Any = review.self_assessed_by
    kept_quietly = outcome == Outcome.KEPT and rng.random() < 0.25  # a line kept needs no word; the rest do
    return PledgeLineOutcome(
        review=review, line_id=line_id, outcome=outcome, note="" if kept_quietly else note, by=by
    )
