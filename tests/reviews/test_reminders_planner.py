"""The reminder planner: who is reminded of what, for which period, and never twice."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import NoReverseMatch
from django.utils import timezone

from cells.models import Role
from reviews.models import Digest, Meeting, Notification, Rule, Shortcoming
from reviews.services import reminders
from tests.factories import (
    make_assignment,
    make_meeting,
    make_member,
    make_person,
    make_position,
    make_shortcoming,
)

DEC = dt.date(2026, 12, 1)
NOV = dt.date(2026, 11, 1)


def set_rule(key: str, value: object) -> None:
    Rule.objects.update_or_create(key=f"reminders.{key}", defaults={"value": value})


@pytest.fixture(autouse=True)
def rules_in_effect_long_ago(db):
    for kind in ("oversight", "minutes_late", "remediation", "overdue_digest"):
        set_rule(f"{kind}.effective_from", "2020-01-01")


@pytest.fixture
def committee_member(cell02):
    return make_person(cell02, Role.COMMITTEE_MEMBER, full_name="Bùi Quốc Phụ").member


def finalise(meeting: Meeting) -> None:
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        status=Meeting.Status.FINALISED,
        finalised_at=now,
        first_finalised_at=now,
        ended_at=dt.time(10, 0),
        resolution="Nghị quyết tháng.",
    )


def items(**filters) -> list[tuple[str, str, str]]:
    return sorted(
        Notification.objects.current()
        .filter(**filters)
        .values_list("recipient__full_name", "period", "subject")
    )


def test_a_renamed_page_stops_the_planner_instead_of_sending_links_to_nowhere(
    ward, committee_member, monkeypatch
):
    real_reverse = reminders.reverse

    def reverse_without_cell_page(name, *args, **kwargs):
        if name == "cells:detail":
            raise NoReverseMatch(name)
        return real_reverse(name, *args, **kwargs)

    monkeypatch.setattr(reminders, "reverse", reverse_without_cell_page)
    make_assignment(committee_member, ward.cell01, DEC)

    with pytest.raises(NoReverseMatch):
        reminders.plan_due(DEC)
    assert not Notification.objects.exists()


# --- Kind 1: the monthly oversight reminder


def test_an_overseer_of_two_cells_gets_one_digest_listing_both(ward, committee_member):
    make_assignment(committee_member, ward.cell01, DEC)
    make_assignment(committee_member, ward.cell02, DEC)

    reminders.plan_due(dt.date(2026, 12, 1))

    assert items(kind="oversight") == sorted(  # subjects compare as text: "cell:10" comes before "cell:9"
        [
            ("Bùi Quốc Phụ", "2026-12", f"cell:{ward.cell01.pk}"),
            ("Bùi Quốc Phụ", "2026-12", f"cell:{ward.cell02.pk}"),
        ]
    )
    digest = Digest.objects.get()
    assert (digest.recipient, digest.kind, digest.period, digest.status) == (
        committee_member,
        "oversight",
        "2026-12",
        "pending",
    )
    assert digest.items.count() == 2


def test_planning_twice_adds_nothing(ward, committee_member):
    make_assignment(committee_member, ward.cell01, DEC)

    first = reminders.plan_due(dt.date(2026, 12, 1))
    second = reminders.plan_due(dt.date(2026, 12, 3))

    assert (first.inserted, second.inserted) == (1, 0)
    assert (Notification.objects.count(), Digest.objects.count()) == (1, 1)


def test_nothing_is_planned_before_the_configured_day(ward, committee_member):
    set_rule("oversight.day", 3)
    make_assignment(committee_member, ward.cell01, DEC)

    reminders.plan_due(dt.date(2026, 12, 2))
    assert Notification.objects.count() == 0

    reminders.plan_due(dt.date(2026, 12, 3))
    assert Notification.objects.count() == 1


def test_a_rule_taking_effect_mid_month_waits_for_the_next_month(ward, committee_member):
    set_rule("oversight.effective_from", "2026-12-10")
    make_assignment(committee_member, ward.cell01, DEC)
    make_assignment(committee_member, ward.cell01, dt.date(2027, 1, 1))

    reminders.plan_due(dt.date(2026, 12, 15))
    assert Notification.objects.count() == 0

    reminders.plan_due(dt.date(2027, 1, 1))
    assert items(kind="oversight") == [("Bùi Quốc Phụ", "2027-01", f"cell:{ward.cell01.pk}")]


def test_the_month_turns_at_midnight_vietnam_time(ward, committee_member):
    make_assignment(committee_member, ward.cell01, NOV)
    make_assignment(committee_member, ward.cell02, DEC)

    with time_machine.travel(dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC), tick=False):  # 23:30 in Hà Nội
        reminders.plan_due()
    assert items() == [("Bùi Quốc Phụ", "2026-11", f"cell:{ward.cell01.pk}")]

    with time_machine.travel(dt.datetime(2026, 11, 30, 17, 30, tzinfo=dt.UTC), tick=False):  # 00:30 on 1 Dec
        reminders.plan_due()
    assert items(period="2026-12") == [("Bùi Quốc Phụ", "2026-12", f"cell:{ward.cell02.pk}")]


def test_departed_and_exempt_overseers_are_not_reminded(ward):
    departed = make_member(ward.cell02, left_on=dt.date(2026, 11, 20), left_reason="transferred")
    exempt = make_member(ward.cell02, exempt_since=dt.date(2026, 6, 1))
    make_assignment(departed, ward.cell01, DEC)
    make_assignment(exempt, ward.cell02, DEC)

    reminders.plan_due(dt.date(2026, 12, 1))

    assert Notification.objects.count() == 0


def test_an_assignment_moved_before_the_email_left_is_withdrawn_and_the_new_overseer_told(
    ward, committee_member
):
    other = make_person(ward.cell02, Role.COMMITTEE_MEMBER, full_name="Đỗ Văn Mới").member
    assignment = make_assignment(committee_member, ward.cell01, DEC)
    reminders.plan_due(dt.date(2026, 12, 1))

    assignment.overseer = other
    assignment.save(update_fields=["overseer"])
    report = reminders.plan_due(dt.date(2026, 12, 1))

    assert (report.inserted, report.withdrawn) == (1, 1)
    assert items() == [("Đỗ Văn Mới", "2026-12", f"cell:{ward.cell01.pk}")]
    assert dict(Digest.objects.values_list("recipient__full_name", "status")) == {
        "Bùi Quốc Phụ": "cancelled",
        "Đỗ Văn Mới": "pending",
    }


def test_an_assignment_moved_after_the_email_left_stays_in_the_first_overseers_inbox(ward, committee_member):
    other = make_person(ward.cell02, Role.COMMITTEE_MEMBER, full_name="Đỗ Văn Mới").member
    assignment = make_assignment(committee_member, ward.cell01, DEC)
    reminders.plan_due(dt.date(2026, 12, 1))
    Digest.objects.update(status=Digest.Status.SENT)

    assignment.overseer = other
    assignment.save(update_fields=["overseer"])
    reminders.plan_due(dt.date(2026, 12, 10))

    assert [name for name, _p, _s in items()] == ["Bùi Quốc Phụ", "Đỗ Văn Mới"]


def test_the_oversight_reminder_says_how_each_cell_stands(ward, committee_member):
    make_assignment(committee_member, ward.cell01, DEC)
    make_assignment(committee_member, ward.cell02, DEC)
    finalise(make_meeting(ward.cell01, month=NOV))
    make_shortcoming(ward.cell01, raised_on=dt.date(2026, 10, 1), due_on=dt.date(2026, 11, 15))
    make_shortcoming(ward.cell01, raised_on=dt.date(2026, 10, 1), due_on=dt.date(2027, 1, 15))
    make_shortcoming(
        ward.cell01,
        raised_on=dt.date(2026, 10, 1),
        due_on=dt.date(2026, 11, 1),
        status=Shortcoming.Status.VERIFIED,
    )

    reminders.plan_due(dt.date(2026, 12, 1))

    payloads = {n.subject: n.payload for n in Notification.objects.all()}
    assert payloads[f"cell:{ward.cell01.pk}"] == {
        "cell": "Chi bộ Tổ dân phố 1",
        "meeting_day": 5,
        "last_minutes": "finalised",
        "open_shortcomings": 2,
        "overdue_shortcomings": 1,
    }
    assert payloads[f"cell:{ward.cell02.pk}"]["last_minutes"] == "missing"
    assert Notification.objects.get(subject=f"cell:{ward.cell01.pk}").link == f"/cells/{ward.cell01.pk}/"


# --- Kind 2: minutes not finalised


def test_late_minutes_go_to_the_secretary_on_day_n_and_to_the_overseer_too_on_day_m(
    ward, secretary, committee_member, other_secretary
):
    make_assignment(committee_member, ward.cell01, NOV)
    make_meeting(ward.cell01, month=NOV)  # a draft
    finalise(make_meeting(ward.cell02, month=NOV))

    reminders.plan_due(dt.date(2026, 12, 4))
    assert items(kind="minutes_late") == []

    reminders.plan_due(dt.date(2026, 12, 5))
    assert items(kind="minutes_late") == [("Hoàng Văn Thư", "2026-11", f"cell:{ward.cell01.pk}")]

    reminders.plan_due(dt.date(2026, 12, 10))
    assert items(kind="minutes_late") == [
        ("Bùi Quốc Phụ", "2026-11", f"cell:{ward.cell01.pk}"),
        ("Hoàng Văn Thư", "2026-11", f"cell:{ward.cell01.pk}"),
    ]


def test_minutes_finalised_before_the_email_left_withdraw_the_reminder(ward, secretary):
    meeting = make_meeting(ward.cell01, month=NOV)
    reminders.plan_due(dt.date(2026, 12, 6))
    assert items(kind="minutes_late") == [("Hoàng Văn Thư", "2026-11", f"cell:{ward.cell01.pk}")]

    finalise(meeting)
    reminders.plan_due(dt.date(2026, 12, 6))

    assert items(kind="minutes_late") == []
    assert Digest.objects.get(kind="minutes_late").status == "cancelled"


def test_a_withdrawn_draft_does_not_hide_the_finalised_minutes_of_its_month(ward, committee_member):
    make_assignment(committee_member, ward.cell01, DEC)
    finalise(make_meeting(ward.cell01, month=NOV, date=dt.date(2026, 11, 20)))
    make_meeting(  # started by mistake earlier in the month, then withdrawn
        ward.cell01,
        month=NOV,
        date=dt.date(2026, 11, 3),
        status=Meeting.Status.WITHDRAWN,
        withdrawn_at=timezone.now(),
        withdraw_reason="Nhầm tháng",
    )

    reminders.plan_due(dt.date(2026, 12, 6))

    assert Notification.objects.get(kind="oversight").payload["last_minutes"] == "finalised"
    assert items(kind="minutes_late") == []


# --- Kind 3: remediation due and overdue; UBKT's weekly digest


def test_remediation_due_within_a_week_or_overdue_reminds_owner_and_secretary_weekly(ward, secretary):
    owner = ward.members01[0]
    due_soon = make_shortcoming(
        ward.cell01, owner=owner, raised_on=dt.date(2026, 11, 1), due_on=dt.date(2026, 12, 10)
    )
    overdue = make_shortcoming(
        ward.cell01, owner=owner, raised_on=dt.date(2026, 10, 1), due_on=dt.date(2026, 11, 20)
    )
    make_shortcoming(
        ward.cell01, owner=owner, raised_on=dt.date(2026, 11, 1), due_on=dt.date(2026, 12, 30)
    )  # later
    make_shortcoming(
        ward.cell01, owner=owner, raised_on=dt.date(2026, 1, 1), due_on=dt.date(2026, 3, 1)
    )  # past cap
    make_shortcoming(
        ward.cell01,
        owner=owner,
        raised_on=dt.date(2026, 10, 1),
        due_on=dt.date(2026, 11, 2),
        status="verified",
    )

    reminders.plan_due(dt.date(2026, 12, 7))  # a Monday: ISO week 50

    expected = {f"shortcoming:{due_soon.pk}", f"shortcoming:{overdue.pk}"}
    assert {s for _n, _p, s in items(kind="remediation", recipient=owner)} == expected
    assert {s for _n, _p, s in items(kind="remediation", recipient=secretary.member)} == expected
    assert {p for _n, p, _s in items(kind="remediation")} == {"2026-W50"}

    reminders.plan_due(dt.date(2026, 12, 14))  # the next week: the overdue one again, the other now overdue
    assert {s for _n, _p, s in items(kind="remediation", period="2026-W51", recipient=owner)} == expected


def test_remediation_due_before_the_rule_took_effect_is_not_reminded(ward, secretary):
    set_rule("remediation.effective_from", "2026-12-01")
    make_shortcoming(ward.cell01, raised_on=dt.date(2026, 10, 1), due_on=dt.date(2026, 11, 20))

    reminders.plan_due(dt.date(2026, 12, 7))

    assert items(kind="remediation") == []


def test_inspectors_get_a_weekly_digest_of_every_overdue_item(ward, inspector):
    late01 = make_shortcoming(ward.cell01, raised_on=dt.date(2026, 1, 1), due_on=dt.date(2026, 3, 1))
    late02 = make_shortcoming(ward.cell02, raised_on=dt.date(2026, 10, 1), due_on=dt.date(2026, 12, 1))
    make_shortcoming(ward.cell02, raised_on=dt.date(2026, 10, 1), due_on=dt.date(2026, 12, 20))  # not yet due

    reminders.plan_due(dt.date(2026, 12, 7))

    assert items(kind="overdue_digest") == [
        ("Vũ Thị Kiểm", "2026-W50", f"shortcoming:{late01.pk}"),
        ("Vũ Thị Kiểm", "2026-W50", f"shortcoming:{late02.pk}"),
    ]
    assert Digest.objects.filter(kind="overdue_digest").count() == 1


def test_the_secretary_is_the_deputy_when_the_cell_has_no_secretary(ward):
    deputy = make_member(ward.cell01, full_name="Phó Bí Thư")
    make_position(deputy, Role.CELL_DEPUTY)
    make_meeting(ward.cell01, month=NOV)

    reminders.plan_due(dt.date(2026, 12, 5))

    assert items(kind="minutes_late") == [("Phó Bí Thư", "2026-11", f"cell:{ward.cell01.pk}")]


# --- The dry run


def test_the_dry_run_lists_who_would_get_what_and_writes_nothing(ward, committee_member):
    make_assignment(committee_member, ward.cell01, DEC)

    lines = list(reminders.iter_lines(reminders.preview(dt.date(2026, 12, 1))))

    assert lines[0].startswith("oversight 2026-12 → Bùi Quốc Phụ <member")
    assert lines[0].endswith("[new]")
    assert "Chi bộ Tổ dân phố 1" in lines[1]
    assert Notification.objects.count() == 0
