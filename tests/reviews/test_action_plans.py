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
    missing = [m.full_name for m, _unit in response.context["missing"]]
    assert "Hoàng Văn Thư" in missing and "Vũ Thị Kiểm" in missing and "Nguyễn Văn Lãnh" not in missing
    ((_shown, progress),) = [(p, pr) for p, pr in response.context["rows"] if p.pk == plan.pk]
    assert (progress.done, progress.due, progress.overdue) == (0, 1, 1)


def _leaders_with_plans(ward, n, *, without=0):
    """n committee members of the ward's second cell with a plan, `without` more with none."""
    from cells.models import Role

    people = [make_person(ward.cell02, Role.COMMITTEE_MEMBER) for _ in range(n + without)]
    for person in people[:n]:
        make_plan(person.member)
    return people


@pytest.mark.parametrize("n", [2, 60])
def test_the_committee_page_runs_the_same_queries_however_many_plans(
    client, ward, inspector, n, django_assert_num_queries
):
    _leaders_with_plans(ward, n, without=n)
    make_member(ward.cell02)
    client.force_login(inspector)
    # session, user, access (member, positions, assignments, committee tree), the plans' count, a page of
    # them, their progress, the leaders without a plan: their count, a page of them, what they lead; whether
    # the reader's own plan is written, the reader's positions (may they write one), the menu's inbox count
    with django_assert_num_queries(15):
        client.get("/action-plans/")


def test_the_plans_come_50_a_page_with_their_number_over_every_page(client, ward, inspector):
    _leaders_with_plans(ward, 60, without=55)
    total = ActionPlan.objects.count()
    client.force_login(inspector)

    first = client.get("/action-plans/")
    second = client.get("/action-plans/", {"page": 2})

    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == total - 50
    assert first.context["page"].paginator.count == total
    assert f'data-testid="plans-count">{total}<' in first.text
    shown = {p.pk for p, _ in first.context["rows"]} | {p.pk for p, _ in second.context["rows"]}
    assert shown == set(ActionPlan.objects.values_list("pk", flat=True))
    # the leaders without a plan: the first 50 here, every one of them under ?show=missing, paged
    assert len(first.context["missing"]) == 50 and 'data-testid="all-missing"' in first.text
    missing = first.context["missing_page"].paginator.count
    assert missing >= 55
    rest = client.get("/action-plans/", {"show": "missing", "page": 2})
    assert len(rest.context["missing"]) == missing - 50 and rest.context["rows"] == []


def test_the_search_finds_a_plan_and_a_missing_leader_by_name_or_cell(client, ward, inspector, secretary):
    people = _leaders_with_plans(ward, 3, without=2)
    client.force_login(inspector)

    found = client.get("/action-plans/", {"q": people[1].member.full_name})
    assert [p.member_id for p, _ in found.context["rows"]] == [people[1].member.pk]
    assert found.context["missing"] == []
    lacking = client.get("/action-plans/", {"q": people[4].member.full_name})
    assert lacking.context["rows"] == [] and [m.pk for m, _ in lacking.context["missing"]] == [
        people[4].member.pk
    ]
    secretary_plan = make_plan(secretary.member, cell=ward.cell01)
    by_cell = client.get("/action-plans/", {"q": ward.cell01.code})
    assert [p.pk for p, _ in by_cell.context["rows"]] == [secretary_plan.pk]
    nothing = client.get("/action-plans/", {"q": "không ai có tên này"})
    assert escape(vi("No plan matches this search.")) in nothing.text


@pytest.mark.parametrize("asked", ["999999999", "abc", "-1", "1e400", "9" * 500])
def test_a_hostile_page_number_answers_a_page(client, ward, inspector, asked):
    _leaders_with_plans(ward, 55)
    client.force_login(inspector)

    response = client.get("/action-plans/", {"page": asked})
    assert response.status_code == 200
    assert response.context["page"].number == (2 if asked in ("999999999", "9" * 500) else 1)
    assert client.get("/action-plans/", {"page": asked, "show": "missing"}).status_code == 200


def test_a_cell_member_sees_no_list_of_missing_plans_even_asking_for_it(client, ward, member, secretary):
    plan = make_plan(secretary.member, cell=ward.cell01)
    client.force_login(member)

    response = client.get("/action-plans/", {"show": "missing"})
    assert response.context["missing_page"] is None and 'data-testid="missing-plans"' not in response.text
    assert [p.pk for p, _ in response.context["rows"]] == [plan.pk]


def test_a_progress_note_dated_tomorrow_is_refused(leader):
    plan = make_plan(leader.member)
    item = plan.items.first()
    with pytest.raises(ValidationError):
        services.note_progress(
            item, by=leader, on=periods.today() + dt.timedelta(days=1), text="x", status="done", version=1
        )
    assert not ActionPlanNote.objects.exists() and ActionPlanItem.objects.get(pk=item.pk).status == "planned"
