"""A member's life in the Party: recognition, exemption, transfer, departure, and the timeline (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.html import escape

from cells import services
from cells.models import LifeEvent, Member, Position, Role
from phuthang import periods
from reviews.models import Rule
from reviews.services.meetings import expected_members
from reviews.services.reviews import start_round
from tests.conftest import once, vi
from tests.factories import make_cell, make_committee, make_member, make_position

TODAY = periods.today()


def record(member: Member, by, **fields):
    member.refresh_from_db()
    return services.record_life_event(member, by=by, version=member.version, **fields)


# --- probationary → official


def test_the_due_date_is_twelve_months_after_admission_and_a_rule_changes_it(db):
    person = Member(admitted_on=dt.date(2025, 2, 28))
    assert services.probation_due(person, 12) == dt.date(2026, 2, 28)
    assert services.months_after(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)


def test_the_probation_list_shows_who_is_due_this_month_and_next(client, staff, ward):
    this_month = periods.month_start()
    due_now = make_member(
        ward.cell01,
        full_name="Dự Tháng Này",
        official_on=None,
        admitted_on=services.months_after(this_month, -12),
    )
    due_next = make_member(
        ward.cell01,
        full_name="Dự Tháng Sau",
        official_on=None,
        admitted_on=services.months_after(periods.add_months(this_month, 1), -12),
    )
    make_member(
        ward.cell01, full_name="Dự Còn Lâu", official_on=None, admitted_on=TODAY - dt.timedelta(days=30)
    )
    client.force_login(staff)
    page = client.get("/probation/").content.decode()
    assert due_now.full_name in page and due_next.full_name in page and "Dự Còn Lâu" not in page
    assert page.index(due_now.full_name) < page.index(due_next.full_name)


def test_the_probation_list_reads_the_months_from_the_rule(client, staff, ward):
    Rule.objects.update_or_create(key="membership.probation_months", defaults={"value": 1})
    make_member(ward.cell01, full_name="Dự Ngắn", official_on=None, admitted_on=TODAY - dt.timedelta(days=20))
    client.force_login(staff)
    assert "Dự Ngắn" in client.get("/probation/").content.decode()


def test_recognition_records_the_resolution_and_makes_the_member_official(client, staff, ward):
    person = ward.members01[1]  # probationary
    client.force_login(staff)
    data = once(
        kind="official",
        on=f"{TODAY:%Y-%m-%d}",
        resolution_number="15-QĐ/ĐU",
        resolution_date=f"{TODAY:%Y-%m-%d}",
        version=person.version,
        note="",
    )
    response = client.post(f"/members/{person.pk}/events/new/", data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.official_on == TODAY
    event = LifeEvent.objects.get(member=person)
    assert (event.kind, event.resolution_number, event.recorded_by) == ("official", "15-QĐ/ĐU", staff)
    page = client.get(f"/members/{person.pk}/").content.decode()
    assert escape(vi("Recognised as official member")) in page and "15-QĐ/ĐU" in page


def test_recognition_without_its_resolution_is_refused(staff, ward):
    with pytest.raises(ValidationError):
        record(ward.members01[1], staff, kind="official", on=TODAY)
    assert Member.objects.get(pk=ward.members01[1].pk).official_on is None


def test_a_secretary_may_record_an_exemption_but_not_a_recognition(client, secretary, ward):
    person = ward.members01[1]
    client.force_login(secretary)
    data = once(
        kind="official",
        on=f"{TODAY:%Y-%m-%d}",
        resolution_number="1",
        resolution_date=f"{TODAY:%Y-%m-%d}",
        version=person.version,
    )
    client.post(f"/members/{person.pk}/events/new/", data)
    person.refresh_from_db()
    assert person.official_on is None
    data = once(kind="exempt_start", on=f"{TODAY:%Y-%m-%d}", version=person.version)
    assert client.post(f"/members/{person.pk}/events/new/", data).status_code == 302
    person.refresh_from_db()
    assert person.is_exempt()


# --- exemption


def test_an_exempt_member_leaves_the_attendance_base_and_the_rating_round_and_comes_back_after(staff, ward):
    person = ward.members01[0]
    start = TODAY - dt.timedelta(days=40)
    record(person, staff, kind="exempt_start", on=start)
    assert person not in expected_members(ward.cell01.pk, TODAY)[0]
    record(person, staff, kind="exempt_end", on=TODAY - dt.timedelta(days=5))
    person.refresh_from_db()
    assert not person.is_exempt() and person.is_exempt(TODAY - dt.timedelta(days=10))
    assert person in expected_members(ward.cell01.pk, TODAY)[0]
    assert person in expected_members(ward.cell01.pk, TODAY - dt.timedelta(days=10))[1]
    review_round = start_round(
        ward.committee, title="2026", period_kind="year", year=2026, quarter=None, by=staff
    )
    assert review_round.reviews.filter(member=person).exists()


def test_the_exemption_already_recorded_in_the_contact_form_still_counts(ward):
    exempt = ward.members01[2]  # exempt_since 2020, no end
    assert exempt.is_exempt() and Member.objects.not_exempt().filter(pk=exempt.pk).count() == 0


def test_an_exemption_cannot_end_before_it_started(staff, ward):
    with pytest.raises(ValidationError):
        record(ward.members01[0], staff, kind="exempt_end", on=TODAY)


# --- transfer and departure


def test_a_transfer_ends_the_positions_in_the_old_cell_and_the_member_appears_in_the_new_one(staff, ward):
    person = ward.members01[0]
    position = make_position(person, Role.CELL_DEPUTY)
    on = TODAY - dt.timedelta(days=3)
    event = record(person, staff, kind="transfer", on=on, to_cell=ward.cell02)
    person.refresh_from_db()
    position.refresh_from_db()
    assert (person.cell, person.cell_since, position.ended_on) == (ward.cell02, on, on - dt.timedelta(days=1))
    assert (event.from_cell, event.to_cell) == (ward.cell01, ward.cell02)
    assert person in ward.cell02.members.current(TODAY)
    assert person not in ward.cell02.members.current(on - dt.timedelta(days=1))
    assert person not in ward.cell01.members.current(TODAY)


def test_past_meetings_keep_who_attended_at_the_time(staff, ward):
    from tests.factories import make_meeting

    person = ward.members01[0]
    meeting = make_meeting(ward.cell01)
    from reviews.models import Attendance

    assert Attendance.objects.filter(meeting=meeting, member=person).exists()  # the sheet made with it
    record(person, staff, kind="transfer", on=TODAY, to_cell=ward.cell02)
    assert Attendance.objects.filter(meeting=meeting, member=person).exists()


def test_a_move_to_another_committee_tree_while_holding_a_committee_position_is_refused(staff, ward):
    person = ward.members01[0]
    make_position(person, Role.COMMITTEE_MEMBER)
    elsewhere = make_cell(make_committee())
    with pytest.raises(ValidationError):
        record(person, staff, kind="transfer", on=TODAY, to_cell=elsewhere)
    person.refresh_from_db()
    assert person.cell == ward.cell01


def test_the_database_refuses_the_same_move_made_behind_the_services_back(ward):
    person = ward.members01[0]
    make_position(person, Role.COMMITTEE_MEMBER)
    elsewhere = make_cell(make_committee())
    with pytest.raises(IntegrityError, match="member_same_tree"), transaction.atomic():
        Member.objects.filter(pk=person.pk).update(cell=elsewhere)


def test_the_database_refuses_a_move_out_of_a_cell_while_holding_its_position(ward):
    person = ward.members01[0]
    make_position(person, Role.CELL_DEPUTY)
    with pytest.raises(IntegrityError, match="member_cell_positions_end_first"), transaction.atomic():
        Member.objects.filter(pk=person.pk).update(cell=ward.cell02)


@pytest.mark.parametrize(
    ("kind", "reason"), [("transfer_out", "transferred"), ("deceased", "deceased"), ("removed", "removed")]
)
def test_a_member_who_leaves_drops_off_the_lists_from_that_day_and_nothing_is_deleted(
    staff, ward, kind, reason
):
    person = ward.members01[0]
    position = make_position(person, Role.CELL_DEPUTY)
    on = TODAY - dt.timedelta(days=1)
    record(person, staff, kind=kind, on=on)
    person.refresh_from_db()
    assert (person.left_on, person.left_reason) == (on, reason)
    assert person not in Member.objects.current(TODAY) and person in Member.objects.current(
        on - dt.timedelta(days=1)
    )
    assert Position.objects.get(pk=position.pk).ended_on is not None
    assert Member.objects.filter(pk=person.pk).exists()


def test_nothing_more_is_recorded_for_a_member_who_left(staff, ward):
    person = ward.members01[0]
    record(person, staff, kind="deceased", on=TODAY)
    with pytest.raises(ValidationError):
        record(person, staff, kind="exempt_start", on=TODAY)


def test_a_future_date_is_refused(staff, ward):
    with pytest.raises(ValidationError):
        record(ward.members01[0], staff, kind="deceased", on=TODAY + dt.timedelta(days=2))


def test_a_stale_page_is_refused(client, staff, ward):
    person = ward.members01[0]
    client.force_login(staff)
    data = once(kind="exempt_start", on=f"{TODAY:%Y-%m-%d}", version=person.version + 5)
    assert client.post(f"/members/{person.pk}/events/new/", data).status_code == 409
    person.refresh_from_db()
    assert not LifeEvent.objects.filter(member=person).exists()


def test_another_secretary_cannot_open_the_form_and_an_ordinary_member_may_not(
    client, other_secretary, member, ward
):
    client.force_login(other_secretary)
    assert client.get(f"/members/{ward.members01[0].pk}/events/new/").status_code == 404
    client.force_login(member)
    assert client.get(f"/members/{member.member.pk}/events/new/").status_code == 403


def test_the_timeline_lists_the_steps_newest_first(client, staff, ward):
    person = ward.members01[0]
    record(person, staff, kind="exempt_start", on=TODAY - dt.timedelta(days=30))
    record(person, staff, kind="exempt_end", on=TODAY - dt.timedelta(days=2))
    client.force_login(staff)
    page = client.get(f"/members/{person.pk}/").content.decode()
    timeline = page.split('id="timeline"', 1)[1]
    assert timeline.index(escape(vi("Back at meetings"))) < timeline.index(
        escape(vi("Exempted from meetings"))
    )
