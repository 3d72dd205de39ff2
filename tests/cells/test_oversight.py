"""Monthly oversight: everyone in the tree sees who oversees which cell; leaders assign and copy."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from cells import forms, services
from cells.models import OversightAssignment, Role
from phuthang import jobs, periods
from phuthang.concurrency import OutOfDate
from phuthang.models import Job
from tests.conftest import vi
from tests.factories import (
    make_assignment,
    make_cell,
    make_committee,
    make_member,
    make_person,
    make_position,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def month():
    return periods.month_start()


@pytest.fixture
def last_month(month):
    return periods.add_months(month, -1)


def edit_url(month) -> str:
    return f"/oversight/{month:%Y-%m}/edit/"


def copy_url(month) -> str:
    return f"/oversight/{month:%Y-%m}/copy/"


def overseers_of(month) -> dict[str, str]:
    return dict(OversightAssignment.objects.for_month(month).values_list("cell__code", "overseer__full_name"))


def page_of(response) -> dict[str, str]:
    """The hidden fields a page of the edit form posts back: its stale-page token and its cells."""
    form = response.context["form"]
    return {
        "token": form["token"].value(),
        "cells": form["cells"].value(),
        "submit_token": form["submit_token"].value(),
    }


# --- Everyone in the tree sees the month's assignments


@pytest.mark.parametrize(
    "role", ["secretary", "other_secretary", "overseer", "inspector", "leader", "member", "staff"]
)
def test_everyone_in_the_ward_sees_who_oversees_which_cell_this_month(client, role, request, overseer):
    client.force_login(request.getfixturevalue(role))
    response = client.get("/oversight/")
    assert response.status_code == 200
    assert "Chi bộ Tổ dân phố 1" in response.text
    assert "Bùi Quốc Phụ" in response.text


def test_a_user_without_member_gets_404_on_oversight(client, stranger):
    client.force_login(stranger)
    assert client.get("/oversight/").status_code == 404


def test_oversight_list_shows_another_month_when_asked(client, member, overseer, cell02, ward, last_month):
    make_assignment(ward.members02[0], cell02, last_month)
    client.force_login(member)
    page = client.get(f"/oversight/?month={last_month:%Y-%m}").text
    assert "Phạm Thị Hoa" in page
    assert "Bùi Quốc Phụ" not in page
    assert last_month.strftime("%m/%Y") in page


def test_a_malformed_month_shows_this_month(client, member, overseer):
    client.force_login(member)
    response = client.get("/oversight/?month=soon")
    assert response.status_code == 200
    assert "Bùi Quốc Phụ" in response.text


def test_oversight_list_does_not_show_another_wards_assignments(client, member):
    elsewhere = make_cell(make_committee(), name="Chi bộ Nơi Khác")
    make_assignment(make_member(elsewhere), elsewhere)
    client.force_login(member)
    assert "Chi bộ Nơi Khác" not in client.get("/oversight/").text


def test_only_leaders_are_offered_the_assign_button(client, leader, secretary, month):
    client.force_login(leader)
    assert f'href="{edit_url(month)}?committee=' in client.get("/oversight/").text
    client.force_login(secretary)
    assert f'href="{edit_url(month)}' not in client.get("/oversight/").text


def test_oversight_list_runs_a_fixed_number_of_queries(
    client, member, overseer, committee, ward, django_assert_num_queries
):
    for n in range(10):
        make_assignment(ward.members02[n % 2], make_cell(committee))
    client.force_login(member)
    # session, user, access (member, positions, this month's overseen cells, committee tree),
    # the number of assignments, this page of them with cell and overseer, the navbar's user.member
    # (committees the user may edit: none, so no query)
    with django_assert_num_queries(9):
        response = client.get("/oversight/")
    assert response.text.count("<tr><td>") == 11


def test_oversight_list_shows_50_assignments_a_page_in_as_many_queries(
    client, member, overseer, committee, ward, django_assert_num_queries
):
    for n in range(54):
        make_assignment(ward.members02[n % 2], make_cell(committee, code=f"X{n:03}"))
    client.force_login(member)
    with django_assert_num_queries(9):  # the same queries as for 11 assignments
        first = client.get("/oversight/")
    assert first.text.count("<tr><td>") == 50
    assert escape(vi("Page %(number)s of %(total)s", number=1, total=2)) in first.text
    second = client.get("/oversight/?page=2")
    assert second.text.count("<tr><td>") == 5


def test_oversight_list_finds_assignments_by_cell_or_overseer_name(client, member, overseer, ward):
    make_assignment(ward.members02[0], ward.cell02)
    client.force_login(member)
    by_cell = client.get("/oversight/?q=tiểu học").text
    assert "Chi bộ Trường Tiểu học" in by_cell
    assert "Chi bộ Tổ dân phố 1" not in by_cell
    by_overseer = client.get("/oversight/?q=quốc phụ").text
    assert "Chi bộ Tổ dân phố 1" in by_overseer
    assert "Chi bộ Trường Tiểu học" not in by_overseer
    nothing = client.get("/oversight/?q=zzz").text
    assert escape(vi("No assignment matches this search.")) in nothing


# --- Leaders assign


def test_leader_assigns_overseers_for_the_month(client, leader, overseer, inspector, ward, month):
    client.force_login(leader)
    page = client.get(edit_url(month))
    assert page.status_code == 200
    response = client.post(
        edit_url(month),
        {
            "committee": ward.committee.pk,
            **page_of(page),
            f"cell_{ward.cell01.pk}": overseer.member.pk,
            f"cell_{ward.cell02.pk}": inspector.member.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/oversight/?month={month:%Y-%m}"
    assert overseers_of(month) == {"CB01": "Bùi Quốc Phụ", "CB02": "Vũ Thị Kiểm"}
    assert OversightAssignment.objects.get(cell=ward.cell02).assigned_by == leader


def test_the_edit_page_offers_only_committee_members_as_overseers(client, leader, overseer, ward, month):
    client.force_login(leader)
    page = client.get(edit_url(month)).text
    assert "Bùi Quốc Phụ" in page  # committee member
    assert "Nguyễn Văn Lãnh" in page  # the leader too
    assert "Nguyễn Văn Chính" not in page  # an ordinary member


def test_assigning_nobody_removes_the_assignment(client, leader, overseer, ward, month):
    client.force_login(leader)
    page = client.get(edit_url(month))
    client.post(
        edit_url(month),
        {"committee": ward.committee.pk, **page_of(page), f"cell_{ward.cell01.pk}": ""},
    )
    assert overseers_of(month) == {}


def test_an_ordinary_member_cannot_be_posted_as_overseer(client, leader, ward, month):
    client.force_login(leader)
    page = client.get(edit_url(month))
    response = client.post(
        edit_url(month),
        {
            "committee": ward.committee.pk,
            **page_of(page),
            f"cell_{ward.cell01.pk}": ward.members01[0].pk,
        },
    )
    assert response.status_code == 200
    assert 'class="invalid-feedback"' in response.text
    assert overseers_of(month) == {}


def test_leader_copies_last_months_assignments_in_one_action(
    client, leader, overseer, inspector, ward, month, last_month
):
    OversightAssignment.objects.all().delete()
    make_assignment(overseer.member, ward.cell01, last_month)
    make_assignment(inspector.member, ward.cell02, last_month)
    client.force_login(leader)
    response = client.post(copy_url(month), {"committee": ward.committee.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{edit_url(month)}?committee={ward.committee.pk}"
    assert overseers_of(month) == {"CB01": "Bùi Quốc Phụ", "CB02": "Vũ Thị Kiểm"}
    page = client.get(response["Location"]).text
    assert escape(vi("%(count)d assignments copied from last month.", count=2)) in page


def test_a_copy_too_large_for_a_request_is_done_by_a_job_that_links_back(
    client, leader, overseer, inspector, ward, month, last_month, monkeypatch
):
    OversightAssignment.objects.all().delete()
    make_assignment(overseer.member, ward.cell01, last_month)
    make_assignment(inspector.member, ward.cell02, last_month)
    monkeypatch.setattr(jobs, "IN_REQUEST_ROWS", 1)  # a province: thousands of cells
    client.force_login(leader)

    response = client.post(copy_url(month), {"committee": ward.committee.pk})
    job = Job.objects.get(kind="oversight_copy")
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert overseers_of(month) == {}  # not yet: the worker copies
    again = client.post(copy_url(month), {"committee": ward.committee.pk})
    assert again["Location"] == f"/jobs/{job.pk}/"  # pressed twice: the same job

    jobs.run(job.pk)
    assert overseers_of(month) == {"CB01": "Bùi Quốc Phụ", "CB02": "Vũ Thị Kiểm"}
    page = client.get(f"/jobs/{job.pk}/").text
    assert escape(vi("%(count)d assignments copied from last month.", count=2)) in page
    assert escape(f"{edit_url(month)}?committee={ward.committee.pk}") in page


def test_copying_keeps_the_assignments_already_made_this_month(
    client, leader, overseer, inspector, ward, month, last_month
):
    make_assignment(inspector.member, ward.cell01, last_month)
    make_assignment(inspector.member, ward.cell02, last_month)
    client.force_login(leader)  # overseer already oversees cell01 this month
    client.post(copy_url(month), {"committee": ward.committee.pk})
    assert overseers_of(month) == {"CB01": "Bùi Quốc Phụ", "CB02": "Vũ Thị Kiểm"}


def test_copying_twice_changes_nothing_the_second_time(client, leader, inspector, ward, month, last_month):
    make_assignment(inspector.member, ward.cell02, last_month)
    client.force_login(leader)
    client.post(copy_url(month), {"committee": ward.committee.pk})
    client.post(copy_url(month), {"committee": ward.committee.pk})
    assert OversightAssignment.objects.for_month(month).count() == 1


def test_copy_answers_only_post(client, leader, month, ward):
    client.force_login(leader)
    assert client.get(copy_url(month)).status_code == 405


# --- Concurrent edits do not silently overwrite each other


def test_a_stale_page_is_refused_and_shows_the_other_leaders_changes(
    client, leader, overseer, inspector, ward, month
):
    deputy = make_person(ward.cell02, Role.DEPUTY_SECRETARY, username="phobithu", full_name="Trần Văn Phó")
    client.force_login(leader)
    stale = client.get(edit_url(month))

    other = client.__class__()
    other.force_login(deputy)
    fresh = other.get(edit_url(month))
    other.post(
        edit_url(month),
        {
            "committee": ward.committee.pk,
            **page_of(fresh),
            f"cell_{ward.cell01.pk}": overseer.member.pk,
            f"cell_{ward.cell02.pk}": inspector.member.pk,
        },
    )

    response = client.post(
        edit_url(month),
        {
            "committee": ward.committee.pk,
            **page_of(stale),
            f"cell_{ward.cell01.pk}": overseer.member.pk,
            f"cell_{ward.cell02.pk}": "",
        },
    )
    assert response.status_code == 409  # Conflict: the one answer to a stale page
    assert (
        escape(
            vi(
                "Someone else changed these assignments while you were editing. "
                "Their changes are shown below; please check and save again."
            )
        )
        in response.text
    )
    assert overseers_of(month) == {"CB01": "Bùi Quốc Phụ", "CB02": "Vũ Thị Kiểm"}  # nothing overwritten
    assert response.context["form"][f"cell_{ward.cell02.pk}"].value() == str(inspector.member.pk)


# --- Who may not assign


@pytest.mark.parametrize("role", ["secretary", "overseer", "inspector", "member"])
def test_non_leaders_get_403_on_assigning_and_copying(client, role, request, ward, month):
    client.force_login(request.getfixturevalue(role))
    assert client.get(edit_url(month)).status_code == 403
    assert client.post(copy_url(month), {"committee": ward.committee.pk}).status_code == 403
    assert client.post(edit_url(month), {"committee": ward.committee.pk}).status_code == 403


def test_a_user_without_member_gets_404_on_assigning(client, stranger, month, ward):
    client.force_login(stranger)
    assert client.get(edit_url(month)).status_code == 404


def test_a_leader_of_another_ward_cannot_assign_in_ours(client, ward, month):
    elsewhere = make_committee()
    other_leader = make_person(make_cell(elsewhere), Role.SECRETARY)
    client.force_login(other_leader)
    assert client.get(f"{edit_url(month)}?committee={ward.committee.pk}").status_code == 404
    assert client.post(copy_url(month), {"committee": ward.committee.pk}).status_code == 404


def test_an_impossible_month_gets_404(client, leader, ward):
    client.force_login(leader)
    assert client.get("/oversight/2026-13/edit/").status_code == 404


# --- A province committee: pages of 50 cells, each saved on its own, the candidates listed once


@pytest.fixture
def many_cells(ward):
    """53 more cells, so the committee's cells fill two pages (CB01, CB02, then X000…X052)."""
    return [make_cell(ward.committee, code=f"X{n:03}", name=f"Chi bộ Khu {n:03}") for n in range(53)]


@pytest.fixture
def typed(monkeypatch):
    """Candidates as many as a province's: names are typed and picked from one shared list."""
    monkeypatch.setattr(forms, "MAX_SELECT_CANDIDATES", 0)


def test_the_edit_page_shows_50_cells_a_page_in_a_fixed_number_of_queries(
    client, leader, overseer, ward, many_cells, month, django_assert_num_queries
):
    client.force_login(leader)
    # session, user, access (member, positions, this month's overseen cells, committee tree),
    # committees the user may edit, the number of cells, this page of cells, their assignments with
    # overseer, the candidates with their cell, the navbar's unread reminders
    with django_assert_num_queries(12):
        first = client.get(edit_url(month))
    assert len(first.context["form"].cells) == 50
    assert escape(vi("Page %(number)s of %(total)s", number=1, total=2)) in first.text
    second = client.get(f"{edit_url(month)}?committee={ward.committee.pk}&page=2")
    assert [c.code for c in second.context["form"].cells] == ["X048", "X049", "X050", "X051", "X052"]


def test_saving_a_page_changes_only_its_cells_and_comes_back_to_it(
    client, leader, overseer, inspector, ward, many_cells, month
):
    make_assignment(overseer.member, many_cells[-1], month)  # on page 2
    client.force_login(leader)
    url = f"{edit_url(month)}?committee={ward.committee.pk}&page=1"
    page = client.get(url)
    response = client.post(
        url, {"committee": ward.committee.pk, **page_of(page), f"cell_{ward.cell02.pk}": inspector.member.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == url
    assert overseers_of(month) == {"CB01": "Bùi Quốc Phụ", "CB02": "Vũ Thị Kiểm", "X052": "Bùi Quốc Phụ"}


def test_a_change_on_another_page_does_not_make_this_page_stale(
    client, leader, overseer, inspector, ward, many_cells, month
):
    client.force_login(leader)
    page = client.get(edit_url(month))
    make_assignment(inspector.member, many_cells[-1], month)  # another leader, on page 2
    response = client.post(
        edit_url(month),
        {"committee": ward.committee.pk, **page_of(page), f"cell_{ward.cell02.pk}": inspector.member.pk},
    )
    assert response.status_code == 302
    assert overseers_of(month)["CB02"] == "Vũ Thị Kiểm"


def test_the_edit_page_finds_cells_by_name_or_by_overseer(client, leader, overseer, ward, many_cells, month):
    client.force_login(leader)
    by_name = client.get(f"{edit_url(month)}?committee={ward.committee.pk}&q=khu 05")
    assert [c.code for c in by_name.context["form"].cells] == ["X050", "X051", "X052"]
    by_overseer = client.get(f"{edit_url(month)}?committee={ward.committee.pk}&q=quốc phụ")
    assert [c.code for c in by_overseer.context["form"].cells] == ["CB01"]


def test_many_candidates_are_typed_and_the_page_lists_only_its_own_overseers(
    client, leader, overseer, inspector, ward, many_cells, month, typed
):
    client.force_login(leader)
    page = client.get(edit_url(month))
    assert page.text.count("<datalist") == 1
    assert '<option value="Bùi Quốc Phụ">' in page.text  # cell01's overseer: a valid choice as it is
    assert "Vũ Thị Kiểm" not in page.text  # a candidate assigned nowhere on the page: found by the search
    assert page.text.count('list="overseer-candidates"') == 50
    assert "<select" not in page.text
    assert "js/oversight.js" in page.text
    assert page.context["form"][f"cell_{ward.cell01.pk}"].value() == "Bùi Quốc Phụ"
    response = client.post(
        edit_url(month),
        {
            "committee": ward.committee.pk,
            **page_of(page),
            f"cell_{ward.cell01.pk}": "Bùi Quốc Phụ",
            f"cell_{ward.cell02.pk}": "Vũ Thị Kiểm",  # typed in full, as without JavaScript
        },
    )
    assert response.status_code == 302
    assert overseers_of(month) == {"CB01": "Bùi Quốc Phụ", "CB02": "Vũ Thị Kiểm"}


def make_candidates(cell, count: int, *, name: str = "Đặng Văn Ứng") -> None:
    for n in range(count):
        make_position(make_member(cell, full_name=f"{name} {n:03}"), Role.COMMITTEE_MEMBER)


def test_the_edit_page_does_not_grow_with_the_committees_candidates(client, leader, overseer, ward, month):
    make_candidates(ward.cell02, 60)  # more than a <select> holds: names are typed
    client.force_login(leader)
    sixty = client.get(edit_url(month))
    make_candidates(ward.cell02, 240, name="Hồ Thị Ước")
    three_hundred = client.get(edit_url(month))
    assert sixty.context["form"].typed
    for page in sixty, three_hundred:
        datalist = page.text[page.text.index("<datalist") : page.text.index("</datalist>")]
        assert datalist.count("<option") == 1  # cell01's overseer, whatever the number of candidates
    assert abs(len(three_hundred.content) - len(sixty.content)) < 50  # tokens aside, the same page


def candidates_url(committee, q: str) -> str:
    return f"/oversight/candidates/?committee={committee.pk}&q={q}"


def test_the_search_answers_the_candidates_matching_every_word_typed(client, leader, overseer, ward):
    client.force_login(leader)
    response = client.get(candidates_url(ward.committee, "quốc"))
    assert response.status_code == 200
    assert response.json() == {"labels": ["Bùi Quốc Phụ"]}
    assert client.get(candidates_url(ward.committee, "BÙI phụ")).json() == {"labels": ["Bùi Quốc Phụ"]}
    assert client.get(candidates_url(ward.committee, "Chính")).json() == {
        "labels": []
    }  # not on the committee
    assert client.get(candidates_url(ward.committee, "")).json() == {"labels": []}


def test_the_search_answers_at_most_20_names_in_order(client, leader, ward):
    make_candidates(ward.cell02, 60)
    client.force_login(leader)
    labels = client.get(candidates_url(ward.committee, "ứng")).json()["labels"]
    assert labels == [f"Đặng Văn Ứng {n:03}" for n in range(20)]
    assert client.get(candidates_url(ward.committee, "ứng 059")).json() == {"labels": ["Đặng Văn Ứng 059"]}


def test_candidates_with_the_same_name_are_told_apart_by_their_cell(client, leader, ward, month, typed):
    namesake = make_person(ward.cell01, Role.COMMITTEE_MEMBER, username="lanh2", full_name="Nguyễn Văn Lãnh")
    client.force_login(leader)
    found = client.get(candidates_url(ward.committee, "văn lãnh")).json()["labels"]
    assert found == ["Nguyễn Văn Lãnh — Chi bộ Trường Tiểu học", "Nguyễn Văn Lãnh — Chi bộ Tổ dân phố 1"]
    # the cell narrows the search, and the label stays the one the form reads back
    narrowed = client.get(candidates_url(ward.committee, "Lãnh — Tổ dân phố")).json()["labels"]
    assert narrowed == ["Nguyễn Văn Lãnh — Chi bộ Tổ dân phố 1"]
    page = client.get(edit_url(month))
    client.post(
        edit_url(month),
        {"committee": ward.committee.pk, **page_of(page), f"cell_{ward.cell02.pk}": narrowed[0]},
    )
    assert OversightAssignment.objects.get(cell=ward.cell02).overseer == namesake.member


def test_namesakes_in_one_cell_are_numbered_as_the_form_numbers_them(client, leader, ward, month, typed):
    first, second = (make_member(ward.cell01, full_name="Lò Văn Tám") for _ in range(2))
    for m in (first, second):
        make_position(m, Role.COMMITTEE_MEMBER)
    client.force_login(leader)
    found = client.get(candidates_url(ward.committee, "tám")).json()["labels"]
    assert found == ["Lò Văn Tám — Chi bộ Tổ dân phố 1", f"Lò Văn Tám — Chi bộ Tổ dân phố 1 (#{second.pk})"]
    form_labels = services.candidate_labels(services.overseer_candidates(ward.committee))
    assert found == [label for label in form_labels if "Tám" in label]


@pytest.mark.parametrize("role", ["secretary", "overseer", "inspector", "member"])
def test_only_who_may_assign_gets_an_answer_from_the_search(client, role, request, ward):
    client.force_login(request.getfixturevalue(role))
    assert client.get(candidates_url(ward.committee, "quốc")).status_code == 403


def test_a_leader_of_another_ward_gets_404_from_our_search(client, ward, overseer):
    other_leader = make_person(make_cell(make_committee()), Role.SECRETARY)
    client.force_login(other_leader)
    assert client.get(candidates_url(ward.committee, "quốc")).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "q=" + "ứng " * 500,
        "q=%25",
        "q=_",
        "q=%27%3B--",
        "q=%E2%80%94",
        "q=%F0%9F%98%80",
        "committee=abc&q=a",
        "committee=99999999999999999999&q=a",
        "committee=-1&q=a",
        "q=a&q=b",
    ],
)
def test_hostile_search_input_never_fails(client, leader, ward, query):
    make_candidates(ward.cell02, 3)
    client.force_login(leader)
    response = client.get(f"/oversight/candidates/?{query}")
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert len(response.json()["labels"]) <= 20


def test_a_typed_name_outside_the_committee_is_refused_and_nothing_saved(
    client, leader, overseer, inspector, ward, many_cells, month, typed
):
    client.force_login(leader)
    page = client.get(edit_url(month))
    response = client.post(
        edit_url(month),
        {
            "committee": ward.committee.pk,
            **page_of(page),
            f"cell_{ward.cell01.pk}": "",
            f"cell_{ward.cell02.pk}": "Nguyễn Văn Chính",  # an ordinary member
        },
    )
    assert response.status_code == 200
    assert (
        escape(
            vi(
                "“%(value)s” is not a member of the committee: choose a name from the list.",
                value="Nguyễn Văn Chính",
            )
        )
        in response.text
    )
    assert escape(vi("Nothing was saved: please correct the cells marked below.")) in response.text
    assert overseers_of(month) == {"CB01": "Bùi Quốc Phụ"}  # the cleared cell01 was not saved either


def test_an_overseer_who_left_the_committee_stays_until_the_leader_changes_the_cell(
    client, leader, inspector, ward, month
):
    former = make_member(ward.cell02, full_name="Đỗ Văn Cũ")  # no committee role (any more)
    make_assignment(former, ward.cell01, month)
    client.force_login(leader)
    page = client.get(edit_url(month))
    response = client.post(
        edit_url(month),
        {
            "committee": ward.committee.pk,
            **page_of(page),
            f"cell_{ward.cell01.pk}": str(former.pk),
            f"cell_{ward.cell02.pk}": inspector.member.pk,
        },
    )
    assert response.status_code == 302
    assert overseers_of(month) == {"CB01": "Đỗ Văn Cũ", "CB02": "Vũ Thị Kiểm"}


def test_a_save_checks_its_token_under_the_committee_lock_and_changes_nothing_when_stale(
    leader, overseer, inspector, ward, month
):
    before = services.oversight_token({ward.cell01.pk: overseer.member.pk})
    services.assign_oversight(
        ward.committee, month=month, overseers={ward.cell01.pk: inspector.member}, by=leader
    )
    with pytest.raises(OutOfDate):
        services.assign_oversight(
            ward.committee,
            month=month,
            overseers={ward.cell01.pk: None, ward.cell02.pk: overseer.member},
            by=leader,
            token=before,
        )
    assert overseers_of(month) == {"CB01": "Vũ Thị Kiểm"}
