"""Pledge campaigns and signatures: who must sign, what is kept, and the refusals."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cells.models import Member
from phuthang import periods
from phuthang.concurrency import OutOfDate
from reviews.models import Pledge, PledgeCampaign, PledgeLine
from reviews.services import pledges as services
from reviews.services.pledges import Line
from tests.conftest import vi
from tests.factories import make_campaign, make_cell, make_committee, make_member, make_pledge

pytestmark = pytest.mark.django_db


def _progress(campaign, *cells):
    return {r.cell.pk: (r.signed, r.expected) for r in services.committee_progress(campaign, list(cells))}


def test_who_must_sign_is_every_current_member_not_exempt(ward):
    campaign = make_campaign(ward.committee)
    expected = set(services.expected_members(campaign).values_list("full_name", flat=True))
    assert "Lê Văn Miễn" not in expected  # exempt since 2020
    assert {"Nguyễn Văn Chính", "Trần Thị Dự", "Phạm Thị Hoa", "Vũ Văn Sơn"} <= expected
    assert _progress(campaign, ward.cell01, ward.cell02) == {ward.cell01.pk: (0, 2), ward.cell02.pk: (0, 2)}


def test_a_member_back_from_an_exemption_must_sign_again(ward):
    campaign = make_campaign(ward.committee)
    back = make_member(
        ward.cell01, exempt_since=dt.date(2020, 1, 1), exempt_until=periods.today() - dt.timedelta(days=1)
    )
    assert services.expected_members(campaign).filter(pk=back.pk).exists()
    assert _progress(campaign, ward.cell01)[ward.cell01.pk] == (0, 3)
    Member.objects.filter(pk=back.pk).update(exempt_until=None)  # exempt again, with no end
    assert _progress(campaign, ward.cell01)[ward.cell01.pk] == (0, 2)


def test_a_member_who_joins_later_is_added_and_one_who_leaves_drops_out_from_that_day(ward):
    campaign = make_campaign(ward.committee)
    leaver = ward.members01[0]
    make_pledge(leaver, campaign)
    make_member(ward.cell01, admitted_on=periods.today(), official_on=None)
    assert _progress(campaign, ward.cell01)[ward.cell01.pk] == (1, 3)
    Member.objects.filter(pk=leaver.pk).update(left_on=periods.today(), left_reason="transferred")
    assert _progress(campaign, ward.cell01)[ward.cell01.pk] == (0, 2)
    # on a day before leaving, the leaver still counted: the denominator follows the dates
    yesterday = periods.today() - dt.timedelta(days=1)
    assert services.expected_members(campaign, yesterday).filter(pk=leaver.pk).exists()


def test_what_was_signed_is_kept_exactly_with_its_lines_and_time(ward):
    campaign = make_campaign(ward.committee)
    pledge = make_pledge(
        ward.members01[0],
        campaign,
        commitments=[
            Line("Đi sinh hoạt đủ", "12 buổi", dt.date(2026, 12, 31)),
            Line("Đóng đảng phí đúng hạn"),
        ],
        deeds=[Line("Trồng cây ở ngõ")],
    )
    assert pledge.text_signed == campaign.text and pledge.text_version == 1 and pledge.signed_at is not None
    lines = list(pledge.lines.values_list("kind", "position", "text", "target", "due_on"))
    assert lines == [
        ("commitment", 1, "Đi sinh hoạt đủ", "12 buổi", dt.date(2026, 12, 31)),
        ("commitment", 2, "Đóng đảng phí đúng hạn", "", None),
        ("deed", 1, "Trồng cây ở ngõ", "", None),
    ]


def test_signing_twice_without_a_reason_is_refused_and_nothing_is_saved(ward):
    campaign = make_campaign(ward.committee)
    make_pledge(ward.members01[0], campaign)
    with pytest.raises(ValidationError) as error:
        make_pledge(ward.members01[0], campaign)
    assert vi("This member has already signed this pledge. To sign again, give the reason.") in str(
        error.value
    )
    assert Pledge.objects.filter(member=ward.members01[0]).count() == 1


def test_a_new_signature_with_a_reason_supersedes_the_old_which_stays_unchanged(ward):
    campaign = make_campaign(ward.committee)
    first = make_pledge(ward.members01[0], campaign)
    second = make_pledge(ward.members01[0], campaign, reason="Bổ sung việc làm", commitments=[Line("Mới")])
    first.refresh_from_db()
    assert first.status == "superseded" and first.superseded_at is not None
    assert list(first.lines.values_list("text", flat=True)) == [
        "Tham gia đầy đủ sinh hoạt chi bộ",
        "Vận động các hộ trong tổ giữ vệ sinh",
    ]
    assert second.supersedes == first and second.is_standing
    assert _progress(campaign, ward.cell01)[ward.cell01.pk] == (1, 2)


def test_a_correction_is_a_new_version_and_earlier_signers_are_listed_to_sign_again(ward, leader):
    campaign = make_campaign(ward.committee)
    old = make_pledge(ward.members01[0], campaign)
    corrected = services.correct_text(campaign, by=leader, text="Văn bản đã sửa", reason="Sửa lỗi", version=1)
    assert corrected.text_version == 2 and list(corrected.texts.values_list("number", flat=True)) == [1, 2]
    old.refresh_from_db()
    assert old.text_signed == "Tôi xin cam kết giữ gìn phẩm chất đạo đức, lối sống của người đảng viên."
    lists = services.cell_lists(corrected, ward.cell01)
    assert [m.pk for m, _p in lists.old_version] == [ward.members01[0].pk]
    again = make_pledge(ward.members01[0], corrected, reason="Ký văn bản đã sửa")
    assert again.text_signed == "Văn bản đã sửa" and again.text_version == 2
    assert services.cell_lists(corrected, ward.cell01).old_version == []


def test_signing_from_a_page_that_showed_the_old_text_is_refused(ward, leader):
    campaign = make_campaign(ward.committee)
    services.correct_text(campaign, by=leader, text="Văn bản mới", reason="Sửa", version=1)
    with pytest.raises(OutOfDate):
        make_pledge(ward.members01[0], campaign, campaign_version=1)
    assert not Pledge.objects.exists()


def test_signing_another_committees_campaign_is_refused(ward):
    other = make_campaign(make_committee())
    with pytest.raises(ValidationError) as error:
        make_pledge(ward.members01[0], other)
    assert vi("This pledge campaign belongs to another committee: the member cannot sign it.") in str(
        error.value
    )
    assert not Pledge.objects.exists()


@time_machine.travel(dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_paper_pledge_keeps_its_date_and_who_recorded_it(ward, secretary):
    campaign = make_campaign(ward.committee)
    pledge = make_pledge(ward.members01[2], campaign, by=secretary, paper_signed_on=dt.date(2026, 5, 2))
    assert pledge.method == "paper" and pledge.paper_signed_on == dt.date(2026, 5, 2)
    assert pledge.recorded_by == secretary and pledge.signed_on == dt.date(2026, 5, 2)


@time_machine.travel(dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize(
    ("day", "message"),
    [
        (dt.date(2026, 5, 11), "The date on the paper cannot be in the future."),
        (dt.date(2025, 12, 31), "The date on the paper cannot be before the campaign opened (%(day)s)."),
    ],
)
def test_a_paper_pledge_dated_in_the_future_or_before_the_campaign_is_refused(ward, secretary, day, message):
    campaign = make_campaign(ward.committee)
    with pytest.raises(ValidationError) as error:
        make_pledge(ward.members01[0], campaign, by=secretary, paper_signed_on=day)
    assert vi(message, day="01/01/2026") in str(error.value)
    assert not Pledge.objects.exists()


def test_a_second_campaign_for_the_same_committee_and_year_is_refused(ward):
    make_campaign(ward.committee)
    with pytest.raises(ValidationError) as error:
        make_campaign(ward.committee)
    assert vi("This committee already has a pledge campaign for that year.") in str(error.value)
    assert PledgeCampaign.objects.count() == 1


def test_a_signed_pledge_cannot_be_edited_or_deleted_by_the_application(ward):
    """The admin shows it view only and the app's pages offer no edit; the lines are as signed."""
    from django.contrib import admin

    pledge = make_pledge(ward.members01[0])
    model_admin = admin.site._registry[Pledge]
    assert not model_admin.has_change_permission(None, pledge)
    assert not model_admin.has_delete_permission(None, pledge)
    assert PledgeLine.objects.filter(pledge=pledge).count() == 2


def test_members_of_an_inactive_cell_are_not_expected(ward):
    closed = make_cell(ward.committee, active=False)
    make_member(closed)
    campaign = make_campaign(ward.committee)
    assert not services.expected_members(campaign).filter(cell=closed).exists()
