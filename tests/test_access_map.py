"""docs/access.md is generated from the rules' declarations, and the declarations say what the code does."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.utils.module_loading import import_string

from cells.models import Cell, LifeEvent, Member, MemberImport
from phuthang import access, periods
from phuthang.management.commands.access_map import declared, render
from reviews.models import (
    ActionPlan,
    CellMonth,
    Digest,
    FeedbackItem,
    Meeting,
    PledgeCampaign,
    ReceptionSession,
    Review,
    Shortcoming,
    ShortcomingCommitteeCount,
    ShortcomingCount,
)
from reviews.models.reviews import ReviewRound, RoundCellCount
from reviews.services import meetings as meeting_services
from reviews.services import reviews as review_services
from tests.factories import (
    make_assignment,
    make_campaign,
    make_cell,
    make_committee,
    make_feedback,
    make_job,
    make_meeting,
    make_member,
    make_notification,
    make_plan,
    make_pledge,
    make_shortcoming,
    make_user,
)

SIGHT = [rule for rule in declared() if not rule.action]


def test_docs_access_md_is_the_generated_map():
    page = (settings.BASE_DIR / "docs" / "access.md").read_text(encoding="utf-8")
    assert page == render(declared()), "docs/access.md is out of date: run `manage.py access_map`"


def test_check_fails_when_the_page_differs_from_the_code(tmp_path):
    path = tmp_path / "access.md"
    call_command("access_map", path=path)
    call_command("access_map", "--check", path=path)
    path.write_text(path.read_text(encoding="utf-8").replace("every cell", "no cell", 1), encoding="utf-8")
    with pytest.raises(CommandError, match="out of date"):
        call_command("access_map", "--check", path=path)


def test_check_fails_when_the_page_is_missing(tmp_path):
    with pytest.raises(CommandError, match="out of date"):
        call_command("access_map", "--check", path=tmp_path / "access.md")


def test_the_page_names_every_sight_rule_and_every_permission_predicate():
    page = render(declared())
    for name in ("phuthang.access.cells", "phuthang.access.meeting_year_cells", "phuthang.access.digests"):
        assert f"`{name}`" in page
    for name in ("reviews.permissions.meetings.can_edit", "reviews.permissions.reviews.can_decide_extension"):
        assert f"`{name}`" in page


def test_a_sight_rule_must_say_what_every_role_sees():
    with pytest.raises(TypeError, match="stranger"):
        access.sees("Cells", model="cells.Cell", **dict.fromkeys(list(access.ROLES)[:-1], "all"))(
            lambda user: Q()
        )


def test_a_rule_for_a_role_the_map_does_not_have_is_refused():
    with pytest.raises(TypeError, match="chairman"):
        access.may("Cells", "rename", chairman="yes")(lambda user, cell: True)


def test_every_visible_to_is_declared_on_the_map():
    declared_models = {rule.model for rule in SIGHT}
    with_sight = {m._meta.label for m in apps.get_models() if hasattr(m._default_manager, "visible_to")}
    assert with_sight == declared_models - {""}


# --- The declarations against the behaviour, for the cast of tests/conftest.py


def _finalised_meeting(cell: Cell, person: Member) -> None:
    """Last month's minutes, finalised: what a member of the cell reads on their home page."""
    meeting = make_meeting(cell, month=periods.add_months(periods.month_start(), -1))
    fields = {"ended_at": dt.time(10, 0), "resolution": "Nghị quyết", "chair": person, "recorder": person}
    meeting = meeting_services.save_meeting(
        meeting, version=meeting.version, by=None, changes=meeting_services.SheetChanges(fields=fields)
    )
    meeting_services.finalise_meeting(meeting, by=None)


def _records(cell: Cell, person: Member, *, by: Any) -> dict[str, set[int]]:
    """One record of each kind in the cell, about the person (a member of it)."""
    review_services.start_round(
        cell.committee, title="Kiểm điểm", period_kind="year", year=periods.today().year, quarter=None, by=by
    )
    make_meeting(cell)
    _finalised_meeting(cell, person)
    make_shortcoming(cell, subject_member=person)
    make_notification(person)
    upload = MemberImport.objects.create(
        committee=cell.committee, cell=cell, file_name="ds.csv", sha256="0" * 64, size=1, uploaded_by=by
    )
    event = LifeEvent.objects.create(member=person, kind="exempt_start", on=periods.today(), recorded_by=by)
    make_feedback(  # a concluded denunciation about the person: the cell's secretary sees it now
        cell.committee,
        concerned_member=person,
        status="concluded",
        conclusion="Không đúng",
        concluded_on=periods.today(),
    )
    pledge = make_pledge(person, make_campaign(cell.committee))
    year = periods.today().year
    plans = {make_plan(person, cell=cell, year=year).pk, make_plan(person, year=year - 1).pk}
    return {
        "cells.Cell": {cell.pk},
        "cells.Member": set(cell.members.values_list("pk", flat=True)),
        "cells.OversightAssignment": set(cell.oversight_assignments.values_list("pk", flat=True)),
        "reviews.Meeting": set(Meeting.objects.filter(cell=cell).values_list("pk", flat=True)),
        "reviews.Review": set(Review.objects.filter(cell=cell).values_list("pk", flat=True)),
        "reviews.RoundCellCount": set(RoundCellCount.objects.filter(cell=cell).values_list("pk", flat=True)),
        "reviews.CellMonth": set(CellMonth.objects.filter(cell=cell).values_list("pk", flat=True)),
        "reviews.Shortcoming": set(Shortcoming.objects.filter(cell=cell).values_list("pk", flat=True)),
        "reviews.ShortcomingCount": set(
            ShortcomingCount.objects.filter(cell=cell).values_list("pk", flat=True)
        ),
        "reviews.ShortcomingCommitteeCount": set(
            ShortcomingCommitteeCount.objects.filter(committee=cell.committee).values_list("pk", flat=True)
        ),
        "reviews.Digest": set(Digest.objects.filter(recipient__cell=cell).values_list("pk", flat=True)),
        "cells.MemberImport": {upload.pk},
        "cells.LifeEvent": {event.pk},
        "reviews.ReceptionSession": {
            ReceptionSession.objects.create(
                committee=cell.committee, held_on=periods.today(), received_by="Bí thư"
            ).pk
        },
        "reviews.FeedbackItem": set(
            FeedbackItem.objects.filter(concerned_member__cell=cell).values_list("pk", flat=True)
        ),
        "reviews.PledgeCampaign": {pledge.campaign_id},
        "reviews.Pledge": {pledge.pk},
        "reviews.ActionPlan": plans,
    }


@pytest.fixture
def records(ward, secretary, overseer, inspector, leader, member, stranger, staff):
    """Records of every kind in cell01, the cast's cell, and in a cell of another ward."""
    here = _records(ward.cell01, member.member, by=leader)
    elsewhere = make_cell(make_committee(), code="ELSEWHERE")
    make_assignment(make_member(elsewhere), elsewhere)
    there = _records(elsewhere, make_member(elsewhere), by=staff)
    # jobs: each of the cast started one for the ward; someone of the other ward one for theirs
    cast = (secretary, overseer, inspector, leader, member, stranger, staff)
    here["phuthang.Job"] = {make_job(user, committee=ward.committee).pk for user in cast}
    there["phuthang.Job"] = {make_job(make_user("elsewhere"), committee=elsewhere.committee).pk}
    return here, there


@pytest.mark.parametrize("role", list(access.ROLES))
def test_each_role_sees_of_cell01_what_the_map_declares_and_nothing_of_another_ward(request, records, role):
    """Declared "—": nothing of cell01; declared anything else: something of it. Of another ward's
    records only office staff see any."""
    user = request.getfixturevalue(role)
    here, there = records
    wrong = []
    for rule in SIGHT:
        model = apps.get_model(rule.model)
        seen = set(
            model._default_manager.filter(import_string(rule.function)(user)).values_list("pk", flat=True)
        )
        declared_none = rule.roles[role].startswith(access.NOTHING)
        if declared_none == bool(seen & here[rule.model]):
            wrong.append(
                f"{rule.function}: declared {rule.roles[role]!r}, sees {len(seen & here[rule.model])}"
            )
        if (role == "staff") != bool(seen & there[rule.model]):
            wrong.append(f"{rule.function}: sees {len(seen & there[rule.model])} of another ward's records")
    assert not wrong


@pytest.mark.parametrize("role", list(access.ROLES))
def test_each_models_visible_to_is_one_of_its_declared_rules(request, records, role):
    user = request.getfixturevalue(role)
    for label in {rule.model for rule in SIGHT}:
        model = apps.get_model(label)
        visible = set(model._default_manager.visible_to(user).values_list("pk", flat=True))
        candidates = [
            set(model._default_manager.filter(import_string(r.function)(user)).values_list("pk", flat=True))
            for r in SIGHT
            if r.model == label
        ]
        assert visible in candidates, label


MAY = [rule for rule in declared() if rule.action]


def _cases(ward: Any, member: Any) -> dict[tuple[str, str], tuple[Any, ...]]:
    """For each declared predicate, arguments in cell01 in a state where the declared roles may act."""
    person, cell, month = member.member, ward.cell01, periods.month_start()
    draft = Meeting(cell=cell, status=Meeting.Status.DRAFT, month=month)
    finalised = Meeting(cell=cell, status=Meeting.Status.FINALISED, month=month)
    item = Shortcoming(cell=cell, subject_member=person, owner=person, status=Shortcoming.Status.OPEN)

    def review(status: str) -> Review:
        return Review(cell=cell, member=person, status=status)

    access_, meetings, reviews, pledges = (
        "phuthang.access",
        "reviews.permissions.meetings",
        "reviews.permissions.reviews",
        "reviews.permissions.pledges",
    )
    campaign = PledgeCampaign(committee=ward.committee, year=periods.today().year)
    return {
        (
            f"{access_}.can_assign_oversight",
            "assign a month's overseers, searching the committee's candidates",
        ): (ward.committee,),
        (f"{access_}.can_edit_member", "edit contact details and exemption"): (ward.members01[0],),
        (f"{meetings}.can_start", "start a meeting"): (cell,),
        (f"{meetings}.can_edit", "write the minutes while a draft"): (draft,),
        (f"{meetings}.can_reopen", "reopen finalised minutes"): (finalised,),
        (f"{meetings}.can_withdraw", "withdraw a draft started by mistake"): (draft,),
        (f"{meetings}.is_assigned_overseer", "score the meeting"): (draft,),
        (f"{reviews}.round_committees", "start a review round"): (),
        (f"{reviews}.can_self_assess", "write the self-assessment while draft or self-assessed"): (
            review(Review.Status.DRAFT),
        ),
        (f"{reviews}.can_propose", "propose a rating"): (review(Review.Status.SELF_ASSESSED),),
        (f"{reviews}.can_decide", "decide the rating"): (review(Review.Status.PROPOSED),),
        (f"{reviews}.can_reopen_review", "reopen a decided review while its round is open"): (
            review(Review.Status.DECIDED),
        ),
        (f"{reviews}.can_withdraw_review", "withdraw a review not yet decided"): (
            review(Review.Status.DRAFT),
        ),
        (f"{reviews}.can_close_round", "close a round"): (
            ReviewRound(committee=ward.committee, status=ReviewRound.Status.OPEN),
        ),
        (f"{reviews}.can_read_history", "read who changed what"): (cell,),
        (f"{reviews}.sees_rounds", "open the rounds page"): (),
        (f"{reviews}.can_record_shortcoming", "record a shortcoming"): (cell,),
        (f"{reviews}.recordable_cells", "record a shortcoming"): (),
        (f"{reviews}.can_report_progress", "report progress while active"): (item,),
        (f"{reviews}.can_edit_shortcoming", "edit while active"): (item,),
        (f"{reviews}.can_change_status", "verify"): (item, "verify"),
        (f"{reviews}.can_change_status", "reopen"): (item, "reopen"),
        (f"{reviews}.can_change_status", "withdraw"): (item, "withdraw"),
        (f"{reviews}.can_change_status", "start the remediation or report it fixed"): (item, "start"),
        (f"{reviews}.can_request_extension", "ask for a later due date while active"): (item,),
        (f"{reviews}.can_decide_extension", "grant or refuse a later due date"): (item,),
        (f"{reviews}.sees_board", "open the board"): (),
        ("accounts.permissions.can_enrol", "turn on an authenticator app"): (),
        (f"{access_}.can_import_members", "upload a member list and import it"): (),
        (f"{access_}.can_record_membership", "record recognition as official, a transfer or a departure"): (
            ward.members01[0],
        ),
        (f"{pledges}.can_open_campaign", "open a campaign"): (ward.committee,),
        (f"{pledges}.can_correct_text", "correct the common text"): (campaign,),
        (f"{pledges}.can_sign", "sign in the app"): (campaign, person),
        (f"{pledges}.can_record_paper", "record a paper pledge"): (cell,),
        ("reviews.permissions.plans.can_write_plan", "write their own plan"): (),
        ("reviews.permissions.plans.can_note", "note progress on an item"): (
            ActionPlan(member=person, committee=ward.committee, year=periods.today().year),
        ),
        **_feedback_cases(ward, member),
    }


def _feedback_cases(ward: Any, member: Any) -> dict[tuple[str, str], tuple[Any, ...]]:
    """A denunciation about a member of cell01, the `member` fixture its handler."""

    def item(status: str) -> FeedbackItem:
        return FeedbackItem(
            committee=ward.committee,
            kind="denunciation",
            concerned_member=ward.members01[0],
            status=status,
            handler=member,
        )

    feedback = "reviews.permissions.feedback"
    return {
        (
            "phuthang.access.sees_sender",
            "see who denounced (name, address, contact): the committee's head, its UBKT chair, the handler",
        ): (item("accepted"),),
        (f"{feedback}.can_record", "record an item, a reception session"): (),
        (f"{feedback}.can_classify", "classify and assign the handler"): (item("received"),),
        (
            f"{feedback}.can_handle",
            "record steps: tell the sender, notes, scans, the extension, the written reply",
        ): (item("accepted"),),
        (f"{feedback}.can_conclude", "conclude"): (item("accepted"),),
        (f"{feedback}.can_raise_shortcoming", "raise a shortcoming from a conclusion that finds fault"): (
            item("concluded"),
        ),
        (f"{feedback}.sees_register", "see the register, its reports and reception sessions"): (),
        (
            f"{feedback}.can_read_views",
            "read who opened an item (the UBKT chair too, of their committee's items)",
        ): (item("accepted"),),
    }


@pytest.mark.parametrize("role", list(access.ROLES))
def test_each_role_may_do_in_cell01_what_the_map_declares(request, ward, member, overseer, role):
    """Declared for the role: the predicate allows it on a record of cell01; not declared: it refuses."""
    user = request.getfixturevalue(role)
    cases = _cases(ward, member)
    assert {(r.function, r.action) for r in MAY} == set(cases), "a new predicate adds its case to _cases"
    wrong = [
        f"{rule.function} ({rule.action}): declared {rule.roles.get(role, 'not allowed')!r}"
        for rule in MAY
        if bool(import_string(rule.function)(user, *cases[(rule.function, rule.action)]))
        != (role in rule.roles)
    ]
    assert not wrong
