"""Separation of duties (docs/security.md): nobody verifies, decides or grants what is their own; the page
hides the step and names who may take it instead, and the service refuses it whatever the caller checked."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils.html import escape

from cells.models import Role
from phuthang import access
from reviews.models import DueDateExtension, RemediationUpdate, Review, Shortcoming
from reviews.permissions import duties
from reviews.services import reviews as review_services
from reviews.services import shortcomings as services
from tests.conftest import vi
from tests.factories import make_person, make_position, make_review, make_shortcoming

OWN_ITEM = (
    "You cannot verify this shortcoming: it concerns you, you are responsible for the fix, or you report "
    "for its owner as the cell's secretary. Another member of the inspection committee verifies it."
)
OWN_REVIEW = "You cannot decide the rating of your own review. Another leader of the committee decides it."
OWN_CELL = (
    "You cannot decide the rating of the collective review of a cell you are secretary of. "
    "Another leader of the committee decides it."
)
OWN_REQUEST = "You cannot answer a request for a later due date that you made yourself."


@pytest.fixture
def chair(cell02):
    """The UBKT chair, who may verify what is not their own."""
    return make_person(cell02, Role.INSPECTION_CHAIR, username="ubkt", full_name="Trần Văn Soát")


@pytest.fixture
def deputy(cell02):
    return make_person(cell02, Role.DEPUTY_SECRETARY, username="phobithu", full_name="Đỗ Thị Phó")


# --- Verifying a shortcoming


@pytest.mark.parametrize("whose", ["subject", "owner"])
def test_the_inspector_cannot_verify_a_shortcoming_that_is_their_own(ward, inspector, chair, whose):
    mine = inspector.member
    item = make_shortcoming(
        ward.cell02,
        status="reported_fixed",
        **({"subject_member": mine} if whose == "subject" else {"owner": mine}),
    )
    before = RemediationUpdate.objects.filter(shortcoming=item).count()

    with pytest.raises(ValidationError) as refused:
        services.change_status(item, action="verify", by=inspector, note="", version=1)

    assert refused.value.messages == [vi(OWN_ITEM)]
    item.refresh_from_db()
    assert item.status == "reported_fixed" and item.verified_by is None and item.version == 1
    assert RemediationUpdate.objects.filter(shortcoming=item).count() == before


def test_a_cell_secretary_in_the_inspection_committee_cannot_verify_their_cells_item(ward, secretary, chair):
    make_position(secretary.member, Role.INSPECTION_MEMBER, committee=ward.committee)
    user = get_user_model().objects.get(pk=secretary.pk)
    item = make_shortcoming(ward.cell01, status="reported_fixed")

    with pytest.raises(ValidationError):
        services.change_status(item, action="verify", by=user, note="", version=1)

    services.change_status(item, action="verify", by=chair, note="Đã kiểm tra.", version=1)  # the chair may
    item.refresh_from_db()
    assert item.status == "verified" and item.verified_by == chair


def test_the_page_hides_verify_from_the_owner_and_names_who_may(client, ward, inspector, chair):
    item = make_shortcoming(ward.cell02, status="reported_fixed", owner=inspector.member)
    client.force_login(inspector)

    page = client.get(f"/shortcomings/{item.pk}/").content.decode()
    posted = client.post(
        f"/shortcomings/{item.pk}/status/", {"action": "verify", "version": 1, "confirmed": 1}
    )

    assert escape(vi(OWN_ITEM)) in page and "Trần Văn Soát" in page
    assert 'value="verify"' not in page
    assert posted.status_code == 403 and escape(vi(OWN_ITEM)) in posted.content.decode()
    assert Shortcoming.objects.get(pk=item.pk).status == "reported_fixed"
    client.force_login(chair)
    assert 'value="verify"' in client.get(f"/shortcomings/{item.pk}/").content.decode()


def test_the_board_offers_no_verify_button_on_ones_own_item(client, ward, inspector, chair):
    make_shortcoming(ward.cell02, status="reported_fixed", owner=inspector.member)
    client.force_login(inspector)

    page = client.get("/shortcomings/").content.decode()

    assert 'value="verify"' not in page and 'data-testid="not-yours"' in page


# --- Deciding a review


def test_a_leader_cannot_decide_their_own_review(client, ward, leader, deputy):
    review = make_review(member=leader.member, status="proposed", proposed_rating="good")

    with pytest.raises(ValidationError) as refused:
        review_services.decide(review, by=leader, rating="good", version=1)

    assert refused.value.messages == [vi(OWN_REVIEW)]
    review.refresh_from_db()
    assert review.status == "proposed" and review.decided_by is None
    client.force_login(leader)
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert escape(vi(OWN_REVIEW)) in page and "Đỗ Thị Phó" in page
    assert f"/reviews/{review.pk}/decide/" not in page
    assert client.post(f"/reviews/{review.pk}/decide/", {"version": 1, "rating": "good"}).status_code == 403
    review_services.decide(review, by=deputy, rating="good", version=1)  # another leader may
    assert Review.objects.get(pk=review.pk).decided_by == deputy


def test_a_leader_cannot_decide_the_collective_review_of_a_cell_they_are_secretary_of(ward, leader, deputy):
    make_position(leader.member, Role.CELL_SECRETARY, cell=ward.cell02)
    user = get_user_model().objects.get(pk=leader.pk)
    review = make_review(ward.cell02, status="proposed", proposed_rating="good")

    with pytest.raises(ValidationError) as refused:
        review_services.decide(review, by=user, rating="good", version=1)

    assert refused.value.messages == [vi(OWN_CELL)]
    assert duties.deciders(user, review) == ["Đỗ Thị Phó"]
    other = make_review(member=ward.members02[0], status="proposed", proposed_rating="good")
    review_services.decide(
        other, by=user, rating="good", version=1
    )  # a member's review of that cell: allowed


# --- Answering a request for a later due date


def test_nobody_answers_a_request_for_a_later_due_date_they_made(client, ward, inspector, chair):
    item = make_shortcoming(ward.cell01)
    extension = DueDateExtension.objects.create(
        shortcoming=item,
        previous_due_on=item.due_on,
        new_due_on=item.due_on + dt.timedelta(days=30),
        reason="Ốm",
        requested_by=inspector,
    )

    with pytest.raises(ValidationError) as refused:
        services.decide_extension(extension, by=inspector, approve=True, note="")

    assert refused.value.messages == [vi(OWN_REQUEST)]
    extension.refresh_from_db()
    assert extension.status == "pending"
    client.force_login(inspector)
    page = client.get(f"/shortcomings/{item.pk}/").content.decode()
    assert escape(vi(OWN_REQUEST)) in page and "Trần Văn Soát" in page
    assert f"/extensions/{extension.pk}/decide/" not in page
    posted = client.post(f"/extensions/{extension.pk}/decide/", {"decision": "approve"})
    assert posted.status_code == 403
    assert DueDateExtension.objects.get(pk=extension.pk).status == "pending"


def test_the_owner_in_the_inspection_committee_cannot_answer_their_items_request(ward, inspector, chair):
    item = make_shortcoming(ward.cell02, owner=inspector.member)
    extension = services.request_extension(
        item, by=inspector, new_due_on=item.due_on + dt.timedelta(days=30), reason="Ốm"
    )

    with pytest.raises(ValidationError):
        services.decide_extension(extension, by=inspector, approve=True, note="")
    services.decide_extension(extension, by=chair, approve=True, note="")
    assert DueDateExtension.objects.get(pk=extension.pk).status == "approved"


# --- The demo ward keeps the rule


def test_the_demo_ward_has_nobody_verifying_deciding_or_granting_their_own(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    users = {}

    def user(pk):
        if pk not in users:
            users[pk] = get_user_model().objects.get(pk=pk)
        return users[pk]

    decided = Review.objects.filter(decided_by__isnull=False)
    verified = Shortcoming.objects.filter(verified_by__isnull=False)
    answered = DueDateExtension.objects.filter(decided_by__isnull=False).select_related("shortcoming")
    assert decided.exists() and verified.exists() and answered.exists()
    own_reviews = [r.pk for r in decided if duties.owns_review(user(r.decided_by_id), r)]
    own_items = [s.pk for s in verified if duties.owns_shortcoming(user(s.verified_by_id), s)]
    own_answers = [
        e.pk
        for e in answered
        if duties.extension_refusal(user(e.decided_by_id), e.shortcoming, e) is not None
    ]
    verifications = RemediationUpdate.objects.filter(kind="status", to_status="verified").select_related(
        "shortcoming"
    )
    own_updates = [u.pk for u in verifications if duties.owns_shortcoming(user(u.by_id), u.shortcoming)]
    assert (own_reviews, own_items, own_answers, own_updates) == ([], [], [], [])
    for u in users.values():
        access.forget(u)
