"""What must never happen in the organisation, refused by the database itself (not only by forms)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from cells.models import Member, OversightAssignment, Position, Role
from tests.factories import make_assignment, make_cell, make_committee, make_member, make_position

pytestmark = pytest.mark.django_db


def refused():
    """The statement fails with an IntegrityError, inside a savepoint so the test can go on."""
    return pytest.raises(IntegrityError)


def test_a_cell_cannot_have_two_overseers_in_one_month(cell01, ward):
    make_assignment(ward.members02[0], cell01, dt.date(2026, 11, 1))
    with refused(), transaction.atomic():
        make_assignment(ward.members02[1], cell01, dt.date(2026, 11, 1))


def test_a_cell_may_have_a_different_overseer_next_month(cell01, ward):
    make_assignment(ward.members02[0], cell01, dt.date(2026, 11, 1))
    make_assignment(ward.members02[1], cell01, dt.date(2026, 12, 1))
    assert OversightAssignment.objects.filter(cell=cell01).count() == 2


def test_an_assignment_month_must_be_a_first_day(cell01, ward):
    with refused(), transaction.atomic():
        OversightAssignment.objects.create(
            overseer=ward.members02[0], cell=cell01, month=dt.date(2026, 11, 15)
        )


def test_a_card_number_cannot_be_used_twice(cell01, cell02):
    make_member(cell01, card_number="12.345678")
    with refused(), transaction.atomic():
        make_member(cell02, card_number="12.345678")


def test_many_members_may_have_no_card_number(cell01):
    make_member(cell01, card_number=None)
    make_member(cell01, card_number=None)
    assert Member.objects.filter(card_number__isnull=True).count() == 2


@pytest.mark.parametrize("card", ["12345678", "1.2345678", "12.34567", "AB.123456", "12-345678", ""])
def test_a_malformed_card_number_is_refused(cell01, card):
    with refused(), transaction.atomic():
        make_member(cell01, card_number=card)


def test_a_position_cannot_end_before_it_starts(ward):
    with refused(), transaction.atomic():
        make_position(
            ward.members01[0],
            Role.CELL_SECRETARY,
            started_on=dt.date(2026, 5, 1),
            ended_on=dt.date(2026, 4, 30),
        )


def test_a_position_may_end_the_day_it_starts(ward):
    day = dt.date(2026, 5, 1)
    make_position(ward.members01[0], Role.CELL_SECRETARY, started_on=day, ended_on=day)


def test_a_cell_position_cannot_be_held_by_a_member_of_another_cell(cell02, ward):
    with refused(), transaction.atomic():
        make_position(ward.members01[0], Role.CELL_SECRETARY, cell=cell02)


def test_a_cell_role_cannot_be_held_in_a_committee(committee, ward):
    with refused(), transaction.atomic():
        make_position(ward.members01[0], Role.CELL_SECRETARY, committee=committee)


def test_a_committee_role_cannot_be_held_in_a_cell(cell01, ward):
    with refused(), transaction.atomic():
        make_position(ward.members01[0], Role.COMMITTEE_MEMBER, cell=cell01)


def test_a_committee_position_cannot_cross_into_another_committee_tree(ward):
    other_ward = make_committee()
    with refused(), transaction.atomic():
        make_position(ward.members01[0], Role.COMMITTEE_MEMBER, committee=other_ward)


def test_a_committee_position_may_be_held_in_a_committee_below_the_members_own(committee, ward):
    below = make_committee(parent=committee, kind="grassroots")
    make_position(ward.members01[0], Role.STANDING, committee=below)
    assert Position.objects.filter(committee=below).count() == 1


def test_an_oversight_assignment_cannot_cross_into_another_committee_tree(cell01):
    stranger = make_member(make_cell(make_committee()))
    with refused(), transaction.atomic():
        make_assignment(stranger, cell01)


def test_moving_a_secretary_to_another_cell_keeps_the_rule_on_update(cell02, ward):
    position = make_position(ward.members01[0], Role.CELL_SECRETARY)
    position.cell = cell02
    with refused(), transaction.atomic():
        position.save(update_fields=["cell"])


def test_a_committee_cannot_be_its_own_parent(committee):
    committee.parent = committee
    with refused(), transaction.atomic():
        committee.save(update_fields=["parent"])


def test_a_meeting_day_must_fall_in_every_month(committee):
    with refused(), transaction.atomic():
        make_cell(committee, meeting_day=31)
