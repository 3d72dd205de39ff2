"""Choosing one cell or one member (phuthang/choosers.py) on the pages that offered every one of a province:
a list up to 100, beyond it a box resolved on the server; the page's queries and size do not grow.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from cells.models import LifeEvent, Member
from phuthang import periods
from phuthang.choosers import CHOICES_UP_TO
from reviews.models import FeedbackItem
from tests.conftest import once, vi
from tests.factories import make_cell, make_cells, make_committee, make_member

pytestmark = pytest.mark.django_db
TODAY = periods.today()
MANY = CHOICES_UP_TO + 20


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _more_members(cell, n):
    Member.objects.bulk_create(
        Member(
            full_name=f"Đảng viên Thêm {i}",
            gender=Member.Gender.MALE,
            birth_date=dt.date(1970, 1, 1),
            cell=cell,
            card_number=f"77.{i:06d}",
            admitted_on=dt.date(2005, 3, 1),
            official_on=dt.date(2006, 3, 1),
        )
        for i in range(n)
    )


def _letter(ward, **overrides):
    data = {
        "committee": ward.committee.pk,
        "received_on": TODAY.isoformat(),
        "channel": "letter",
        "kind": "denunciation",
        "sender_name": "Trần Văn Tố",
        "content": "Đồng chí dùng xe công vào việc riêng.",
        "concerns": "member",
    }
    return once({**data, **overrides})


# --- /feedback/new/


def test_recording_feedback_reads_as_many_queries_and_bytes_with_120_cells_and_members_as_with_3(
    client, ward, staff
):
    client.force_login(staff)
    few, few_queries = _get(client, "/feedback/new/")
    assert '<select name="concerned_cell"' in few and '<select name="concerned_member"' in few
    make_cells(MANY, ward.committee)
    _more_members(ward.cell01, MANY)
    many, many_queries = _get(client, "/feedback/new/")
    assert 'name="concerned_cell_search"' in many and 'name="concerned_member_search"' in many
    assert "Đảng viên Thêm" not in many
    assert many_queries == few_queries
    assert len(many) < len(few) + 2000


@pytest.fixture
def province(ward):
    """The ward beyond the list's threshold: its members are typed, not listed."""
    _more_members(ward.cell02, MANY)
    return ward


def test_a_member_typed_by_name_is_the_one_the_item_concerns(client, province, staff):
    client.force_login(staff)
    response = client.post("/feedback/new/", _letter(province, concerned_member_search="Nguyễn Văn Chính"))
    assert response.status_code == 302
    assert FeedbackItem.objects.get().concerned_member == province.members01[0]


def test_a_member_typed_by_card_number_is_the_one_the_item_concerns(client, province, staff):
    client.force_login(staff)
    card = province.members01[1].card_number
    assert client.post("/feedback/new/", _letter(province, concerned_member_search=card)).status_code == 302
    assert FeedbackItem.objects.get().concerned_member == province.members01[1]


def test_a_cell_typed_by_code_is_the_one_the_item_concerns(client, ward, staff):
    make_cells(MANY, ward.committee)
    client.force_login(staff)
    data = _letter(ward, concerns="cell", concerned_cell_search="cb02")
    assert client.post("/feedback/new/", data).status_code == 302
    assert FeedbackItem.objects.get().concerned_cell == ward.cell02


def test_namesakes_are_listed_with_cell_and_birth_year_and_nothing_is_saved(client, province, staff):
    make_member(
        province.cell02, full_name="Nguyễn Văn Chính", birth_date=dt.date(1980, 5, 5), card_number=None
    )
    client.force_login(staff)
    page = client.post("/feedback/new/", _letter(province, concerned_member_search="Nguyễn Văn Chính")).text
    assert escape(vi("%(cell)s, born %(year)s", cell="Chi bộ Trường Tiểu học", year=1980)) in page
    assert (
        escape(
            vi(
                "%(cell)s, born %(year)s",
                cell="Chi bộ Tổ dân phố 1",
                year=province.members01[0].birth_date.year,
            )
        )
        in page
    )
    start = vi(
        "%(count)s members match “%(typed)s”: type the party card number, or more of the name. %(matches)s"
    )
    assert escape(start.split("“")[0] % {"count": 2}) in page
    assert not FeedbackItem.objects.exists()


def test_more_than_ten_matches_say_so_and_show_ten(client, province, staff):
    client.force_login(staff)
    page = client.post("/feedback/new/", _letter(province, concerned_member_search="Thêm")).text
    assert escape(vi("More than %(count)d", count=10)) in page
    assert page.count("Đảng viên Thêm") == 10
    assert not FeedbackItem.objects.exists()


def test_a_name_matching_nobody_asks_for_more_in_vietnamese(client, province, staff):
    client.force_login(staff)
    page = client.post("/feedback/new/", _letter(province, concerned_member_search="Không Ai")).text
    message = "No member here matches “%(typed)s”: type the party card number, or more of the name."
    assert escape(vi(message, typed="Không Ai")) in page
    assert not FeedbackItem.objects.exists()


def test_an_inspector_cannot_type_or_post_a_member_of_another_committee(client, province, inspector):
    elsewhere = make_member(make_cell(make_committee()), full_name="Ngoài Phường")
    client.force_login(inspector)
    page = client.post("/feedback/new/", _letter(province, concerned_member_search="Ngoài Phường")).text
    message = "No member here matches “%(typed)s”: type the party card number, or more of the name."
    assert escape(vi(message, typed="Ngoài Phường")) in page
    response = client.post("/feedback/new/", _letter(province, concerned_member=elsewhere.pk))
    assert response.status_code == 200
    assert escape(vi("This member is not one you may choose here.")) in response.text
    assert not FeedbackItem.objects.exists()


def test_a_name_left_in_the_member_box_does_not_stop_an_item_about_a_cell(client, province, staff):
    client.force_login(staff)
    data = _letter(province, concerns="cell", concerned_cell=province.cell01.pk, concerned_member_search="x")
    assert client.post("/feedback/new/", data).status_code == 302
    item = FeedbackItem.objects.get()
    assert (item.concerned_cell, item.concerned_member) == (province.cell01, None)


# --- /members/<id>/events/new/


def _transfer(person, **fields):
    return once(kind="transfer", on=f"{TODAY:%Y-%m-%d}", version=person.version, note="", **fields)


def test_the_event_page_reads_as_many_queries_and_bytes_with_120_cells_as_with_3(client, ward, staff):
    person = ward.members01[0]
    client.force_login(staff)
    few, few_queries = _get(client, f"/members/{person.pk}/events/new/")
    assert '<select name="to_cell"' in few
    cells = make_cells(MANY, ward.committee)
    many, many_queries = _get(client, f"/members/{person.pk}/events/new/")
    assert 'name="to_cell_search"' in many and cells[-1].name not in many
    assert many_queries == few_queries
    assert len(many) < len(few) + 2000


def test_a_transfer_to_a_cell_typed_by_code_moves_the_member(client, ward, staff):
    make_cells(MANY, ward.committee)
    person = ward.members01[0]
    client.force_login(staff)
    response = client.post(f"/members/{person.pk}/events/new/", _transfer(person, to_cell_search="CB02"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.cell == ward.cell02
    assert LifeEvent.objects.get(member=person).to_cell == ward.cell02


def test_a_transfer_to_a_cell_named_ambiguously_lists_the_cells_and_moves_nobody(client, ward, staff):
    make_cells(MANY, ward.committee)
    person = ward.members01[0]
    client.force_login(staff)
    page = client.post(
        f"/members/{person.pk}/events/new/", _transfer(person, to_cell_search="Tổ dân phố")
    ).text
    start = vi("%(count)s cells match “%(typed)s”: type the code, or more of the name. %(matches)s")
    assert escape(start.split("“")[0] % {"count": vi("More than %(count)d", count=10)}) in page
    assert not LifeEvent.objects.exists()


@pytest.mark.parametrize("cells", [3, MANY])
def test_a_transfer_to_the_members_own_cell_is_refused_on_the_field(client, ward, staff, cells):
    make_cells(cells - 2, ward.committee)
    person = ward.members01[0]
    client.force_login(staff)
    response = client.post(f"/members/{person.pk}/events/new/", _transfer(person, to_cell=ward.cell01.pk))
    assert response.status_code == 200
    assert escape(vi("This cell is not one you may choose here.")) in response.text
    assert not LifeEvent.objects.exists()


# --- /members/


def test_the_member_list_reads_as_many_queries_and_bytes_with_120_cells_as_with_3(client, ward, leader):
    client.force_login(leader)
    few, few_queries = _get(client, "/members/")
    assert '<select name="cell"' in few
    cells = make_cells(MANY, ward.committee)
    many, many_queries = _get(client, "/members/")
    assert 'name="cell_search"' in many and cells[-1].name not in many
    assert many_queries == few_queries
    assert len(many) < len(few) + 2000


def test_a_link_to_one_cells_members_still_filters_and_shows_the_cell(client, ward, leader):
    make_cells(MANY, ward.committee)
    client.force_login(leader)
    page = client.get(f"/members/?cell={ward.cell02.pk}").text
    assert 'value="Chi bộ Trường Tiểu học · CB02"' in page
    assert "Phạm Thị Hoa" in page and "Nguyễn Văn Chính" not in page
    page = client.get(
        "/members/?cell_search=Chi+b%E1%BB%99+Tr%C6%B0%E1%BB%9Dng+Ti%E1%BB%83u+h%E1%BB%8Dc"
    ).text
    assert "Phạm Thị Hoa" in page and "Nguyễn Văn Chính" not in page


def test_a_link_to_a_cell_out_of_sight_is_an_error_not_its_members(client, ward, leader):
    make_cells(MANY, ward.committee)
    elsewhere = make_cell(make_committee())
    make_member(elsewhere, full_name="Ngoài Phường")
    client.force_login(leader)
    response = client.get(f"/members/?cell={elsewhere.pk}")
    assert response.status_code == 200
    assert escape(vi("This cell is not one you may choose here.")) in response.text
    assert "Ngoài Phường" not in response.text


def test_a_cell_search_matching_nothing_asks_for_the_code_in_vietnamese(client, ward, leader):
    make_cells(MANY, ward.committee)
    client.force_login(leader)
    page = client.get("/members/?cell_search=Kh%C3%B4ng+c%C3%B3").text
    message = "No cell here matches “%(typed)s”: type the cell's code, or more of its name."
    assert escape(vi(message, typed="Không có")) in page
