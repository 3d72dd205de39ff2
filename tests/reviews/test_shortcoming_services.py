"""Shortcomings: recording, the status machine and its guards, the timeline, extensions, repeats, history."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from pghistory.models import MiddlewareEvents

from phuthang.concurrency import OutOfDate
from reviews.models import DueDateExtension, Manifestation, RemediationUpdate, Shortcoming
from reviews.services import shortcomings as services
from tests.conftest import vi
from tests.factories import make_shortcoming


def _record(cell, by, **overrides):
    person = overrides.pop("subject_member", None) or cell.members.first()
    fields = {
        "by": by,
        "source": "review",
        "subject_member": person,
        "description": "Chưa gương mẫu",
        "manifestation": None,
        "plan": "Sửa chữa",
        "owner": person,
        "raised_on": dt.date(2026, 3, 1),
        "due_on": dt.date(2026, 6, 30),
    }
    fields.update(overrides)
    return services.record_shortcoming(cell, **fields)


def test_recording_a_shortcoming_starts_its_timeline(ward, secretary):
    item = _record(ward.cell01, secretary)
    assert item.status == "open" and item.original_due_on == item.due_on == dt.date(2026, 6, 30)
    assert list(item.updates.values_list("kind", flat=True)) == ["created"]


def test_a_due_date_before_the_day_raised_is_refused_and_nothing_saved(ward, secretary):
    with pytest.raises(ValidationError) as error:
        _record(ward.cell01, secretary, due_on=dt.date(2026, 2, 1))
    assert error.value.message_dict["due_on"] == [
        vi("The due date cannot be before the day the shortcoming was raised (%(day)s).", day="01/03/2026")
    ]
    assert not Shortcoming.objects.exists()


def test_a_subject_outside_the_cell_is_refused(ward, secretary):
    with pytest.raises(ValidationError) as error:
        _record(ward.cell01, secretary, subject_member=ward.members02[0], owner=ward.members01[0])
    assert "subject_member" in error.value.message_dict


def test_the_whole_remediation_path_is_on_the_timeline(ward, secretary, inspector, member):
    item = make_shortcoming(ward.cell01, subject_member=member.member)
    item = services.report_progress(item, by=member, text="Đã tham gia đủ", version=1)
    assert item.status == "in_progress"
    item = services.report_progress(item, by=secretary, text="Đã khắc phục", version=item.version, fixed=True)
    assert item.status == "reported_fixed"
    item = services.change_status(
        item, action="verify", by=inspector, note="Đã kiểm tra", version=item.version
    )
    assert item.status == "verified" and item.verified_by == inspector
    item = services.change_status(item, action="reopen", by=inspector, note="Tái phạm", version=item.version)
    assert item.status == "in_progress" and item.verified_by is None
    timeline = list(item.updates.values_list("kind", "to_status", "on_behalf"))
    assert timeline == [
        ("progress", "", False),
        ("status", "in_progress", False),
        ("progress", "", True),
        ("status", "reported_fixed", True),
        ("status", "verified", False),
        ("status", "in_progress", False),
    ]


def test_verifying_twice_or_from_a_stale_page_gives_a_message(ward, inspector):
    item = make_shortcoming(ward.cell01, status="reported_fixed")
    services.change_status(item, action="verify", by=inspector, note="", version=1)
    with pytest.raises(OutOfDate) as error:
        services.change_status(item, action="verify", by=inspector, note="", version=1)
    assert error.value.messages == [
        vi(
            "This shortcoming is now “%(status)s”, so “%(action)s” is not possible. "
            "It may have been done already, or your page was out of date.",
            status=Shortcoming.Status.VERIFIED.label,
            action=vi("Verify"),
        )
    ]
    other = make_shortcoming(ward.cell01, status="reported_fixed", version=4)
    with pytest.raises(OutOfDate) as error:
        services.change_status(other, action="verify", by=inspector, note="", version=3)
    assert error.value.messages == [
        vi("Someone changed this shortcoming after you opened the page. Check the changes and try again.")
    ]
    assert RemediationUpdate.objects.filter(shortcoming=other).count() == 0


def test_reopening_needs_a_note(ward, inspector):
    item = make_shortcoming(ward.cell01, status="verified")
    with pytest.raises(ValidationError) as error:
        services.change_status(item, action="reopen", by=inspector, note="", version=1)
    assert error.value.message_dict == {"note": [vi("Write a note saying why.")]}


def test_an_open_item_cannot_be_verified(ward, inspector):
    item = make_shortcoming(ward.cell01)
    with pytest.raises(OutOfDate):
        services.change_status(item, action="verify", by=inspector, note="", version=1)


def test_an_extension_keeps_the_original_date(ward, member, inspector):
    item = make_shortcoming(
        ward.cell01, subject_member=member.member, due_on=dt.date(2026, 6, 30), raised_on=dt.date(2026, 3, 1)
    )
    with pytest.raises(ValidationError) as error:
        services.request_extension(item, by=member, new_due_on=dt.date(2026, 6, 1), reason="Ốm")
    assert error.value.message_dict["new_due_on"] == [
        vi("The new due date must be after the current one (%(day)s).", day="30/06/2026")
    ]
    extension = services.request_extension(item, by=member, new_due_on=dt.date(2026, 9, 30), reason="Ốm")
    with pytest.raises(ValidationError) as error:
        services.request_extension(item, by=member, new_due_on=dt.date(2026, 10, 30), reason="Ốm")
    assert error.value.messages == [
        vi("A request for a new due date is already waiting for the inspection committee.")
    ]
    services.decide_extension(extension, by=inspector, approve=True, note="")
    item.refresh_from_db()
    assert (item.original_due_on, item.due_on) == (dt.date(2026, 6, 30), dt.date(2026, 9, 30))
    with pytest.raises(OutOfDate) as error:
        services.decide_extension(extension, by=inspector, approve=False, note="")
    assert error.value.messages == [
        vi("This request was already answered (“%(status)s”).", status=DueDateExtension.Status.APPROVED.label)
    ]
    assert DueDateExtension.objects.get().status == "approved"


def test_a_refused_extension_leaves_the_due_date(ward, member, inspector):
    item = make_shortcoming(
        ward.cell01, subject_member=member.member, due_on=dt.date(2026, 6, 30), raised_on=dt.date(2026, 3, 1)
    )
    extension = services.request_extension(item, by=member, new_due_on=dt.date(2026, 9, 30), reason="Bận")
    services.decide_extension(extension, by=inspector, approve=False, note="Không đủ lý do")
    item.refresh_from_db()
    assert item.due_on == dt.date(2026, 6, 30)
    refused = vi("New due date refused; the due date stays %(day)s.", day="30/06/2026")
    assert item.updates.last().text == f"{refused} Không đủ lý do"


@time_machine.travel(dt.datetime(2026, 7, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=7))), tick=False)
def test_overdue_is_counted_in_vietnam_time(ward):
    # 00:30 on 1 July in Hà Nội is still 30 June in UTC: an item due 30 June is overdue here.
    item = make_shortcoming(ward.cell01, raised_on=dt.date(2026, 3, 1), due_on=dt.date(2026, 6, 30))
    make_shortcoming(ward.cell01, raised_on=dt.date(2026, 3, 1), due_on=dt.date(2026, 7, 1))
    assert item.is_overdue()
    assert list(Shortcoming.objects.overdue()) == [item]


def test_lists_separate_on_time_extended_and_overdue(ward):
    today = dt.date.today()
    on_time = make_shortcoming(ward.cell01, due_on=today + dt.timedelta(days=5))
    extended = make_shortcoming(
        ward.cell01, due_on=today + dt.timedelta(days=40), original_due_on=today + dt.timedelta(days=5)
    )
    overdue = make_shortcoming(
        ward.cell01, raised_on=today - dt.timedelta(days=60), due_on=today - dt.timedelta(days=1)
    )
    assert list(Shortcoming.objects.on_time()) == [on_time]
    assert list(Shortcoming.objects.extended()) == [extended]
    assert list(Shortcoming.objects.overdue()) == [overdue]
    counts = services.status_counts(Shortcoming.objects.all())
    assert (counts["total"], counts["overdue"], counts["extended"], counts["open"]) == (3, 1, 1, 3)


def test_the_same_manifestation_in_an_earlier_period_is_a_repeat(ward, secretary):
    person = ward.members01[0]
    m = Manifestation.objects.get(code="1.5")
    _record(
        ward.cell01,
        secretary,
        subject_member=person,
        manifestation=m,
        raised_on=dt.date(2025, 3, 1),
        due_on=dt.date(2025, 6, 1),
    )
    same_year = _record(ward.cell01, secretary, subject_member=person, manifestation=m)
    other = _record(ward.cell01, secretary, subject_member=ward.members01[1], manifestation=m)
    assert other.is_repeat is False
    assert same_year.is_repeat is True


def test_history_keeps_bulk_updates_with_before_and_after(ward):
    item = make_shortcoming(ward.cell01)
    Shortcoming.objects.filter(pk=item.pk).update(status="in_progress")
    diffs = [e.pgh_diff for e in MiddlewareEvents.objects.tracks(item).order_by("pgh_id") if e.pgh_diff]
    assert diffs[-1]["status"] == ["open", "in_progress"]


def test_an_empty_note_never_overwrites_an_earlier_note_of_the_inspection_committee(ward, inspector):
    item = make_shortcoming(ward.cell01, status="verified")
    item = services.change_status(item, action="reopen", by=inspector, note="Phát hiện tái phạm", version=1)
    item = services.change_status(item, action="report_fixed", by=inspector, note="", version=item.version)
    item = services.change_status(item, action="verify", by=inspector, note="", version=item.version)
    item.refresh_from_db()
    assert (item.status, item.verification_note) == ("verified", "Phát hiện tái phạm")
    assert item.updates.filter(text="Phát hiện tái phạm").exists()
