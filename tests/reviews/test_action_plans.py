"""Personal action plans: who must write one, the refusals, dated notes kept, sight, the committee page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils.html import escape

from phuthang import periods
from reviews.models import ActionPlan, ActionPlanItem, ActionPlanNote
from reviews.services import plans as services
from reviews.services.pledges import Line
from tests.conftest import once, vi
from tests.factories import make_member, make_person, make_plan

pytestmark = pytest.mark.django_db


def test_an_item_due_outside_the_plans_year_is_refused_and_nothing_is_saved(leader):
    year = periods.today().year
    with pytest.raises(ValidationError) as error:
        make_plan(leader.member, items=[Line("Việc", "", dt.date(year + 1, 1, 15))])
    assert vi("Item %(n)d: the due date must fall within %(year)d.", n=1, year=year) in str(error.value)
    assert not ActionPlan.objects.exists()


def test_the_form_shows_the_refusal_in_vietnamese(client, leader):
    year = periods.today().year
    client.force_login(leader)
    data = {"unit": 0, "year": year, "items": f"Việc | | 15/01/{year + 1}"}
    response = client.post("/action-plans/new/", once(data))
    expected = vi("Item %(n)d: the due date must fall within %(year)d.", n=1, year=year)
    assert escape(expected) in response.content.decode()
    assert not ActionPlan.objects.exists()


def test_a_leader_writes_a_plan_once_per_year(client, leader):
    year = periods.today().year
    client.force_login(leader)
    data = once({"unit": 0, "year": year, "items": f"Dự sinh hoạt chi bộ | 12 buổi | 31/12/{year}"})
    first = client.post("/action-plans/new/", data)
    second = client.post("/action-plans/new/", data)  # sent twice: one plan
    plan = ActionPlan.objects.get()
    assert first["Location"] == second["Location"] == f"/action-plans/{plan.pk}/"
    assert plan.committee == leader.member.cell.committee and plan.cell is None
    with pytest.raises(ValidationError):
        make_plan(leader.member)


def test_a_member_without_a_position_may_not_write_a_plan(client, member):
    client.force_login(member)
    assert client.get("/action-plans/new/").status_code == 403


def test_progress_notes_are_dated_and_kept_and_move_the_status(client, leader):
    plan = make_plan(leader.member)
    item = plan.items.get(position=1)
    client.force_login(leader)
    data = {
        f"i{item.pk}-version": 1,
        f"i{item.pk}-on": periods.today().isoformat(),
        f"i{item.pk}-text": "Đã dự 6 buổi",
        f"i{item.pk}-status": "in_progress",
    }
    client.post(f"/action-plans/items/{item.pk}/note/", data)
    data.update({f"i{item.pk}-version": 2, f"i{item.pk}-text": "Đã dự đủ", f"i{item.pk}-status": "done"})
    client.post(f"/action-plans/items/{item.pk}/note/", data)
    item.refresh_from_db()
    assert item.status == "done"
    assert list(ActionPlanNote.objects.filter(item=item).values_list("text", "status")) == [
        ("Đã dự 6 buổi", "in_progress"),
        ("Đã dự đủ", "done"),
    ]
    stale = client.post(f"/action-plans/items/{item.pk}/note/", {**data, f"i{item.pk}-version": 1})
    assert stale.status_code == 302 and ActionPlanNote.objects.filter(item=item).count() == 2


def test_only_the_author_notes_progress(client, leader, inspector):
    plan = make_plan(leader.member)
    item = plan.items.first()
    client.force_login(inspector)
    assert client.get(f"/action-plans/{plan.pk}/").status_code == 200  # UBKT reads it
    data = {
        f"i{item.pk}-version": 1,
        f"i{item.pk}-on": periods.today().isoformat(),
        f"i{item.pk}-text": "x",
        f"i{item.pk}-status": "done",
    }
    assert client.post(f"/action-plans/items/{item.pk}/note/", data).status_code == 403


def test_a_cell_secretarys_plan_is_read_by_their_cell_not_by_another(
    client, ward, secretary, member, other_secretary
):
    plan = make_plan(secretary.member, cell=ward.cell01)
    client.force_login(member)
    assert client.get(f"/action-plans/{plan.pk}/").status_code == 200
    client.force_login(other_secretary)
    assert client.get(f"/action-plans/{plan.pk}/").status_code == 404


def test_the_committee_page_lists_whose_plan_is_missing_and_each_plans_progress(
    client, ward, leader, secretary, inspector
):
    with time_machine.travel(dt.datetime(periods.today().year, 7, 15, 3, 0, tzinfo=dt.UTC), tick=False):
        plan = make_plan(leader.member)  # one item due 30/06 (now overdue), one due 31/12
        client.force_login(inspector)
        response = client.get("/action-plans/")
    missing = [m.full_name for _c, m, _cell in response.context["missing"]]
    assert "Hoàng Văn Thư" in missing and "Vũ Thị Kiểm" in missing and "Nguyễn Văn Lãnh" not in missing
    ((_shown, progress),) = [(p, pr) for p, pr in response.context["rows"] if p.pk == plan.pk]
    assert (progress.done, progress.due, progress.overdue) == (0, 1, 1)


@pytest.mark.parametrize("n", [2, 30])
def test_the_committee_page_runs_the_same_queries_however_many_plans(
    client, ward, inspector, n, django_assert_num_queries
):
    from cells.models import Role

    for _ in range(n):
        person = make_person(ward.cell02, Role.COMMITTEE_MEMBER)
        make_plan(person.member)
    make_member(ward.cell02)
    client.force_login(inspector)
    # session, user, access (member, positions, assignments, committee tree), the plans in sight, their
    # progress, the committees, the committee's leaders, the menu's inbox count
    with django_assert_num_queries(12):
        client.get("/action-plans/")


def test_a_progress_note_dated_tomorrow_is_refused(leader):
    plan = make_plan(leader.member)
    item = plan.items.first()
    with pytest.raises(ValidationError):
        services.note_progress(
            item, by=leader, on=periods.today() + dt.timedelta(days=1), text="x", status="done", version=1
        )
    assert not ActionPlanNote.objects.exists() and ActionPlanItem.objects.get(pk=item.pk).status == "planned"
