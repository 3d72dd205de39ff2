"""The 100-point worksheet of QĐ 366-QĐ/TW on the year-end review (issue 12): three columns, the totals and
the level the points suggest beside the one decided."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from django.utils.text import capfirst

from reviews.models import CriteriaGroup, Criterion, Manifestation, ReviewFinding, WorksheetScore
from reviews.models.reviews import RatingLevels
from reviews.services import reviews as services
from reviews.services import worksheets
from reviews.services.reviews import EarlierShortcomings
from tests.conftest import vi
from tests.factories import make_review

NONE_EARLIER = EarlierShortcomings(verified=0, total=0)


def full(criteria, total=100, **ticks):
    """A column giving `total` points: every criterion its maximum, the shortfall taken from the last ones."""
    column = {
        c.pk: (bool(ticks.get(c.code)) if c.is_disqualifier else Decimal(c.max_points)) for c in criteria
    }
    short = Decimal(100) - Decimal(str(total))
    for c in reversed([c for c in criteria if not c.is_disqualifier]):
        taken = min(short, column[c.pk])
        column[c.pk] -= taken
        short -= taken
    return column


def posted(criteria, column):
    out = {}
    for c in criteria:
        value = column.get(c.pk)
        if c.is_disqualifier:
            if value:
                out[f"score_{c.pk}"] = "on"
        elif value is not None:
            out[f"score_{c.pk}"] = str(value).replace(".", ",")
    return out


@pytest.fixture
def own(member):
    return make_review(member=member.member)


def test_the_group_for_members_outside_the_political_system_is_loaded_first_adding_up_to_30_and_70(own):
    criteria = worksheets.criteria_for(own)
    assert criteria[0].group.title == "Đảng viên không công tác trong hệ thống chính trị"
    assert not criteria[0].group.verified  # a working draft until the office confirms the wording
    general = sum(c.max_points for c in criteria if c.section == "general")
    tasks = sum(c.max_points for c in criteria if c.section == "tasks")
    assert (general, tasks) == (30, 70)
    assert worksheets.criteria_for(make_review(cell=own.cell)) == []  # no criteria for cells loaded yet


@pytest.mark.parametrize(
    ("total", "level"),
    [
        ("100", "excellent"),
        ("90", "excellent"),
        ("89.5", "good"),
        ("70", "good"),
        ("69.5", "done"),
        ("50", "done"),
        ("49", "not_done"),
        ("0", "not_done"),
    ],
)
def test_the_points_suggest_the_level_at_the_boundaries(db, total, level):
    assert worksheets.suggested_level(Decimal(total), levels=RatingLevels.load(), disqualified=False) == level


def test_a_disqualifier_comes_before_the_points(db):
    levels = RatingLevels.load()
    assert worksheets.suggested_level(Decimal(100), levels=levels, disqualified=True) == "not_done"
    assert (
        worksheets.suggested_level(Decimal(95), levels=levels, disqualified=False, top_allowed=False)
        == "good"
    )


def _sheet(review, present=False, earlier=NONE_EARLIER):
    return worksheets.load(review, levels=RatingLevels.load(), present=present, earlier=earlier)


def test_a_concluded_manifestation_or_a_ticked_disqualifier_makes_full_points_suggest_the_lowest(
    ward, secretary
):
    review = make_review(member=ward.members01[0], status="self_assessed")
    criteria = worksheets.criteria_for(review)
    services.propose(
        review, by=secretary, criticism="", findings={}, rating="", version=1, column=full(criteria)
    )
    assert _sheet(review).column("cell").suggested == "excellent"
    assert _sheet(review, present=True).column("cell").suggested == "not_done"
    review.refresh_from_db()
    services.propose(
        review,
        by=secretary,
        criticism="",
        findings={},
        rating="not_done",
        version=review.version,
        column=full(criteria, **{"L.1": True}),
    )
    cell = _sheet(review).column("cell")
    assert cell.total == 100 and cell.suggested == "not_done"
    assert "Bị thi hành kỷ luật trong năm đánh giá." in cell.reasons


def test_a_ticked_disqualifier_allows_only_the_lowest_rating(ward, secretary):
    review = make_review(member=ward.members01[0], status="self_assessed")
    criteria = worksheets.criteria_for(review)
    with pytest.raises(Exception) as refused:
        services.propose(
            review,
            by=secretary,
            criticism="",
            findings={},
            rating="good",
            version=1,
            column=full(criteria, **{"L.1": True}),
        )
    assert "L.1" in " ".join(refused.value.messages)
    assert not WorksheetScore.objects.filter(review=review).exists()


def test_less_than_half_of_the_task_points_suggests_the_lowest(ward, secretary):
    review = make_review(member=ward.members01[0], status="self_assessed")
    criteria = worksheets.criteria_for(review)
    column = full(criteria)
    for c in criteria:
        if c.section == "tasks":
            column[c.pk] = Decimal(c.max_points) / 2 - Decimal(
                "0.5"
            )  # 30 + 32.5 = 62.5: "done" by the points
    services.propose(review, by=secretary, criticism="", findings={}, rating="", version=1, column=column)
    assert _sheet(review).column("cell").suggested == "not_done"


def sections(**more):
    return {"version": 1, "self_strengths": "Hoàn thành nhiệm vụ ở tổ dân phố.", "self_level": "good", **more}


def test_the_member_scores_their_own_column_when_they_self_assess(client, member, own):
    criteria = worksheets.criteria_for(own)
    client.force_login(member)
    form = client.get(f"/reviews/{own.pk}/self-assessment/").content.decode()
    assert 'data-testid="worksheet-form"' in form and escape(criteria[0].text) in form
    column = full(criteria, total="85.5")
    response = client.post(f"/reviews/{own.pk}/self-assessment/", sections(**posted(criteria, column)))
    assert response.status_code == 302
    scores = WorksheetScore.objects.filter(review=own)
    assert {s.stage for s in scores} == {"self"} and scores.count() == len(criteria)
    page = client.get(f"/reviews/{own.pk}/").content.decode()
    assert 'data-testid="total-self">85,5<' in page
    assert escape(RatingLevels.load().name("good")) in page.split('data-testid="suggested-self">')[1][:80]


def test_a_score_above_its_criterions_maximum_is_refused_and_nothing_is_saved(client, member, own):
    criteria = worksheets.criteria_for(own)
    first = criteria[0]
    column = full(criteria)
    column[first.pk] = Decimal(12)
    client.force_login(member)
    response = client.post(f"/reviews/{own.pk}/self-assessment/", sections(**posted(criteria, column)))
    assert response.status_code == 200
    message = vi(
        "Criterion %(code)s has at most %(max)s points; %(points)s were entered.",
        code=first.code,
        max=first.max_points,
        points="12",
    )
    assert escape(message) in response.content.decode()
    own.refresh_from_db()
    assert own.status == "draft" and own.self_strengths == ""
    assert not WorksheetScore.objects.filter(review=own).exists()


def test_a_half_filled_column_is_refused_and_points_that_are_not_numbers_too(client, member, own):
    criteria = worksheets.criteria_for(own)
    client.force_login(member)
    response = client.post(
        f"/reviews/{own.pk}/self-assessment/", sections(**{f"score_{criteria[0].pk}": "7"})
    )
    assert response.status_code == 200 and "II.5" in response.content.decode()
    response = client.post(
        f"/reviews/{own.pk}/self-assessment/", sections(**{f"score_{criteria[0].pk}": "bảy"})
    )
    assert escape(vi("Write the points as a number, for example 8 or 8,5.")) in response.content.decode()
    assert not WorksheetScore.objects.filter(review=own).exists()


def test_nobody_scores_for_a_stage_that_is_not_theirs(client, member, secretary, own):
    criteria = worksheets.criteria_for(own)
    own.status = "self_assessed"
    own.save(update_fields=["status"])
    data = {"version": 1, "criticism": "", "rating": "good", **posted(criteria, full(criteria))}
    client.force_login(member)  # the member may not score the cell's column, nor the deciding level's
    assert client.post(f"/reviews/{own.pk}/propose/", data).status_code == 403
    assert client.post(f"/reviews/{own.pk}/decide/", data).status_code == 403
    client.force_login(secretary)  # the secretary scores the cell's column only, through the proposal
    assert client.post(f"/reviews/{own.pk}/decide/", data).status_code == 403
    assert client.post(f"/reviews/{own.pk}/propose/", data).status_code == 302
    assert set(WorksheetScore.objects.filter(review=own).values_list("stage", flat=True)) == {"cell"}
    client.force_login(member)  # once proposed, the member's own column is closed with the self-review
    # refused as out of date (409), as every step posted after the review moved on
    assert client.post(f"/reviews/{own.pk}/self-assessment/", sections(**data)).status_code == 409
    assert not WorksheetScore.objects.filter(review=own, stage="self").exists()


def test_a_decided_level_differing_from_the_points_needs_a_reason(client, leader, ward):
    review = make_review(member=ward.members01[0], status="proposed")
    criteria = worksheets.criteria_for(review)
    data = {"version": 1, "rating": "excellent", "reason": "", **posted(criteria, full(criteria, total=80))}
    client.force_login(leader)
    response = client.post(f"/reviews/{review.pk}/decide/", data)
    assert response.status_code == 200
    expected = vi(
        "The worksheet's points (%(total)s) suggest “%(suggested)s”: give the reason for deciding "
        "“%(decided)s” instead.",
        total="80",
        suggested=RatingLevels.load().name("good"),
        decided=RatingLevels.load().name("excellent"),
    )
    assert escape(expected) in response.content.decode()
    review.refresh_from_db()
    assert review.status == "proposed" and not WorksheetScore.objects.filter(review=review).exists()

    data["reason"] = "Có thành tích đột xuất trong phòng chống bão lụt, được khen thưởng."
    assert client.post(f"/reviews/{review.pk}/decide/", data).status_code == 302
    review.refresh_from_db()
    assert review.decided_rating == "excellent" and review.decision_reason.startswith("Có thành tích")
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    compare = page.split('data-testid="worksheet-compare"')[1][:400]
    assert (
        escape(RatingLevels.load().name("excellent")) in compare
        and escape(RatingLevels.load().name("good")) in compare
    )
    assert "bão lụt" in page


def test_a_decided_level_matching_the_points_needs_no_reason(ward, leader, secretary):
    review = make_review(member=ward.members01[0], status="self_assessed")
    criteria = worksheets.criteria_for(review)
    review = services.propose(
        review,
        by=secretary,
        criticism="",
        findings={},
        rating="good",
        version=1,
        column=full(criteria, total=75),
    )
    # the deciding level keeps the cell's points: its decision is compared with them
    review = services.decide(review, by=leader, rating="good", version=review.version, column={})
    assert review.decided_rating == "good" and review.decision_reason == ""


def test_who_sees_the_worksheet_follows_who_sees_the_review(
    client, member, own, other_secretary, secretary, stranger
):
    criteria = worksheets.criteria_for(own)
    services.self_assess(
        own,
        by=member,
        sections=services.SelfReview(strengths="Tốt"),
        on_paper=False,
        version=1,
        column=full(criteria),
    )
    for user in (member, secretary):
        client.force_login(user)
        assert 'data-testid="worksheet"' in client.get(f"/reviews/{own.pk}/").content.decode()
    for user in (other_secretary, stranger):
        client.force_login(user)
        assert client.get(f"/reviews/{own.pk}/").status_code == 404


def _group_of(n):
    CriteriaGroup.objects.update(active=False)
    group = CriteriaGroup.objects.create(title=f"Nhóm thử {n}", position=0)
    return [
        Criterion.objects.create(
            group=group,
            section="general" if i % 3 else "tasks",
            code=f"K{i}",
            text=f"Tiêu chí {i}",
            max_points=2,
            position=i,
        )
        for i in range(n)
    ]


def _review_page_queries(client, leader, ward, n):
    review = make_review(member=ward.members01[0], status="decided", decided_rating="good")
    criteria = _group_of(n)
    WorksheetScore.objects.bulk_create(
        WorksheetScore(review=review, criterion=c, stage=stage, points=1)
        for c in criteria
        for stage in ("self", "cell", "decision")
    )
    ReviewFinding.objects.create(review=review, manifestation=Manifestation.objects.first(), self_marked=True)
    client.force_login(leader)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/reviews/{review.pk}/")
    assert response.status_code == 200 and f"Tiêu chí {n - 1}" in response.content.decode()
    return len(queries)


def test_the_review_page_runs_the_same_queries_however_many_criteria(client, leader, ward):
    # the worksheet adds three queries (the criteria of the first active group, the review's scores, the
    # sections' points)
    assert _review_page_queries(client, leader, ward, 2) == _review_page_queries(client, leader, ward, 50)


def test_the_admin_refuses_criteria_that_do_not_add_up_to_30_and_70(client, staff):
    group = CriteriaGroup.objects.get(title="Đảng viên không công tác trong hệ thống chính trị")
    criteria = list(Criterion.objects.filter(group=group).order_by("position"))
    data = {
        "title": group.title,
        "position": group.position,
        "active": "on",
        "source_note": group.source_note,
        "criteria-TOTAL_FORMS": len(criteria),
        "criteria-INITIAL_FORMS": len(criteria),
        "criteria-MIN_NUM_FORMS": 0,
        "criteria-MAX_NUM_FORMS": 1000,
    }
    for i, c in enumerate(criteria):
        data |= {
            f"criteria-{i}-id": c.pk,
            f"criteria-{i}-group": group.pk,
            f"criteria-{i}-position": c.position,
            f"criteria-{i}-section": c.section,
            f"criteria-{i}-code": c.code,
            f"criteria-{i}-text": c.text,
            f"criteria-{i}-max_points": c.max_points,
            f"criteria-{i}-active": "on",
        }
    data["criteria-0-max_points"] = criteria[0].max_points + 1
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    client.force_login(staff)
    response = client.post(f"/admin/reviews/criteriagroup/{group.pk}/change/", data)
    assert response.status_code == 200 and "31" in response.content.decode()
    assert Criterion.objects.get(pk=criteria[0].pk).max_points == criteria[0].max_points
    data["criteria-1-max_points"] = criteria[1].max_points - 1  # moved a point within the general criteria
    assert client.post(f"/admin/reviews/criteriagroup/{group.pk}/change/", data).status_code == 302


def test_a_change_of_points_shows_in_the_reviews_history(client, member, inspector, own):
    criteria = worksheets.criteria_for(own)
    services.self_assess(
        own,
        by=member,
        sections=services.SelfReview(strengths="Tốt"),
        on_paper=False,
        version=1,
        column=full(criteria, total=80),
    )
    own.refresh_from_db()
    services.self_assess(
        own,
        by=member,
        sections=services.SelfReview(strengths="Tốt"),
        on_paper=False,
        version=own.version,
        column=full(criteria, total=81),
    )
    client.force_login(inspector)
    page = client.get(f"/reviews/{own.pk}/history/").content.decode()
    assert escape(capfirst(vi("worksheet score"))) in page  # the changed score, marked as such


def _form_page_queries(client, member, n):
    review = make_review(member=member.member)
    criteria = _group_of(n)
    WorksheetScore.objects.bulk_create(
        WorksheetScore(review=review, criterion=c, stage="self", points=1) for c in criteria
    )
    client.force_login(member)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/reviews/{review.pk}/self-assessment/")
    assert response.status_code == 200 and f'name="score_{criteria[-1].pk}"' in response.content.decode()
    return len(queries)


def test_the_self_assessment_page_runs_the_same_queries_however_many_criteria(client, member):
    # the worksheet adds six: the levels, whether a manifestation is concluded, the earlier shortcomings,
    # the criteria, the scores, the sections' points
    assert _form_page_queries(client, member, 2) == _form_page_queries(client, member, 50)
