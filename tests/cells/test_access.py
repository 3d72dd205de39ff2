"""The access rules (docs/architecture.md) per role: what each person may see (querysets) and do (predicates)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from cells.models import Cell, Member, OversightAssignment, Role
from phuthang import access, periods
from tests.factories import (
    make_assignment,
    make_cell,
    make_committee,
    make_member,
    make_person,
    make_position,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def visible_cells(user) -> set[str]:
    return set(Cell.objects.visible_to(user).values_list("code", flat=True))


def visible_members(user) -> set[int]:
    return set(Member.objects.visible_to(user).values_list("pk", flat=True))


def visible_assignment_cells(user) -> set[str]:
    return set(
        OversightAssignment.objects.filter(access.assignment_filter(user)).values_list(
            "cell__code", flat=True
        )
    )


# --- Sight of cells


def test_secretary_sees_only_their_own_cell(secretary):
    assert visible_cells(secretary) == {"CB01"}


def test_other_secretary_sees_only_cell02(other_secretary):
    assert visible_cells(other_secretary) == {"CB02"}


def test_overseer_sees_the_cell_assigned_this_month_but_not_their_own_cell(overseer):
    assert visible_cells(overseer) == {"CB01"}


def test_inspector_sees_every_cell_of_the_committee(inspector, ward):
    assert visible_cells(inspector) == {"CB01", "CB02"}


def test_leader_sees_every_cell_of_the_committee(leader, ward):
    assert visible_cells(leader) == {"CB01", "CB02"}


def test_ordinary_member_sees_no_cell(member):
    assert visible_cells(member) == set()


def test_user_without_member_sees_nothing(stranger, ward):
    assert visible_cells(stranger) == set()
    assert visible_members(stranger) == set()
    assert visible_assignment_cells(stranger) == set()


def test_office_staff_sees_every_cell_even_of_another_committee(staff, ward):
    make_cell(make_committee(), code="ELSEWHERE")
    assert visible_cells(staff) == {"CB01", "CB02", "ELSEWHERE"}


def test_leader_does_not_see_cells_of_another_ward(leader, ward):
    make_cell(make_committee(), code="ELSEWHERE")
    assert "ELSEWHERE" not in visible_cells(leader)


def test_leader_of_the_ward_sees_cells_of_a_grassroots_committee_below_it(leader, committee):
    below = make_committee(parent=committee, kind="grassroots")
    make_cell(below, code="BELOW")
    assert "BELOW" in visible_cells(leader)


def test_leader_of_a_grassroots_committee_sees_only_its_cells(committee, cell01):
    below = make_committee(parent=committee, kind="grassroots")
    below_cell = make_cell(below, code="BELOW")
    chief = make_person(below_cell, username="grassroots")
    make_position(chief.member, Role.SECRETARY, committee=below)
    assert visible_cells(chief) == {"BELOW"}


# --- Sight of members


def test_secretary_sees_the_members_of_their_cell_and_no_others(secretary, ward):
    seen = visible_members(secretary)
    assert {m.pk for m in ward.members01} <= seen
    assert not seen & {m.pk for m in ward.members02}


def test_ordinary_member_sees_only_themselves(member, ward):
    assert visible_members(member) == {member.member.pk}


def test_overseer_sees_their_own_record_and_the_assigned_cells_members(overseer, ward):
    seen = visible_members(overseer)
    assert overseer.member.pk in seen
    assert {m.pk for m in ward.members01} <= seen
    assert not seen & {m.pk for m in ward.members02}


def test_inspector_sees_every_member_of_the_committee(inspector, ward):
    assert {m.pk for m in ward.members01 + ward.members02} <= visible_members(inspector)


# --- Sight of oversight assignments: everyone in the tree


def test_everyone_in_the_tree_sees_who_oversees_which_cell(overseer, secretary, member, other_secretary):
    for user in (secretary, member, other_secretary, overseer):
        assert visible_assignment_cells(user) == {"CB01"}


def test_assignments_of_another_ward_are_not_visible(member):
    other = make_cell(make_committee(), code="ELSEWHERE")
    make_assignment(make_member(other), other)
    assert visible_assignment_cells(member) == set()


# --- What each role may do


def test_only_the_cells_secretary_and_staff_may_edit_its_members(
    secretary, other_secretary, overseer, inspector, leader, member, stranger, staff, ward
):
    person = ward.members01[0]
    allowed = {
        u.username
        for u in (secretary, other_secretary, overseer, inspector, leader, member, stranger, staff)
        if access.can_edit_member(u, person)
    }
    assert allowed == {"chibo01", "vanphong"}


def test_only_leaders_and_staff_may_assign_oversight(
    secretary, overseer, inspector, leader, member, stranger, staff, committee
):
    allowed = {
        u.username
        for u in (secretary, overseer, inspector, leader, member, stranger, staff)
        if access.can_assign_oversight(u, committee)
    }
    assert allowed == {"bithu", "vanphong"}


def test_leader_may_not_assign_oversight_in_another_ward(leader):
    assert not access.can_assign_oversight(leader, make_committee())


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.STANDING])
def test_every_leader_role_gives_committee_wide_sight_and_assignment(role, ward):
    user = make_person(ward.cell02, role)
    assert visible_cells(user) == {"CB01", "CB02"}
    assert access.can_assign_oversight(user, ward.committee)


def test_deputy_cell_secretary_has_the_secretarys_access(cell01, ward):
    deputy = make_person(cell01, Role.CELL_DEPUTY)
    assert visible_cells(deputy) == {"CB01"}
    assert access.can_edit_member(deputy, ward.members01[0])


def test_role_labels_name_the_users_positions(secretary, overseer, member, staff):
    with translation.override("en"):
        assert access.for_user(secretary).role_labels == ("Cell secretary",)
        assert access.for_user(overseer).role_labels == (
            "Party committee member",
            "Overseeing 1 cell(s) this month",
        )
        assert access.for_user(member).role_labels == ("Party member",)
        assert access.for_user(staff).role_labels == ("Office staff",)


# --- Access follows dated positions and assignments, on the next request


def test_ended_position_gives_no_access_on_the_next_request(client, secretary, cell01):
    client.force_login(secretary)
    assert client.get(f"/cells/{cell01.pk}/").status_code == 200
    position = secretary.member.positions.get()
    position.ended_on = periods.today() - dt.timedelta(days=1)
    position.save(update_fields=["ended_on"])
    assert client.get(f"/cells/{cell01.pk}/").status_code == 404


def test_position_ending_today_still_counts(secretary):
    secretary.member.positions.update(ended_on=periods.today())
    access.forget(secretary)
    assert visible_cells(secretary) == {"CB01"}


def test_position_starting_tomorrow_does_not_count_yet(secretary):
    secretary.member.positions.update(started_on=periods.today() + dt.timedelta(days=1))
    access.forget(secretary)
    assert visible_cells(secretary) == set()


def test_member_who_left_loses_all_access(client, secretary, cell01):
    client.force_login(secretary)
    Member.objects.filter(user=secretary).update(left_on=periods.today(), left_reason="transferred")
    assert client.get(f"/cells/{cell01.pk}/").status_code == 404
    assert client.get("/oversight/").status_code == 404


def test_access_is_cached_on_the_user_object_until_forgotten(secretary):
    assert visible_cells(secretary) == {"CB01"}
    secretary.member.positions.update(ended_on=periods.today() - dt.timedelta(days=1))
    assert visible_cells(secretary) == {"CB01"}  # same request: the cached answer
    access.forget(secretary)
    assert visible_cells(secretary) == set()


# --- Month edges in Vietnam time (UTC+7)


@pytest.fixture
def october_overseer(ward):
    """A committee member assigned to cell01 for October 2026 only."""
    user = make_person(ward.cell02, Role.COMMITTEE_MEMBER, username="october")
    make_assignment(user.member, ward.cell01, dt.date(2026, 10, 1))
    return user


def test_assignment_holds_until_midnight_vietnam_time_on_the_last_day(client, october_overseer, cell01):
    with time_machine.travel(dt.datetime(2026, 10, 31, 16, 30, tzinfo=UTC), tick=False):  # 23:30 in Hà Nội
        client.force_login(october_overseer)
        assert client.get(f"/cells/{cell01.pk}/").status_code == 200


def test_assignment_of_last_month_gives_no_access_after_midnight_vietnam_time(
    client, october_overseer, cell01
):
    with time_machine.travel(dt.datetime(2026, 10, 31, 17, 30, tzinfo=UTC), tick=False):  # 00:30 on 1 Nov
        client.force_login(october_overseer)
        assert client.get(f"/cells/{cell01.pk}/").status_code == 404


def test_at_2330_utc_on_the_31st_it_is_already_next_month_in_vietnam(client, october_overseer, ward):
    november = make_cell(ward.committee, code="NOV")
    make_assignment(october_overseer.member, november, dt.date(2026, 11, 1))
    with time_machine.travel(dt.datetime(2026, 10, 31, 23, 30, tzinfo=UTC), tick=False):  # 06:30 on 1 Nov
        client.force_login(october_overseer)
        assert client.get(f"/cells/{ward.cell01.pk}/").status_code == 404
        assert client.get(f"/cells/{november.pk}/").status_code == 200


def test_position_ended_on_the_last_day_of_the_month_ends_at_vietnam_midnight(cell01):
    user = make_person(cell01, username="leaving")
    make_position(user.member, Role.CELL_SECRETARY, ended_on=dt.date(2026, 12, 31))
    with time_machine.travel(dt.datetime(2026, 12, 31, 16, 59, tzinfo=UTC), tick=False):  # 23:59 in Vietnam
        assert visible_cells(user) == {"CB01"}
    access.forget(user)
    with time_machine.travel(dt.datetime(2026, 12, 31, 17, 1, tzinfo=UTC), tick=False):  # 00:01 on 1 Jan
        assert visible_cells(user) == set()
