"""The reminder sender: one email per digest, retries for temporary failures, nothing sent twice."""

from __future__ import annotations

import datetime as dt
import smtplib
import threading

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.utils import timezone, translation

from cells.models import Role
from reviews.models import Digest, Notification, Rule
from reviews.services import reminders
from tests.factories import make_assignment, make_cell, make_member, make_person

DEC = dt.date(2026, 12, 1)


class FlakyBackend(LocmemBackend):
    """The outbox, except for addresses told to fail: each answers its next queued error."""

    failures: dict[str, list[BaseException]] = {}

    def send_messages(self, messages):
        for message in messages:
            queued = self.failures.get(message.to[0])
            if queued:
                raise queued.pop(0)
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.reviews.test_reminders_sender.FlakyBackend"
    settings.SITE_URL = "https://phuthang.example.vn"
    FlakyBackend.failures = {}
    return FlakyBackend.failures


@pytest.fixture
def planned(ward):
    """Two overseers planned for December: Phụ with both cells, Mới with none but a third cell."""
    for kind in ("oversight", "minutes_late", "remediation", "overdue_digest"):
        Rule.objects.update_or_create(
            key=f"reminders.{kind}.effective_from", defaults={"value": "2020-01-01"}
        )
    phu = make_person(ward.cell02, Role.COMMITTEE_MEMBER, full_name="Bùi Quốc Phụ").member
    moi = make_person(ward.cell02, Role.COMMITTEE_MEMBER, full_name="Đỗ Văn Mới").member
    make_assignment(phu, ward.cell01, DEC)
    make_assignment(phu, ward.cell02, DEC)
    make_assignment(moi, make_cell(ward.committee, name="Chi bộ Cơ quan"), DEC)
    reminders.plan_due(DEC)
    return phu, moi


def test_each_recipient_gets_one_email_listing_all_their_cells(planned):
    phu, _moi = planned

    report = reminders.send_due()

    assert report.sent == 2
    by_recipient = {m.to[0]: m for m in mail.outbox}
    email = by_recipient[phu.email]
    assert email.subject == "Nhắc phụ trách chi bộ tháng 12/2026: 2 chi bộ"  # in Vietnamese
    assert "Chi bộ Tổ dân phố 1" in email.body and "Chi bộ Trường Tiểu học" in email.body
    assert "https://phuthang.example.vn/cells/" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and "Chi bộ Tổ dân phố 1" in html
    digest = Digest.objects.get(recipient=phu)
    assert digest.status == "sent" and digest.sent_at is not None
    assert email.extra_headers["Message-ID"] == digest.message_id
    assert email.message()["Message-ID"] == digest.message_id


def test_the_email_is_rendered_in_vietnamese_whatever_the_current_language(planned, monkeypatch):
    languages = []
    real = reminders.render_to_string

    def spy(template, context):
        languages.append(translation.get_language())
        return real(template, context)

    monkeypatch.setattr(reminders, "render_to_string", spy)
    with translation.override("en"):
        reminders.send_due()

    assert set(languages) == {"vi"}
    assert Digest.objects.filter(status="sent").count() == 2


def test_sending_again_sends_nothing_new(planned):
    reminders.send_due()
    reminders.plan_due(DEC)

    report = reminders.send_due()

    assert report.sent == 0
    assert len(mail.outbox) == 2


def test_a_temporary_smtp_failure_is_retried_after_a_backoff(planned, flaky_mail):
    phu, _moi = planned
    flaky_mail[phu.email] = [smtplib.SMTPDataError(451, b"4.3.0 try again later")]

    first = reminders.send_due()

    digest = Digest.objects.get(recipient=phu)
    assert (first.sent, first.retrying) == (1, 1)
    assert (digest.status, digest.attempts) == ("pending", 1)
    assert digest.last_error == "451 4.3.0 try again later"
    assert digest.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)
    assert reminders.send_due().sent == 0  # not before its time

    Digest.objects.filter(pk=digest.pk).update(next_attempt_at=timezone.now())
    assert reminders.send_due().sent == 1
    digest.refresh_from_db()
    assert digest.status == "sent" and digest.attempts == 2
    assert [m.to[0] for m in mail.outbox].count(phu.email) == 1


def test_a_refused_connection_is_temporary_and_stops_the_run(planned, flaky_mail):
    phu, moi = planned
    flaky_mail[phu.email] = [ConnectionRefusedError(111, "Connection refused")]
    flaky_mail[moi.email] = [ConnectionRefusedError(111, "Connection refused")]

    report = reminders.send_due()

    assert (report.sent, report.retrying) == (0, 2)
    assert set(Digest.objects.values_list("status", flat=True)) == {"pending"}
    assert "Connection refused" in Digest.objects.first().last_error


def test_a_permanent_smtp_failure_is_marked_failed_with_its_error(planned, flaky_mail):
    phu, _moi = planned
    flaky_mail[phu.email] = [smtplib.SMTPRecipientsRefused({phu.email: (550, b"5.1.1 no such user")})]

    report = reminders.send_due()

    digest = Digest.objects.get(recipient=phu)
    assert (report.sent, report.failed) == (1, 1)
    assert digest.status == "failed"
    assert digest.last_error == f"{phu.email}: 550 5.1.1 no such user"
    assert reminders.send_due().sent == 0


def test_temporary_failures_give_up_after_the_last_attempt(planned, flaky_mail, settings):
    settings.REMINDERS_MAX_ATTEMPTS = 2
    phu, _moi = planned
    flaky_mail[phu.email] = [smtplib.SMTPDataError(451, b"busy"), smtplib.SMTPDataError(451, b"busy")]
    reminders.send_due()
    Digest.objects.filter(recipient=phu).update(next_attempt_at=timezone.now())

    reminders.send_due()

    digest = Digest.objects.get(recipient=phu)
    assert digest.status == "failed"
    assert digest.last_error == "gave up after 2 attempts: 451 busy"


def test_a_digest_left_sending_by_a_dead_worker_is_sent_again_with_the_same_message_id(planned):
    _phu, _moi = planned
    claimed, _taken = reminders.claim(batch_size=1)  # the worker claims one, then dies
    (dead,) = claimed
    assert reminders.send_due().sent == 1  # its lease holds: the other is sent, this one waits
    assert Digest.objects.get(pk=dead.pk).status == "sending"

    Digest.objects.filter(pk=dead.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    assert reminders.send_due().sent == 1

    dead.refresh_from_db()
    assert dead.status == "sent" and dead.attempts == 2
    assert [m.extra_headers["Message-ID"] for m in mail.outbox].count(dead.message_id) == 1
    assert len(mail.outbox) == 2


def test_a_recipient_without_email_keeps_the_reminder_in_the_inbox(ward):
    Rule.objects.update_or_create(key="reminders.oversight.effective_from", defaults={"value": "2020-01-01"})
    nobody = make_member(ward.cell02, email="")
    make_assignment(nobody, ward.cell01, DEC)
    reminders.plan_due(DEC)

    report = reminders.send_due()

    assert (report.sent, report.no_address) == (0, 1)
    assert Digest.objects.get().status == "no_address"
    assert Notification.objects.filter(recipient=nobody).count() == 1
    assert mail.outbox == []


def test_a_digest_whose_items_were_all_withdrawn_is_not_sent(planned):
    phu, _moi = planned
    Notification.objects.filter(recipient=phu).update(withdrawn_at=timezone.now())

    report = reminders.send_due()

    assert (report.sent, report.cancelled) == (1, 1)
    assert Digest.objects.get(recipient=phu).status == "cancelled"


def test_staff_can_send_a_failed_email_again(planned, flaky_mail):
    phu, _moi = planned
    flaky_mail[phu.email] = [smtplib.SMTPDataError(554, b"rejected")]
    reminders.send_due()
    digest = Digest.objects.get(recipient=phu)

    reminders.retry(digest)

    assert reminders.send_due().sent == 1
    assert Digest.objects.get(pk=digest.pk).status == "sent"


@pytest.mark.django_db(transaction=True)
def test_two_senders_claiming_at_once_take_different_digests(ward):
    Rule.objects.update_or_create(key="reminders.oversight.effective_from", defaults={"value": "2020-01-01"})
    for _n in range(6):
        overseer = make_member(ward.cell02)
        make_assignment(overseer, make_cell(ward.committee), DEC)
    reminders.plan_due(DEC)
    barrier = threading.Barrier(2)
    taken: list[list[int]] = []

    def claim_in_own_connection():
        try:
            barrier.wait()
            claimed, _n = reminders.claim(batch_size=4)
            taken.append([d.pk for d in claimed])
        finally:
            connection.close()

    threads = [threading.Thread(target=claim_in_own_connection) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    first, second = taken
    assert not set(first) & set(second)
    assert len(first) + len(second) == 6
