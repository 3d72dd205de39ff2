"""Who sees the register, and who sees who denounced: on the item's page, in the list, in a search and in
the export, for every role of the cast (issue 15, "Who may see it")."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils.html import escape
from openpyxl import load_workbook

from cells.models import Role
from reviews.models import FeedbackItem, FeedbackView
from reviews.services import feedback as services
from tests.conftest import vi
from tests.factories import make_feedback, make_person

pytestmark = pytest.mark.django_db
DENOUNCER = "Trần Văn Tố"
ADDRESS = "Số 5 ngõ 12"
SECRET = vi("The denouncer's identity is kept secret")


@pytest.fixture
def chair(cell02):
    """Chair of the ward's inspection committee (chủ nhiệm UBKT)."""
    return make_person(cell02, Role.INSPECTION_CHAIR, username="cnubkt", full_name="Đỗ Văn Chủ")


@pytest.fixture
def cast(secretary, other_secretary, overseer, inspector, chair, leader, member, stranger, staff):
    return {
        "secretary": secretary,
        "other_secretary": other_secretary,
        "overseer": overseer,
        "inspector": inspector,  # a UBKT member, the assigned handler
        "chair": chair,
        "leader": leader,  # Bí thư of the ward: the committee's head
        "member": member,
        "stranger": stranger,
        "staff": staff,
    }


def _denunciation(ward, handler, **overrides):
    """A denunciation by letter about an ordinary member of cell01, handled by UBKT."""
    return make_feedback(
        ward.committee,
        concerned_member=ward.members01[0],
        sender_name=DENOUNCER,
        sender_address=ADDRESS,
        status=overrides.pop("status", FeedbackItem.Status.ACCEPTED),
        jurisdiction="ubkt",
        handler=handler,
        **overrides,
    )


# role → (sees the item, sees who denounced), before the conclusion and after
BEFORE = {
    "staff": (True, False),
    "leader": (True, True),
    "chair": (True, True),
    "inspector": (True, True),
    "secretary": (False, False),
    "other_secretary": (False, False),
    "overseer": (False, False),
    "member": (False, False),
    "stranger": (False, False),
}
AFTER = {**BEFORE, "secretary": (True, False)}


def _check_page(client, user, item, sees, sees_sender):
    client.force_login(user)
    response = client.get(f"/feedback/{item.pk}/")
    if not sees:
        assert response.status_code == 404
        return
    page = response.content.decode()
    assert response.status_code == 200
    assert (escape(DENOUNCER) in page, escape(ADDRESS) in page) == (sees_sender, sees_sender)
    assert (escape(SECRET) in page) == (not sees_sender)


@pytest.mark.parametrize("role", list(BEFORE))
def test_each_role_sees_the_item_and_the_denouncer_exactly_as_the_rule_says(client, ward, cast, role):
    item = _denunciation(ward, cast["inspector"])
    _check_page(client, cast[role], item, *BEFORE[role])
    FeedbackItem.objects.filter(pk=item.pk).update(
        status="concluded", conclusion="Có vi phạm", concluded_on=dt.date.today(), finds_fault=True
    )
    _check_page(client, cast[role], item, *AFTER[role])


@pytest.mark.parametrize("role", ["staff", "leader", "chair", "inspector", "secretary"])
def test_the_list_shows_the_denouncer_only_to_those_who_may_read_it(client, ward, cast, role):
    _denunciation(
        ward, cast["inspector"], status="concluded", conclusion="Có vi phạm", concluded_on=dt.date.today()
    )
    client.force_login(cast[role])
    page = client.get("/feedback/").content.decode()
    assert "#" in page and escape(vi("Denunciation")) in page
    sees_sender = AFTER[role][1]
    assert (escape(DENOUNCER) in page) == sees_sender
    assert (escape(SECRET) in page) == (not sees_sender)


@pytest.mark.parametrize("role", ["staff", "leader", "chair", "inspector", "secretary"])
def test_a_search_by_the_denouncers_name_finds_the_item_only_for_those_who_may_read_it(
    client, ward, cast, role
):
    item = _denunciation(
        ward, cast["inspector"], status="concluded", conclusion="Có vi phạm", concluded_on=dt.date.today()
    )
    client.force_login(cast[role])
    by_name = client.get("/feedback/", {"q": "Văn Tố"}).content.decode()
    by_content = client.get("/feedback/", {"q": "xe công"}).content.decode()
    found = f'href="/feedback/{item.pk}/"'
    assert (found in by_name) == AFTER[role][1]  # a search must not tell who denounced
    assert found in by_content


@pytest.mark.parametrize("role", ["staff", "leader", "chair", "inspector"])
def test_the_export_shows_the_denouncer_only_to_those_who_may_read_it(client, ward, cast, role):
    _denunciation(ward, cast["inspector"])
    client.force_login(cast[role])
    response = client.get("/feedback/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = {str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None}
    assert (DENOUNCER in cells) == BEFORE[role][1]
    assert (str(SECRET) in cells) == (not BEFORE[role][1])


@pytest.mark.parametrize("role", ["secretary", "other_secretary", "overseer", "member", "stranger"])
def test_who_does_not_see_the_register_cannot_export_it(client, cast, role):
    client.force_login(cast[role])
    assert client.get("/feedback/export.xlsx").status_code == 404


def test_a_member_never_sees_an_item_about_themself_before_its_conclusion(client, ward, secretary, inspector):
    # the cell's own secretary is denounced, in an item given to the cell: out of their sight until concluded
    item = make_feedback(
        ward.committee,
        concerned_member=secretary.member,
        status="accepted",
        jurisdiction="cell",
        handler=inspector,
    )
    other = make_feedback(
        ward.committee, concerned_member=ward.members01[0], status="accepted", jurisdiction="cell"
    )
    client.force_login(secretary)
    assert client.get(f"/feedback/{item.pk}/").status_code == 404
    listed = client.get("/feedback/").content.decode()
    assert f"/feedback/{item.pk}/" not in listed and f"/feedback/{other.pk}/" in listed
    FeedbackItem.objects.filter(pk=item.pk).update(
        status="concluded", conclusion="Không đúng", concluded_on=dt.date.today()
    )
    assert client.get(f"/feedback/{item.pk}/").status_code == 200


def test_the_handler_reads_the_denouncer_even_as_an_ordinary_member(client, ward, member):
    item = make_feedback(
        ward.committee, concerned_member=ward.members01[0], status="accepted", handler=member
    )
    client.force_login(member)
    page = client.get(f"/feedback/{item.pk}/").content.decode()
    assert escape(DENOUNCER) in page


def test_every_view_of_an_item_is_logged_with_who_and_how(client, ward, leader, staff, inspector):
    item = _denunciation(ward, inspector)
    client.force_login(staff)
    client.get(f"/feedback/{item.pk}/")
    client.get("/feedback/")
    client.get("/feedback/export.xlsx")
    assert list(FeedbackView.objects.filter(item=item).order_by("pk").values_list("user_id", "how")) == [
        (staff.pk, "page"),
        (staff.pk, "list"),
        (staff.pk, "export"),
    ]
    client.force_login(leader)  # the head reads who opened it
    page = client.get(f"/feedback/{item.pk}/").content.decode()
    assert escape(vi("Who opened this item")) in page
    assert "vanphong" in page


def test_other_kinds_show_the_sender_to_whoever_sees_the_item(ward, staff):
    item = make_feedback(ward.committee, kind="proposal", concerned_member=ward.members01[0])
    assert services.sender_for(staff, item).name == DENOUNCER
