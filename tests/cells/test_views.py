"""The organisation pages: home, the cell list, a cell, a member and the member's edit form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from django.utils.html import escape

from cells.models import Member, Role
from phuthang import periods
from tests.factories import make_cells, make_member, make_position

pytestmark = pytest.mark.django_db


def vi(text: str) -> str:
    """The Vietnamese a user reads for an English source string, as it appears in HTML."""
    with translation.override("vi"):
        return escape(translation.gettext(text))


# --- Home sends each person to their own start


def test_home_sends_a_secretary_to_their_cells_dashboard(client, secretary, cell01):
    client.force_login(secretary)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/cell/{cell01.pk}/"


@pytest.mark.parametrize("role", ["inspector", "leader", "staff"])
def test_home_sends_inspectors_leaders_and_staff_to_the_committee_dashboard(client, role, request):
    client.force_login(request.getfixturevalue(role))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_home_sends_an_overseer_to_the_cells_they_oversee(client, overseer):
    client.force_login(overseer)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/overseer/"


def test_home_sends_an_ordinary_member_to_their_own_page(client, member):
    client.force_login(member)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/me/"


def test_home_tells_a_user_without_member_to_ask_the_office(client, stranger):
    client.force_login(stranger)
    response = client.get("/")
    assert response.status_code == 200
    assert (
        vi(
            "Your account is not linked to a Party member yet. "
            "Please ask the Party committee office to link it."
        )
        in response.text
    )


def test_home_asks_an_anonymous_visitor_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_the_login_page_needs_no_login(client):
    assert client.get("/accounts/login/").status_code == 200


def test_logging_in_with_the_right_password_leads_home(client, secretary):
    response = client.post("/accounts/login/", {"username": "chibo01", "password": "demo-phucthang"})
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- Navigation shows only what the user may open


def test_secretary_navigation_shows_their_cell_but_not_the_cell_list_or_admin(client, secretary, cell01):
    client.force_login(secretary)
    page = client.get(f"/cells/{cell01.pk}/").text
    assert f'href="/cells/{cell01.pk}/"' in page
    assert 'href="/cells/"' not in page
    assert 'href="/admin/"' not in page
    assert "Hoàng Văn Thư" in page  # the user's name
    assert vi("Cell secretary") in page  # and role


def test_leader_navigation_shows_the_cell_list_and_oversight(client, leader):
    client.force_login(leader)
    page = client.get("/cells/").text
    assert 'href="/cells/"' in page
    assert 'href="/oversight/"' in page


# --- The cell list


def test_cell_list_shows_every_cell_with_this_months_overseer(client, leader, overseer, ward):
    client.force_login(leader)
    page = client.get("/cells/").text
    assert "Chi bộ Tổ dân phố 1" in page
    assert "Chi bộ Trường Tiểu học" in page
    assert "Bùi Quốc Phụ" in page  # overseer of cell01 this month
    assert vi("not assigned") in page  # cell02


def test_overseer_cell_list_shows_only_the_assigned_cell(client, overseer, ward):
    client.force_login(overseer)
    page = client.get("/cells/").text
    assert "Chi bộ Tổ dân phố 1" in page
    assert "Chi bộ Trường Tiểu học" not in page


def test_an_ordinary_member_has_no_cell_list(client, member):
    client.force_login(member)
    assert client.get("/cells/").status_code == 404


def test_inactive_cells_are_not_listed(client, leader, cell02):
    cell02.active = False
    cell02.save(update_fields=["active"])
    client.force_login(leader)
    assert "Chi bộ Trường Tiểu học" not in client.get("/cells/").text


def test_a_province_sized_list_of_cells_comes_50_a_page_and_can_be_searched(client, leader, committee):
    last = make_cells(58, committee)[-1]
    client.force_login(leader)

    first = client.get("/cells/").text
    second = client.get("/cells/?page=2").text
    found = client.get("/cells/", {"q": last.code.lower()}).text

    assert first.count('class="list-group-item list-group-item-action') == 50
    assert second.count('class="list-group-item list-group-item-action') == 10
    assert found.count('class="list-group-item list-group-item-action') == 1


# --- The cell page


def test_cell_page_shows_name_kind_secretary_members_and_overseer(client, secretary, overseer, cell02, ward):
    client.force_login(secretary)
    page = client.get(f"/cells/{ward.cell01.pk}/").text
    assert "Chi bộ Tổ dân phố 1" in page
    assert vi("Residential group") in page
    assert vi("Cell secretary") in page and "Hoàng Văn Thư" in page
    assert "Nguyễn Văn Chính" in page and vi("Official") in page
    assert "Trần Thị Dự" in page and vi("Probationary") in page
    assert "Bùi Quốc Phụ" in page


def test_cell_page_lists_exempt_members_apart(client, secretary, cell01):
    client.force_login(secretary)
    page = client.get(f"/cells/{cell01.pk}/").text
    exempt_heading = page.index(f">{vi('Exempt from meetings')}</h2>")
    assert page.index("Lê Văn Miễn") > exempt_heading
    assert page.index("Nguyễn Văn Chính") < exempt_heading


def test_cell_page_counts_official_members_among_those_listed_not_the_exempt(client, secretary, cell01):
    client.force_login(secretary)
    page = client.get(f"/cells/{cell01.pk}/").text
    # listed: the secretary and Nguyễn Văn Chính (official), Trần Thị Dự (probationary); Lê Văn Miễn apart
    with translation.override("vi"):
        expected = translation.gettext(
            "%(official)s official members, the others probationary; members exempt from meetings are "
            "listed apart."
        ) % {"official": 2}
    assert escape(expected) in page


def test_cell_page_says_when_no_overseer_is_assigned_this_month(client, secretary, cell01):
    client.force_login(secretary)
    assert vi("not assigned") in client.get(f"/cells/{cell01.pk}/").text


def test_cell_page_leaves_out_members_who_left(client, secretary, cell01):
    make_member(cell01, full_name="Đã Chuyển Đi", left_on=dt.date(2025, 1, 1), left_reason="transferred")
    client.force_login(secretary)
    assert "Đã Chuyển Đi" not in client.get(f"/cells/{cell01.pk}/").text


def test_other_secretary_gets_404_for_cell01(client, other_secretary, cell01):
    client.force_login(other_secretary)
    response = client.get(f"/cells/{cell01.pk}/")
    assert response.status_code == 404
    assert vi("This page does not exist, or it is not yours to see.") in response.text


def test_a_cell_that_does_not_exist_gets_404(client, leader, ward):
    client.force_login(leader)
    assert client.get("/cells/999999/").status_code == 404


# --- The member page


def test_member_sees_their_own_page_with_details_and_positions(client, member, secretary, ward):
    client.force_login(member)
    page = client.get(f"/members/{member.member.pk}/").text
    assert "Lê Thị Viên" in page
    assert "Chi bộ Tổ dân phố 1" in page
    assert member.member.card_number in page
    assert vi("No positions recorded.") in page


def test_member_page_shows_positions_and_dates_as_dd_mm_yyyy(client, secretary):
    position = secretary.member.positions.get()
    client.force_login(secretary)
    page = client.get(f"/members/{secretary.member.pk}/").text
    assert vi("Cell secretary") in page
    assert position.started_on.strftime("%d/%m/%Y") in page


def test_member_cannot_open_another_members_page(client, member, ward):
    client.force_login(member)
    assert client.get(f"/members/{ward.members01[0].pk}/").status_code == 404


def test_secretary_opens_a_member_of_their_cell_but_not_of_another(client, secretary, ward):
    client.force_login(secretary)
    assert client.get(f"/members/{ward.members01[0].pk}/").status_code == 200
    assert client.get(f"/members/{ward.members02[0].pk}/").status_code == 404


def test_member_page_offers_editing_only_to_the_secretary(client, secretary, leader, ward):
    person = ward.members01[0]
    client.force_login(secretary)
    assert f'href="/members/{person.pk}/edit/"' in client.get(f"/members/{person.pk}/").text
    client.force_login(leader)
    assert f'href="/members/{person.pk}/edit/"' not in client.get(f"/members/{person.pk}/").text


# --- Editing a member's contact and exemption


def test_secretary_saves_a_members_phone_and_email(client, secretary, ward):
    person = ward.members01[0]
    client.force_login(secretary)
    response = client.post(
        f"/members/{person.pk}/edit/",
        {"phone": "0912 345 678", "email": "chinh@example.org", "exempt_since": "", "version": 1},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/members/{person.pk}/"
    person.refresh_from_db()
    assert (person.phone, person.email) == ("0912345678", "chinh@example.org")
    assert vi("The member's details were saved.") in client.get(response["Location"]).text


def test_a_bad_phone_number_is_explained_and_nothing_is_saved(client, secretary, ward):
    person = ward.members01[0]
    before = (person.phone, person.email)
    client.force_login(secretary)
    response = client.post(
        f"/members/{person.pk}/edit/", {"phone": "12ab", "email": "new@example.org", "exempt_since": ""}
    )
    assert response.status_code == 200
    assert vi("Enter a phone number of 9 to 12 digits, for example 0912345678.") in response.text
    person.refresh_from_db()
    assert (person.phone, person.email) == before


def test_a_bad_date_is_explained_and_nothing_is_saved(client, secretary, ward):
    person = ward.members01[0]
    client.force_login(secretary)
    response = client.post(
        f"/members/{person.pk}/edit/", {"phone": "", "email": "", "exempt_since": "31/02/2026"}
    )
    assert response.status_code == 200
    assert 'class="invalid-feedback"' in response.text
    person.refresh_from_db()
    assert person.exempt_since is None


def test_secretary_marks_a_member_exempt_and_the_cell_page_lists_them_apart(client, secretary, ward):
    person = ward.members01[0]
    client.force_login(secretary)
    client.post(
        f"/members/{person.pk}/edit/",
        {
            "phone": person.phone,
            "email": person.email,
            "exempt_since": periods.today().isoformat(),
            "version": 1,
        },
    )
    assert Member.objects.get(pk=person.pk).is_exempt()
    page = client.get(f"/cells/{ward.cell01.pk}/").text
    assert page.index(person.full_name) > page.index(f">{vi('Exempt from meetings')}</h2>")


@pytest.mark.parametrize("role", ["overseer", "inspector", "leader", "member"])
def test_people_who_see_a_member_but_are_not_the_secretary_get_403_on_edit(client, role, request, ward):
    user = request.getfixturevalue(role)
    person = user.member if role == "member" else ward.members01[0]
    client.force_login(user)
    assert client.get(f"/members/{person.pk}/edit/").status_code == 403
    assert client.post(f"/members/{person.pk}/edit/", {"phone": "0900000000"}).status_code == 403
    person.refresh_from_db()
    assert person.phone != "0900000000"


def test_other_secretary_gets_404_on_editing_a_member_of_cell01(client, other_secretary, ward):
    client.force_login(other_secretary)
    assert client.get(f"/members/{ward.members01[0].pk}/edit/").status_code == 404


# --- Bounded queries


def test_cell_list_runs_a_fixed_number_of_queries(client, leader, overseer, ward, django_assert_num_queries):
    client.force_login(leader)
    # session, user, access (member, positions, this month's overseen cells, committee tree),
    # the number of cells, this page of cells with committee, their assignments with overseer,
    # the menu's unread inbox count
    with django_assert_num_queries(10):
        assert client.get("/cells/").status_code == 200


def test_cell_list_query_count_does_not_grow_with_cells(client, leader, committee, django_assert_num_queries):
    for cell in make_cells(20, committee):
        make_member(cell)
        make_position(make_member(cell), Role.CELL_SECRETARY)
    client.force_login(leader)
    with django_assert_num_queries(10):  # as above
        response = client.get("/cells/")
    assert response.text.count('class="list-group-item list-group-item-action') == 22


def test_cell_page_runs_a_fixed_number_of_queries(
    client, secretary, overseer, cell01, django_assert_num_queries
):
    client.force_login(secretary)
    # session, user, access (member, positions, this month's overseen cells, committee tree),
    # the cell with its committee, current members, current positions with member,
    # this month's assignment with overseer, the navbar's user.member
    with django_assert_num_queries(11):
        assert client.get(f"/cells/{cell01.pk}/").status_code == 200


def test_cell_page_query_count_does_not_grow_with_members(
    client, secretary, overseer, cell01, django_assert_num_queries
):
    for n in range(30):
        make_member(cell01, exempt_since=dt.date(2020, 1, 1) if n % 5 == 0 else None)
    make_position(make_member(cell01), Role.CELL_DEPUTY)
    client.force_login(secretary)
    with django_assert_num_queries(11):  # as above
        response = client.get(f"/cells/{cell01.pk}/")
    assert response.text.count('href="/members/') >= 34
