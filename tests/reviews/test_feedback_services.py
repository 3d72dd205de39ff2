"""The register's services: deadlines from the rules in working days, each step, and every refusal."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from phuthang.concurrency import OutOfDate
from reviews.models import FeedbackAttachment, FeedbackItem, FeedbackStep, Rule, Shortcoming
from reviews.services import feedback as services
from reviews.services import shortcomings as shortcoming_services
from tests.conftest import vi
from tests.factories import make_feedback

pytestmark = pytest.mark.django_db
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
St = FeedbackItem.Status


def _received(**overrides):
    fields = {
        "received_on": dt.date(2027, 1, 29),
        "channel": "letter",
        "kind": "denunciation",
        "content": "Nội dung tố cáo.",
        "concerns": "outside",
        "concerned_other": "Ông Nguyễn Văn Ngoài",
        "sender_name": "Trần Văn Tố",
    }
    return services.Received(**{**fields, **overrides})


@pytest.fixture
def after_tet_2027():
    with time_machine.travel(dt.datetime(2027, 3, 1, 9, 0, tzinfo=HANOI), tick=False):
        yield


def test_a_letter_received_before_tet_must_be_answered_ten_working_days_later_after_the_break(
    committee, staff, after_tet_2027
):
    item = services.record_item(committee, by=staff, data=_received())
    assert item.acknowledge_due_on == dt.date(2027, 2, 19)
    # 90 working days: past Tết, the Hùng Kings' day (16/4), 30/4 and 1/5 (made up on 3/5)
    assert item.settle_due_on == item.original_settle_due_on == dt.date(2027, 6, 16)
    assert list(item.steps.values_list("kind", "on")) == [("received", dt.date(2027, 1, 29))]


def test_the_deadlines_follow_the_rules_the_office_edits(committee, staff, after_tet_2027):
    Rule.objects.filter(key="petitions.acknowledge_within_working_days").update(value=5)
    Rule.objects.filter(key="petitions.resolve_within_working_days").update(value=20)
    item = services.record_item(committee, by=staff, data=_received())
    assert item.acknowledge_due_on == dt.date(2027, 2, 12)  # 1–3 Feb, Tết, 11 and 12 Feb
    assert item.settle_due_on == dt.date(2027, 3, 5)


def test_only_a_denunciation_has_a_settlement_deadline(committee, staff, after_tet_2027):
    item = services.record_item(committee, by=staff, data=_received(kind="proposal"))
    assert item.settle_due_on is None


def test_a_date_received_in_the_future_is_refused_and_nothing_is_saved(committee, staff, after_tet_2027):
    with pytest.raises(ValidationError) as refused:
        services.record_item(committee, by=staff, data=_received(received_on=dt.date(2027, 3, 2)))
    assert refused.value.message_dict["received_on"] == [
        vi("%(what)s cannot be in the future.", what=vi("The day received"))
    ]
    assert not FeedbackItem.objects.exists()


def test_a_postmark_after_receipt_or_on_what_is_no_letter_is_refused(committee, staff, after_tet_2027):
    with pytest.raises(ValidationError) as refused:
        services.record_item(committee, by=staff, data=_received(postmark_on=dt.date(2027, 1, 30)))
    assert refused.value.message_dict["postmark_on"] == [
        vi("The postmark cannot be later than the day the letter was received.")
    ]
    with pytest.raises(ValidationError) as refused:
        services.record_item(
            committee, by=staff, data=_received(channel="online", postmark_on=dt.date(2027, 1, 20))
        )
    assert refused.value.message_dict["postmark_on"] == [vi("Only a letter has a postmark.")]
    assert not FeedbackItem.objects.exists()


def test_an_anonymous_item_keeps_no_sender_and_a_named_one_needs_the_name(committee, staff, after_tet_2027):
    item = services.record_item(committee, by=staff, data=_received(anonymous=True, sender_name="Ai đó"))
    assert item.sender_name == ""
    with pytest.raises(ValidationError) as refused:
        services.record_item(committee, by=staff, data=_received(sender_name=" "))
    assert refused.value.message_dict["sender_name"] == [vi("Write the sender's name, or tick “anonymous”.")]


def test_a_member_of_another_committee_cannot_be_the_one_concerned(committee, staff, after_tet_2027):
    from tests.factories import make_member

    outsider = make_member()
    with pytest.raises(ValidationError) as refused:
        services.record_item(
            committee,
            by=staff,
            data=_received(concerns="member", concerned_member=outsider, concerned_other=""),
        )
    assert "concerned_member" in refused.value.message_dict


def test_classifying_sets_the_status_from_the_sorting(committee, staff, inspector):
    item = make_feedback(committee)
    forwarded = services.classify_item(item, by=staff, version=1, jurisdiction="state")
    assert forwarded.status == St.FORWARDED
    other = make_feedback(committee)
    accepted = services.classify_item(other, by=staff, version=1, jurisdiction="ubkt", handler=inspector)
    assert (accepted.status, accepted.handler_id) == (St.ACCEPTED, inspector.pk)
    assert list(accepted.steps.values_list("kind", flat=True)) == ["received", "assigned", "classified"]


def test_not_handled_and_duplicates_need_a_reason(committee, staff):
    earlier = make_feedback(committee, received_on=dt.date(2026, 1, 5))
    item = make_feedback(committee)
    with pytest.raises(ValidationError) as refused:
        services.classify_item(item, by=staff, version=1, jurisdiction="", not_handled="anonymous")
    assert refused.value.message_dict["reason"] == [vi("Give the reason.")]
    done = services.classify_item(
        item, by=staff, version=1, jurisdiction="", duplicate_of=earlier, reason="Trùng nội dung đơn tháng 1"
    )
    assert (done.status, done.duplicate_of_id) == (St.DUPLICATE, earlier.pk)


def test_a_stale_page_is_refused_and_nothing_changes(committee, staff):
    item = make_feedback(committee)
    services.add_note(item, by=staff, version=1, text="Đã gọi điện cho người gửi")
    with pytest.raises(OutOfDate):
        services.classify_item(item, by=staff, version=1, jurisdiction="ubkt")
    item.refresh_from_db()
    assert item.status == St.RECEIVED and item.version == 2


def test_the_deadline_is_extended_once_and_a_second_extension_is_refused(committee, staff):
    item = make_feedback(committee, status=St.ACCEPTED, jurisdiction="ubkt")
    first_due = item.settle_due_on
    extended = services.extend_deadline(item, by=staff, version=1, days=30, reason="Cần xác minh thêm")
    assert extended.extension_days == 30 and extended.original_settle_due_on == first_due
    assert extended.settle_due_on > first_due and extended.is_extended
    with pytest.raises(ValidationError) as refused:
        services.extend_deadline(extended, by=staff, version=extended.version, days=5, reason="Lần nữa")
    assert refused.value.messages == [
        vi(
            "The deadline was already extended once (on %(day)s); it cannot be extended again.",
            day=extended.extended_on.strftime("%d/%m/%Y"),
        )
    ]
    extended.refresh_from_db()
    assert extended.extension_days == 30 and extended.steps.filter(kind="extended").count() == 1


def test_an_extension_longer_than_the_rule_is_refused(committee, staff):
    item = make_feedback(committee, status=St.ACCEPTED, jurisdiction="ubkt")
    with pytest.raises(ValidationError) as refused:
        services.extend_deadline(item, by=staff, version=1, days=31, reason="Lâu")
    assert refused.value.message_dict["days"] == [
        vi("An extension is from 1 to %(most)d working days.", most=30)
    ]
    item.refresh_from_db()
    assert item.extension_days is None


def test_a_reply_dated_before_receipt_is_refused(committee, staff):
    item = make_feedback(
        committee, status=St.CONCLUDED, conclusion="Không đúng", concluded_on=dt.date.today()
    )
    with pytest.raises(ValidationError) as refused:
        services.record_reply(item, by=staff, version=1, replied_on=item.received_on - dt.timedelta(days=1))
    assert refused.value.message_dict["replied_on"] == [
        vi(
            "The reply cannot be dated before the item was received (%(day)s).",
            day=item.received_on.strftime("%d/%m/%Y"),
        )
    ]
    item.refresh_from_db()
    assert item.replied_on is None


def test_telling_the_sender_meets_the_first_deadline(committee, staff):
    item = make_feedback(committee, status=St.ACCEPTED, jurisdiction="ubkt", received_on=dt.date(2026, 10, 1))
    assert item.is_overdue() and item.overdue_steps() == ["acknowledge"]
    told = services.tell_sender(item, by=staff, version=1, told_on=dt.date(2026, 10, 5))
    assert told.acknowledged_on == dt.date(2026, 10, 5) and "acknowledge" not in told.overdue_steps()


def test_a_concluded_item_that_finds_fault_raises_one_shortcoming_linked_both_ways(committee, inspector):
    item = make_feedback(committee, status=St.ACCEPTED, jurisdiction="ubkt")
    concluded = services.conclude_item(
        item, by=inspector, version=1, conclusion="Có vi phạm", finds_fault=True, concluded_on=dt.date.today()
    )
    shortcoming = services.raise_shortcoming(
        concluded,
        by=inspector,
        version=concluded.version,
        description="Sử dụng xe công vào việc riêng",
        plan="Kiểm điểm trước chi bộ",
        due_on=dt.date.today() + dt.timedelta(days=60),
    )
    assert shortcoming.source == Shortcoming.Source.FEEDBACK
    assert shortcoming.subject_member_id == item.concerned_member_id
    assert shortcoming.feedback_item.pk == item.pk
    item.refresh_from_db()
    assert item.shortcoming_id == shortcoming.pk
    with pytest.raises(ValidationError):
        services.raise_shortcoming(
            item, by=inspector, version=item.version, description="x", plan="y", due_on=dt.date.today()
        )
    assert Shortcoming.objects.count() == 1
    # then the existing remediation path, to UBKT's verification
    shortcoming_services.report_progress(
        shortcoming, by=inspector, text="Đã kiểm điểm", version=1, fixed=True
    )
    shortcoming.refresh_from_db()
    assert shortcoming.status == "reported_fixed"


def test_a_conclusion_without_fault_raises_no_shortcoming(committee, inspector):
    item = make_feedback(committee, status=St.ACCEPTED, jurisdiction="ubkt")
    services.conclude_item(
        item,
        by=inspector,
        version=1,
        conclusion="Không có căn cứ",
        finds_fault=False,
        concluded_on=dt.date.today(),
    )
    item.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.raise_shortcoming(
            item, by=inspector, version=item.version, description="x", plan="y", due_on=dt.date.today()
        )
    assert refused.value.messages == [
        vi("Only a concluded item whose conclusion finds fault raises a shortcoming.")
    ]
    assert not Shortcoming.objects.exists()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_pdf_scan_is_stored_with_the_type_its_bytes_show(committee, staff):
    item = make_feedback(committee)
    scan = services.attach_scan(
        item, by=staff, upload=SimpleUploadedFile("đơn thư.PNG", PDF, content_type="image/png")
    )
    assert (scan.content_type, scan.size, scan.name) == ("application/pdf", len(PDF), "đơn thư.pdf")
    assert bytes(scan.data) == PDF
    assert item.steps.filter(kind=FeedbackStep.Kind.ATTACHED).exists()


def test_a_file_that_is_no_scan_is_refused_whatever_its_name(committee, staff):
    item = make_feedback(committee)
    page = SimpleUploadedFile(
        "scan.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    with pytest.raises(ValidationError) as refused:
        services.attach_scan(item, by=staff, upload=page)
    assert refused.value.message_dict["file"] == [
        vi("Only a scan as PDF, JPEG or PNG can be attached; this file is none of them.")
    ]
    assert not FeedbackAttachment.objects.exists()


def test_an_oversized_scan_is_refused(committee, staff):
    Rule.objects.update_or_create(key="petitions.attachment_max_bytes", defaults={"value": 1024})
    item = make_feedback(committee)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 2000, content_type="application/pdf")
    with pytest.raises(ValidationError) as refused:
        services.attach_scan(item, by=staff, upload=big)
    assert refused.value.message_dict["file"] == [
        vi("The file is too large: at most %(mb)s MB.", mb="0.000976562")
    ]
    assert not FeedbackAttachment.objects.exists()
