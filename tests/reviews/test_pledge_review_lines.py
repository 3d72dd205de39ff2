"""The year-end review: each line of that year's pledge is marked kept / partly / not kept, and the cell sees
the marks when it proposes the rating."""

from __future__ import annotations

import pytest

from reviews.models import PledgeLineOutcome
from tests.factories import make_campaign, make_pledge, make_review

pytestmark = pytest.mark.django_db


def _marks(line_ids, **values):
    data = {}
    for line_id in line_ids:
        data[f"o{line_id}"], data[f"n{line_id}"] = values.get(str(line_id), ("", ""))
    return data


def test_the_member_marks_their_pledge_lines_and_the_secretary_sees_them_when_proposing(
    client, ward, member, secretary
):
    pledge = make_pledge(member.member, make_campaign(ward.committee))
    review = make_review(member=member.member)
    kept, partly = [line.pk for line in pledge.lines.order_by("kind", "position")]
    client.force_login(member)
    page = client.get(f"/reviews/{review.pk}/pledge-lines/")
    assert "Tham gia đầy đủ sinh hoạt chi bộ" in page.content.decode()
    response = client.post(
        f"/reviews/{review.pk}/pledge-lines/",
        _marks(
            [kept, partly], **{str(kept): ("kept", "Đủ 12 buổi"), str(partly): ("partly", "Mới được nửa tổ")}
        ),
    )
    assert response.status_code == 302
    assert dict(PledgeLineOutcome.objects.values_list("line_id", "outcome")) == {
        kept: "kept",
        partly: "partly",
    }
    Review = type(review)
    Review.objects.filter(pk=review.pk).update(status="self_assessed")
    client.force_login(secretary)
    proposal = client.get(f"/reviews/{review.pk}/propose/").content.decode()
    assert "Đủ 12 buổi" in proposal and "Mới được nửa tổ" in proposal


def test_a_line_of_someone_elses_pledge_is_ignored(client, ward, member):
    other = make_pledge(ward.members01[0], make_campaign(ward.committee))
    make_pledge(member.member, other.campaign)
    review = make_review(member=member.member)
    foreign = other.lines.first().pk
    client.force_login(member)
    client.post(f"/reviews/{review.pk}/pledge-lines/", {f"o{foreign}": "kept", f"n{foreign}": ""})
    assert not PledgeLineOutcome.objects.exists()


def test_without_a_pledge_that_year_there_is_nothing_to_mark(client, ward, member):
    review = make_review(member=member.member)
    client.force_login(member)
    response = client.get(f"/reviews/{review.pk}/pledge-lines/")
    assert response.status_code == 200 and response.context["lines"] == []


def test_another_cells_secretary_gets_404(client, ward, member, other_secretary):
    review = make_review(member=member.member)
    client.force_login(other_secretary)
    assert client.get(f"/reviews/{review.pk}/pledge-lines/").status_code == 404
