"""The pledge pages: opening a campaign, signing, paper pledges, a cell's lists, the committee's figures."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
import time_machine
from django.utils.html import escape

from phuthang import periods
from reviews.models import Pledge, PledgeCampaign, PledgeText
from reviews.services import pledges as services
from tests.conftest import once, vi
from tests.factories import make_campaign, make_cells, make_member, make_pledge

pytestmark = pytest.mark.django_db

SIGN = {
    "commitments": "Đi sinh hoạt đủ | 12 buổi | 31/12/2026\nĐóng đảng phí đúng hạn",
    "deeds": "",
    "confirmed": "on",
}


def _sign(client, campaign, **data):
    return client.post(
        f"/pledges/campaigns/{campaign.pk}/sign/", once({**SIGN, "version": campaign.version, **data})
    )


def test_a_member_signs_with_two_commitments_and_lands_on_the_signed_pledge(client, ward, member):
    campaign = make_campaign(ward.committee)
    client.force_login(member)
    assert vi("Read and sign the pledge") in client.get(f"/pledges/campaigns/{campaign.pk}/").content.decode()
    page = client.get(f"/pledges/campaigns/{campaign.pk}/sign/").content.decode()
    assert escape(campaign.text) in page
    response = _sign(client, campaign)
    pledge = Pledge.objects.get(member=member.member)
    assert response.status_code == 302 and response["Location"] == f"/pledges/{pledge.pk}/"
    shown = client.get(f"/pledges/{pledge.pk}/").content.decode()
    assert "Đi sinh hoạt đủ" in shown and "12 buổi" in shown and "31/12/2026" in shown
    assert "Đóng đảng phí đúng hạn" in shown


def test_the_same_signature_sent_twice_signs_once(client, ward, member):
    campaign = make_campaign(ward.committee)
    client.force_login(member)
    data = once({**SIGN, "version": campaign.version})
    first = client.post(f"/pledges/campaigns/{campaign.pk}/sign/", data)
    second = client.post(f"/pledges/campaigns/{campaign.pk}/sign/", data)
    assert Pledge.objects.filter(member=member.member).count() == 1
    assert first["Location"] == second["Location"]


def test_signing_again_from_a_fresh_page_asks_for_a_reason_and_saves_nothing(client, ward, member):
    campaign = make_campaign(ward.committee)
    make_pledge(member.member, campaign)
    client.force_login(member)
    response = _sign(client, campaign)
    assert response.status_code == 200
    assert escape(vi("This field is required.")) in response.content.decode()
    assert Pledge.objects.filter(member=member.member).count() == 1


def test_signing_without_ticking_the_confirmation_is_refused(client, ward, member):
    campaign = make_campaign(ward.committee)
    client.force_login(member)
    response = _sign(client, campaign, confirmed="")
    assert escape(vi("Tick the box to confirm that you have read the pledge.")) in response.content.decode()
    assert not Pledge.objects.exists()


def test_a_line_with_a_bad_date_names_the_line_and_saves_nothing(client, ward, member):
    campaign = make_campaign(ward.committee)
    client.force_login(member)
    response = _sign(client, campaign, commitments="Một\nHai | mục tiêu | 31/02/2026")
    expected = vi(
        "%(field)s, line %(line)d: “%(date)s” is not a date; write it like 31/12/2026.",
        field=vi("Personal commitments"),
        line=2,
        date="31/02/2026",
    )
    assert escape(expected) in response.content.decode()
    assert not Pledge.objects.exists()


def test_a_page_showing_the_old_text_is_refused_with_409(client, ward, member, leader):
    campaign = make_campaign(ward.committee)
    services.correct_text(campaign, by=leader, text="Văn bản mới", reason="Sửa", version=1)
    client.force_login(member)
    response = _sign(client, campaign)  # the version of the page drawn before the correction
    assert response.status_code == 409
    assert not Pledge.objects.exists()


def test_a_member_of_another_committee_may_not_sign(client, ward, member):
    from tests.factories import make_committee

    other = make_campaign(make_committee())
    client.force_login(member)
    assert client.get(f"/pledges/campaigns/{other.pk}/sign/").status_code == 404  # another tree: unseen


@time_machine.travel(dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC), tick=False)
def test_the_secretary_records_a_paper_pledge_with_its_date(client, ward, secretary):
    campaign = make_campaign(ward.committee)
    elder = ward.members01[0]
    client.force_login(secretary)
    data = once({"paper_signed_on": "2026-05-02", "commitments": "Giữ gìn đoàn kết", "version": 1})
    response = client.post(f"/pledges/campaigns/{campaign.pk}/paper/{elder.pk}/", data)
    pledge = Pledge.objects.get(member=elder)
    assert response.status_code == 302 and pledge.method == "paper"
    assert pledge.paper_signed_on == dt.date(2026, 5, 2) and pledge.recorded_by == secretary
    assert "02/05/2026" in client.get(f"/pledges/{pledge.pk}/").content.decode()


@time_machine.travel(dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_paper_pledge_dated_tomorrow_is_refused_with_a_message(client, ward, secretary):
    campaign = make_campaign(ward.committee)
    client.force_login(secretary)
    data = once({"paper_signed_on": "2026-05-11", "commitments": "Giữ gìn đoàn kết", "version": 1})
    response = client.post(f"/pledges/campaigns/{campaign.pk}/paper/{ward.members01[0].pk}/", data)
    assert escape(vi("The date on the paper cannot be in the future.")) in response.content.decode()
    assert not Pledge.objects.exists()


def test_the_other_cells_secretary_cannot_record_or_see_cell01(client, ward, other_secretary):
    campaign = make_campaign(ward.committee)
    client.force_login(other_secretary)
    assert client.get(f"/pledges/campaigns/{campaign.pk}/paper/{ward.members01[0].pk}/").status_code == 404
    assert client.get(f"/pledges/campaigns/{campaign.pk}/cells/{ward.cell01.pk}/").status_code == 404
    pledge = make_pledge(ward.members01[0], campaign)
    assert client.get(f"/pledges/{pledge.pk}/").status_code == 404


def test_the_cell_page_lists_who_signed_and_who_has_not(client, ward, secretary):
    campaign = make_campaign(ward.committee)
    make_pledge(ward.members01[0], campaign)
    client.force_login(secretary)
    response = client.get(f"/pledges/campaigns/{campaign.pk}/cells/{ward.cell01.pk}/")
    lists = response.context["lists"]
    assert [m.full_name for m, _p in lists.signed] == ["Nguyễn Văn Chính"]
    assert "Trần Thị Dự" in [m.full_name for m in lists.unsigned]
    assert [m.full_name for m, _p in lists.exempt] == ["Lê Văn Miễn"]
    assert (
        vi("%(signed)s of %(expected)s signed", signed=1, expected=lists.expected)
        in response.content.decode()
    )


def test_the_print_page_has_the_unsigned_list_and_a_named_blank_sheet_each(client, ward, secretary):
    campaign = make_campaign(ward.committee)
    make_pledge(ward.members01[0], campaign)
    client.force_login(secretary)
    page = client.get(f"/pledges/campaigns/{campaign.pk}/cells/{ward.cell01.pk}/print/").content.decode()
    unsigned = services.cell_lists(campaign, ward.cell01).unsigned
    assert page.count('data-testid="blank-sheet"') == len(unsigned) >= 2
    assert all(m.full_name in page for m in unsigned)


def test_the_signed_pledge_downloads_as_docx_with_its_text_and_lines(client, ward, secretary):
    pledge = make_pledge(ward.members01[0])
    client.force_login(secretary)
    response = client.get(f"/pledges/{pledge.pk}/pledge.docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    assert pledge.text_signed in text and "Tham gia đầy đủ sinh hoạt chi bộ" in text
    assert "Nguyễn Văn Chính" in text


def test_the_committee_page_shows_signed_and_expected_per_cell_with_links(client, ward, leader):
    campaign = make_campaign(ward.committee)
    make_pledge(ward.members01[0], campaign)
    client.force_login(leader)
    response = client.get(f"/pledges/campaigns/{campaign.pk}/")
    rows = {r.cell.pk: (r.signed, r.expected) for r in response.context["rows"]}
    assert rows[ward.cell01.pk] == (1, 2)
    assert f"/pledges/campaigns/{campaign.pk}/cells/{ward.cell01.pk}/#signed" in response.content.decode()


@pytest.mark.parametrize("n", [2, 50])
def test_the_committee_page_runs_the_same_queries_from_2_cells_to_50(
    client, ward, leader, n, django_assert_num_queries
):
    campaign = make_campaign(ward.committee)
    for cell in make_cells(n, ward.committee):
        for _ in range(2):
            make_pledge(make_member(cell), campaign)
    client.force_login(leader)
    # session, user, access (member, positions, assignments, committee tree), the campaign, expected and
    # signed per cell in sight, the page's count and cells, the user's member and their pledge, the menu's
    # inbox count
    with django_assert_num_queries(13):
        response = client.get(f"/pledges/campaigns/{campaign.pk}/")
    assert len(response.context["rows"]) == min(n + 2, 50)


def test_the_committee_page_shows_50_cells_a_page_with_a_search_and_totals_over_every_cell(
    client, ward, leader
):
    campaign = make_campaign(ward.committee)
    for cell in make_cells(58, ward.committee):
        make_pledge(make_member(cell), campaign)
    client.force_login(leader)
    first = client.get(f"/pledges/campaigns/{campaign.pk}/")
    assert len(first.context["rows"]) == 50 and first.context["page"].paginator.num_pages == 2
    totals = (first.context["total_signed"], first.context["total_expected"])
    assert totals == (58, 63)  # and the ward's 5 unsigned
    second = client.get(f"/pledges/campaigns/{campaign.pk}/?page=2")
    assert len(second.context["rows"]) == 10
    assert 'data-testid="total-signed">58<' in second.content.decode()
    found = client.get(f"/pledges/campaigns/{campaign.pk}/?q={ward.cell01.code}")
    assert [r.cell.pk for r in found.context["rows"]] == [ward.cell01.pk]
    nothing = client.get(f"/pledges/campaigns/{campaign.pk}/?q=không-có-chi-bộ-này")
    assert nothing.context["rows"] == [] and vi("No cell matches.") in nothing.content.decode()


@pytest.mark.parametrize("n", [3, 60])
def test_the_cell_page_runs_the_same_queries_however_many_members(
    client, ward, secretary, n, django_assert_num_queries
):
    campaign = make_campaign(ward.committee)
    for _ in range(n):
        make_pledge(make_member(ward.cell01), campaign)
    client.force_login(secretary)
    # session, user, access (member, positions, assignments, committee tree), the campaign, the cell,
    # its members, their pledges, the menu's inbox count
    with django_assert_num_queries(11):
        client.get(f"/pledges/campaigns/{campaign.pk}/cells/{ward.cell01.pk}/")


def test_a_leader_opens_a_campaign_from_the_reference_text(client, ward, leader):
    reference = PledgeText.objects.filter(active=True).first()
    assert reference is not None and not reference.verified  # loaded, awaiting the office's check
    client.force_login(leader)
    page = client.get("/pledges/campaigns/new/")
    assert page.context["form"].initial["text"] == reference.text
    year = periods.today().year
    data = {
        "committee": ward.committee.pk,
        "year": year,
        "title": "Cam kết",
        "due_on": f"{year}-12-31",
        "text": "Văn bản",
    }
    response = client.post("/pledges/campaigns/new/", once(data))
    campaign = PledgeCampaign.objects.get()
    assert response["Location"] == f"/pledges/campaigns/{campaign.pk}/" and campaign.texts.count() == 1
    again = client.post("/pledges/campaigns/new/", once(data))
    assert escape(vi("This committee already has a pledge campaign for that year.")) in again.content.decode()
    assert PledgeCampaign.objects.count() == 1


def test_a_secretary_may_not_open_a_campaign(client, secretary):
    client.force_login(secretary)
    assert client.get("/pledges/campaigns/new/").status_code == 403


def test_the_menu_shows_pledges_to_a_member(client, member):
    client.force_login(member)
    assert vi("Pledges") in [str(label) for label, _url in client.get("/pledges/").context["nav_items"]]
