"""The record (docs/security.md): every tracked row leaves an event with who, deletes included; the admin
does not edit past the workflow; nobody who acted can be deleted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pghistory.models import MiddlewareEvents

from cells.models import Member, Position, Role
from phuthang.history import tracked  # noqa: F401  (the decorator every tracked model uses)
from reviews.models import (
    CellMonth,
    DueDateExtension,
    Manifestation,
    Meeting,
    RemediationUpdate,
    Review,
    ReviewRound,
    Rule,
    Shortcoming,
)
from reviews.services import reviews as review_services
from reviews.services import shortcomings as services
from tests.factories import make_meeting, make_member, make_review, make_shortcoming, make_user

TRACKED = [
    "cells.Committee",
    "cells.Cell",
    "cells.Member",
    "cells.Position",
    "cells.OversightAssignment",
    "reviews.Meeting",
    "reviews.Attendance",
    "reviews.MeetingTask",
    "reviews.MeetingAssessment",
    "reviews.Manifestation",
    "reviews.ReviewRound",
    "reviews.Review",
    "reviews.ReviewFinding",
    "reviews.Rule",
    "reviews.Shortcoming",
    "reviews.RemediationUpdate",
    "reviews.DueDateExtension",
]


def _who(obj: Any, label: str) -> list[Any]:
    return [
        (e.pgh_context or {}).get("user")
        for e in MiddlewareEvents.objects.tracks(obj).order_by("pgh_id")
        if e.pgh_label == label
    ]


@pytest.mark.parametrize("label", TRACKED)
def test_every_tracked_model_records_inserts_updates_and_deletes(label, db):
    model = apps.get_model(label)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [model._meta.db_table],
        )
        names = {row[0] for row in cursor.fetchall()}
    for kind in ("insert_insert", "update_update", "delete_delete"):
        assert any(name.startswith(f"pgtrigger_{kind}_") for name in names), (label, kind)


def test_starting_and_closing_a_round_is_recorded_with_who(ward, leader):
    review_round = review_services.start_round(
        ward.committee, title="Kiểm điểm 2026", period_kind="year", year=2026, quarter=None, by=leader
    )
    Review.objects.filter(round=review_round).update(status="withdrawn")
    review_services.close_round(review_round, by=leader)

    assert _who(review_round, "insert") == [leader.pk]
    assert _who(review_round, "update") == [leader.pk]


def test_the_remediation_timeline_is_recorded_with_who(ward, secretary):
    owner = ward.members01[0]
    item = services.record_shortcoming(
        ward.cell01,
        by=secretary,
        source="meeting",
        subject_member=owner,
        description="Chưa đóng đảng phí đúng hạn.",
        manifestation=None,
        plan="Đóng đủ trong tháng.",
        owner=owner,
        raised_on=dt.date.today(),
        due_on=dt.date.today() + dt.timedelta(days=30),
    )
    services.report_progress(item, by=secretary, text="Đã đóng một phần.", version=1)
    services.request_extension(
        item, by=secretary, new_due_on=item.due_on + dt.timedelta(days=30), reason="Ốm"
    )

    for update in RemediationUpdate.objects.filter(shortcoming=item):
        assert _who(update, "insert") == [secretary.pk]
    assert _who(DueDateExtension.objects.get(shortcoming=item), "insert") == [secretary.pk]


def test_a_rule_change_in_the_admin_is_recorded_with_before_after_and_who(client, ward):
    office = make_user("vanphong", is_staff=True, is_superuser=True)
    client.force_login(office)
    rule = Rule.objects.get(key="rating_levels.excellent_cap_share")
    before = rule.value
    url = reverse("admin:reviews_rule_change", args=[rule.pk])

    client.post(url, {"key": rule.key, "value": "0.9", "note": rule.note})

    event = MiddlewareEvents.objects.tracks(rule).filter(pgh_label="update").get()
    assert event.pgh_diff["value"] == [before, 0.9]
    assert event.pgh_context["user"] == office.pk
    history = client.get(reverse("admin:reviews_rule_history", args=[rule.pk])).content.decode()
    assert f"{before} → 0.9" in history and "vanphong" in history


def test_confirming_a_manifestations_wording_is_recorded(client, ward):
    office = make_user("vanphong", is_staff=True, is_superuser=True)
    client.force_login(office)
    manifestation = Manifestation.objects.filter(verified=False).first()

    client.post(
        reverse("admin:reviews_manifestation_changelist"),
        {"action": "confirm_wording", "_selected_action": [manifestation.pk]},
    )

    assert _who(manifestation, "update") == [office.pk]


def test_the_round_page_shows_who_changed_the_cap(client, ward, leader):
    review_round = review_services.start_round(
        ward.committee, title="Kiểm điểm 2026", period_kind="year", year=2026, quarter=None, by=leader
    )
    Rule.objects.filter(key="rating_levels.excellent_cap_share").update(value=0.9)
    client.force_login(leader)

    page = client.get(f"/review-rounds/{review_round.pk}/").content.decode()

    assert 'data-testid="round-history"' in page and "rating_levels.excellent_cap_share" in page
    assert "0.9" in page and "Nguyễn Văn Lãnh" in page


def test_the_shortcoming_history_shows_its_timeline_and_extensions(client, ward, secretary, inspector):
    item = make_shortcoming(ward.cell01, owner=ward.members01[0], subject_member=ward.members01[0])
    services.request_extension(
        item, by=secretary, new_due_on=item.due_on + dt.timedelta(days=30), reason="Ốm"
    )
    client.force_login(inspector)

    page = client.get(f"/shortcomings/{item.pk}/history/").content.decode()

    assert (
        RemediationUpdate._meta.verbose_name.capitalize() in page
        or "Remediation" in page
        or "Cập nhật" in page
    )
    assert "Ốm" in page and "Hoàng Văn Thư" in page


def _delete(obj: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{obj._meta.db_table}" WHERE id = %s', [obj.pk])


def test_deletes_of_meetings_reviews_shortcomings_extensions_members_and_positions_leave_events(
    ward, secretary, as_owner
):
    # The application's role may not delete these at all (tests/test_database_roles.py); the owner can, and
    # even then the delete trigger keeps the row.
    member = make_member(ward.cell02, full_name="Đảng viên Xóa")
    position = Position.objects.create(
        member=secretary.member, role=Role.CELL_DEPUTY, cell=ward.cell01, started_on=dt.date(2020, 1, 1)
    )
    meeting = make_meeting(ward.cell02, by=secretary)
    meeting.attendance.all().delete()
    CellMonth.objects.filter(meeting=meeting).update(meeting=None)  # the dashboards' count points at it
    review = make_review(member=ward.members02[0])
    item = make_shortcoming(ward.cell01)
    extension = DueDateExtension.objects.create(
        shortcoming=item,
        previous_due_on=item.due_on,
        new_due_on=item.due_on + dt.timedelta(days=9),
        reason="x",
    )
    rows = [extension, item, review, meeting, position, member]

    for row in rows:
        _delete(row)

    for row in rows:
        event = apps.get_model(row._meta.app_label, f"{type(row).__name__}Event")
        assert event.objects.filter(pgh_obj_id=row.pk, pgh_label="delete").count() == 1, type(row).__name__


# --- The admin does not edit past the workflow


@pytest.fixture
def office_client(client, db):
    client.force_login(make_user("vanphong", is_staff=True, is_superuser=True))
    return client


def _decided_review_in_a_closed_round(ward, leader) -> Review:
    closed = ReviewRound.objects.create(
        committee=ward.committee, title="Năm 2025", period_kind="year", year=2025, status="closed"
    )
    return make_review(
        member=ward.members01[0],
        round=closed,
        year=2025,
        status="decided",
        proposed_rating="good",
        decided_rating="good",
        decided_by=leader,
    )


def test_a_decided_review_in_a_closed_round_cannot_be_changed_in_the_admin(office_client, ward, leader):
    review = _decided_review_in_a_closed_round(ward, leader)
    url = reverse("admin:reviews_review_change", args=[review.pk])

    page = office_client.get(url)
    post = office_client.post(
        url, {"decided_rating": "excellent", "status": "decided", "cell": ward.cell01.pk}
    )

    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    review.refresh_from_db()
    assert review.decided_rating == "good" and review.version == 1
    round_url = reverse("admin:reviews_reviewround_change", args=[review.round_id])
    assert office_client.post(round_url, {"status": "open"}).status_code == 403


def test_a_verified_shortcoming_cannot_be_changed_in_the_admin(office_client, ward, inspector):
    item = make_shortcoming(ward.cell01, status="verified", verified_by=inspector)
    url = reverse("admin:reviews_shortcoming_change", args=[item.pk])

    page = office_client.get(url)
    post = office_client.post(url, {"description": "Viết lại", "status": "open"})

    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    item.refresh_from_db()
    assert item.status == "verified" and item.description != "Viết lại"


@pytest.mark.parametrize("model", [Review, ReviewRound, Shortcoming, Meeting])
def test_records_with_a_workflow_cannot_be_added_or_deleted_in_the_admin(office_client, model):
    opts = model._meta
    assert office_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403


# --- Users are deactivated, never deleted


def test_a_user_who_acted_cannot_be_deleted_in_code_or_in_the_database(
    ward, inspector, office_client, as_owner
):
    # As the owner, to show the foreign key itself refuses (the application's role may not delete a user).
    make_shortcoming(ward.cell01, status="verified", verified_by=inspector)

    with pytest.raises(ProtectedError):
        get_user_model().objects.get(pk=inspector.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DELETE FROM auth_user_groups WHERE user_id = %s", [inspector.pk])
        cursor.execute("DELETE FROM auth_user WHERE id = %s", [inspector.pk])
    delete_url = reverse("admin:auth_user_delete", args=[inspector.pk])
    assert office_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert get_user_model().objects.filter(pk=inspector.pk).exists()
    assert Member.objects.filter(user=inspector).exists()


def test_every_key_naming_who_acted_is_protected():
    user_model = get_user_model()
    loose = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in ("cells", "reviews") and not model.__name__.endswith("Event")
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.related_model is user_model
        and field.remote_field.on_delete.__name__ != "PROTECT"
    ]
    assert loose == []


def test_the_shortcoming_history_runs_the_same_queries_however_long_its_timeline(
    client, ward, secretary, inspector
):
    item = make_shortcoming(ward.cell01, owner=ward.members01[0], subject_member=ward.members01[0])
    client.force_login(inspector)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/shortcomings/{item.pk}/history/").status_code == 200
        return len(captured)

    services.report_progress(item, by=secretary, text="Lần đầu", version=1)
    few = queries()
    for i in range(10):
        item.refresh_from_db()
        services.report_progress(
            item, by=[secretary, inspector][i % 2], text=f"Lần {i}", version=item.version
        )
    item.refresh_from_db()
    services.request_extension(item, by=secretary, new_due_on=item.due_on + dt.timedelta(days=9), reason="Ốm")
    assert queries() == few
