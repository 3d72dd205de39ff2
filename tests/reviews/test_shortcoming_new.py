"""Recording a shortcoming at any scale: the cell first (a list up to 100 cells, a search beyond), then the
form with that one cell's members and meetings; every posted id still checked on the server."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from cells.models import Role
from reviews.forms.shortcomings import CELL_CHOICES_UP_TO
from reviews.models import Shortcoming
from tests.conftest import once, vi
from tests.factories import make_cell, make_committee, make_meeting, make_member, make_person, make_review

PAGE_BYTES = 40_000  # a chosen cell's form at any scale; the whole province's once weighed 19.5 MB


def _committee(n):
    """A committee of n cells of three members each, every cell with a meeting; its inspector."""
    committee = make_committee()
    cells = [make_cell(committee, name=f"Chi bộ Thôn {i:03d}", code=f"TH{i:03d}") for i in range(n)]
    for cell in cells:
        for _ in range(3):
            make_member(cell)
    meetings = [make_meeting(cell, topic=f"Sinh hoạt {cell.code}") for cell in cells]
    inspector = make_person(cells[-1], Role.INSPECTION_MEMBER, full_name="Vũ Thị Kiểm")
    return cells, meetings, inspector


def _new(cell, **overrides):
    person = cell.members.order_by("pk").first()
    data = {
        "cell": cell.pk,
        "source": "inspection",
        "subject_member": person.pk,
        "description": "Vắng họp không lý do",
        "plan": "Dự họp đầy đủ",
        "owner": person.pk,
        "raised_on": "2026-03-01",
        "due_on": "2026-06-30",
    }
    data.update(overrides)
    return once(data)


@pytest.mark.parametrize("n", [2, CELL_CHOICES_UP_TO + 20])
def test_the_chosen_cells_form_reads_the_same_queries_and_lists_that_cell_only(
    client, db, n, django_assert_num_queries
):
    cells, meetings, inspector = _committee(n)
    chosen, other = cells[0], cells[1]
    client.force_login(inspector)
    # session, user, access (member, positions, assignments, committee tree), any cell to record in?, the
    # chosen cell, its members, its meetings, another cell ("choose another cell" link?), the list of
    # manifestations (fixed), the menu's inbox count
    with django_assert_num_queries(13):
        response = client.get(f"/shortcomings/new/?cell={chosen.pk}")
    page = response.content.decode()
    assert response.status_code == 200 and len(response.content) < PAGE_BYTES
    assert f'name="cell" value="{chosen.pk}"' in page and chosen.name in page
    for person in chosen.members.all():
        assert page.count(person.full_name) == 2  # member concerned, responsible for the fix
    offered = page.split('name="meeting"')[1].split("</select>")[0]
    assert offered.count("<option") == 2 and f'value="{meetings[0].pk}"' in offered  # "none" and its one
    assert other.members.first().full_name not in page
    assert 'href="?cell="' in page  # back to the choice of cell


@pytest.mark.parametrize("n", [2, CELL_CHOICES_UP_TO + 20])
def test_the_first_step_lists_up_to_100_cells_and_searches_beyond(client, db, n, django_assert_num_queries):
    cells, _meetings, inspector = _committee(n)
    client.force_login(inspector)
    # session, user, access (member, positions, assignments, committee tree), any cell to record in?, the
    # cells to list (one more than the list holds), the menu's member and inbox count
    with django_assert_num_queries(9):
        response = client.get("/shortcomings/new/")
    page = response.content.decode()
    assert response.status_code == 200 and len(response.content) < PAGE_BYTES
    assert 'name="subject_member"' not in page and '<form method="post" novalidate>' not in page
    if n <= CELL_CHOICES_UP_TO:
        assert page.count('<option value="') == n + 1 and 'name="cell_search"' not in page
    else:
        assert 'name="cell_search"' in page and f'value="{cells[5].pk}"' not in page


def test_a_search_lists_the_matching_cells_as_links_and_a_code_in_full_opens_its_form(client, db):
    cells, _meetings, inspector = _committee(CELL_CHOICES_UP_TO + 20)
    client.force_login(inspector)
    found = client.get("/shortcomings/new/", {"cell": "", "cell_search": "thôn 11"}).content.decode()
    links = [f'href="?cell={c.pk}"' for c in cells if "Thôn 11" in c.name]
    assert len(links) == 10 and all(link in found for link in links)
    assert 'name="subject_member"' not in found
    many = client.get("/shortcomings/new/", {"cell": "", "cell_search": "thôn"}).content.decode()
    assert many.count('href="?cell=') == 20
    assert 'data-testid="more-cells"' in many and 'data-testid="more-cells"' not in found
    none = client.get("/shortcomings/new/", {"cell": "", "cell_search": "không có"})
    assert escape(vi("No cell you may record in matches “%(searched)s”.", searched="không có")) in none.text
    code = client.get("/shortcomings/new/", {"cell": "", "cell_search": "th007"})
    assert code.context["cell"] == cells[7] and 'name="subject_member"' in code.text


def test_without_javascript_the_inspector_chooses_the_cell_then_records(client, db):
    cells, meetings, inspector = _committee(3)
    client.force_login(inspector)
    first = client.get("/shortcomings/new/")
    assert first.context["choice"] is not None and f'<option value="{cells[1].pk}">' in first.text
    second = client.get("/shortcomings/new/", {"cell": cells[1].pk})  # the list's form, sent by GET
    assert second.context["cell"] == cells[1]
    saved = client.post("/shortcomings/new/", _new(cells[1], meeting=meetings[1].pk))
    item = Shortcoming.objects.get()
    assert saved["Location"] == f"/shortcomings/{item.pk}/" and item.cell == cells[1]
    assert item.meeting == meetings[1]


def test_a_secretary_of_one_cell_goes_straight_to_the_form(client, ward, secretary):
    client.force_login(secretary)
    response = client.get("/shortcomings/new/")
    assert response.context["cell"] == ward.cell01 and 'href="?cell="' not in response.text


def test_a_meeting_or_a_review_in_the_link_chooses_its_cell(client, ward, inspector):
    meeting, review = make_meeting(ward.cell02), make_review(ward.cell01, ward.members01[1])
    client.force_login(inspector)
    from_meeting = client.get(f"/shortcomings/new/?meeting={meeting.pk}")
    assert from_meeting.context["cell"] == ward.cell02
    assert f'<option value="{meeting.pk}" selected>' in from_meeting.text
    from_review = client.get(f"/shortcomings/new/?review={review.pk}")
    form = from_review.context["form"]
    assert from_review.context["cell"] == ward.cell01
    assert form["subject_member"].value() == ward.members01[1].pk and form["source"].value() == "review"
    # "choose another cell" keeps the review and shows the choice, not the review's cell again
    again = client.get(f"/shortcomings/new/?review={review.pk}&cell=")
    assert again.context["choice"] is not None and f'name="review" value="{review.pk}"' in again.text


def test_a_cell_outside_the_users_is_refused_in_vietnamese_and_nothing_saved(client, ward, inspector):
    elsewhere = make_cell(make_committee())
    make_member(elsewhere)
    client.force_login(inspector)
    shown = client.get(f"/shortcomings/new/?cell={elsewhere.pk}")
    assert shown.status_code == 200 and shown.context["choice"] is not None
    assert escape(vi("You may not record shortcomings in this cell. Choose one of yours.")) in shown.text
    posted = client.post("/shortcomings/new/", _new(elsewhere))
    assert posted.status_code == 200 and not Shortcoming.objects.exists()
    assert escape(vi("You may not record shortcomings in this cell.")) in posted.text


def test_a_member_or_meeting_of_another_cell_is_refused_in_vietnamese(client, ward, inspector):
    other_meeting = make_meeting(ward.cell02)
    stranger = make_member(make_cell(make_committee()))
    client.force_login(inspector)
    theirs = client.post("/shortcomings/new/", _new(ward.cell01, owner=ward.members02[0].pk))
    assert escape(vi("This person is not a member of %(cell)s.", cell=ward.cell01.name)) in theirs.text
    outside = client.post("/shortcomings/new/", _new(ward.cell01, subject_member=stranger.pk))
    assert escape(vi("Choose one of the members of the cell listed here.")) in outside.text
    meeting = client.post("/shortcomings/new/", _new(ward.cell01, meeting=other_meeting.pk))
    assert escape(vi("This meeting is not one of %(cell)s.", cell=ward.cell01.name)) in meeting.text
    assert not Shortcoming.objects.exists()


@pytest.mark.parametrize("value", ["abc", "-1", "9" * 19, "9" * 5000, "1e3"])
def test_a_tampered_id_is_a_message_never_a_500(client, ward, inspector, value):
    client.force_login(inspector)
    assert client.get("/shortcomings/new/", {"cell": value}).status_code == 200
    for field in ("cell", "subject_member", "owner", "meeting"):
        response = client.post("/shortcomings/new/", {**_new(ward.cell01), field: value})
        assert response.status_code == 200 and field in response.context["form"].errors
    assert not Shortcoming.objects.exists()


@pytest.mark.parametrize("n", [2, CELL_CHOICES_UP_TO + 20])
def test_the_search_as_you_type_answers_at_most_20_of_the_users_cells(
    client, db, n, django_assert_num_queries
):
    cells, _meetings, inspector = _committee(n)
    make_cell(make_committee(), name="Chi bộ Thôn 999 nơi khác")
    client.force_login(inspector)
    # session, user, access (member, positions, assignments, committee tree), any cell to record in?, a code
    # typed in full?, the matches
    with django_assert_num_queries(9):
        answer = client.get("/shortcomings/new/cells/", {"q": "thôn"}).json()["cells"]
    assert len(answer) == min(n, 20) and answer[0] == {
        "label": "Chi bộ Thôn 000 (TH000)",
        "url": f"?cell={cells[0].pk}",
    }
    assert all("nơi khác" not in cell["label"] for cell in answer)
    assert client.get("/shortcomings/new/cells/", {"q": "th001"}).json()["cells"] == [
        {"label": "Chi bộ Thôn 001 (TH001)", "url": f"?cell={cells[1].pk}"}
    ]
    assert client.get("/shortcomings/new/cells/", {"q": "  "}).json()["cells"] == []


def test_the_search_page_asks_the_server_as_a_name_is_typed(client, db):
    _cells, _meetings, inspector = _committee(CELL_CHOICES_UP_TO + 1)
    review = make_review(_cells[0], _cells[0].members.first())
    client.force_login(inspector)
    page = client.get(f"/shortcomings/new/?review={review.pk}&cell=").text
    assert 'data-cell-suggestions="/shortcomings/new/cells/"' in page and "js/cell_search.js" in page
    assert f'data-keep="&amp;review={review.pk}"' in page
