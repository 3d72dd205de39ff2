"""Reminders through the real machinery: Redis, `celery worker` processes, an SMTP server on loopback."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter

import pytest
from django.test import Client
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from cells.models import Role
from phuthang.celery import app as celery_app
from reviews.models import Digest, Notification, Rule
from reviews.services import reminders
from tests.factories import make_assignment, make_cell, make_committee, make_person, make_user
from tests.integration.conftest import free_port, wait_until

pytestmark = pytest.mark.integration


def overseers(n: int, cells_each: int = 1) -> list[str]:
    """n committee members, each overseeing cells this month; their email addresses."""
    for kind in ("oversight", "minutes_late", "remediation", "overdue_digest"):  # in effect long ago
        Rule.objects.update_or_create(
            key=f"reminders.{kind}.effective_from", defaults={"value": "2020-01-01"}
        )
    committee = make_committee()
    addresses = []
    for _ in range(n):
        overseer = make_person(make_cell(committee), Role.COMMITTEE_MEMBER).member
        for _ in range(cells_each):
            make_assignment(overseer, make_cell(committee))
        addresses.append(overseer.email)
    return addresses


def delivered(smtp) -> Counter:
    collector, _port = smtp
    with collector.lock:
        return Counter(m.to for m in collector.received)


def test_planning_twice_and_two_workers_sending_at_once_send_each_email_once(machinery, smtp):
    addresses = overseers(30, cells_each=2)
    collector, _port = smtp
    collector.delay = 0.03
    machinery.start_worker()
    machinery.start_worker()

    machinery.send("reviews.tasks.plan_reminders", times=2)  # one each, at once
    wait_until(lambda: Digest.objects.count() == 30, timeout=30)
    machinery.send("reviews.tasks.send_reminders", times=4)
    wait_until(lambda: collector.count() >= 30, timeout=60)
    machinery.send("reviews.tasks.plan_reminders", times=2)
    machinery.send("reviews.tasks.send_reminders", times=2)
    time.sleep(3)  # time enough for a duplicate to show up

    assert delivered(smtp) == Counter(addresses)
    assert Notification.objects.count() == 60
    assert set(Digest.objects.values_list("status", flat=True)) == {"sent"}
    assert {m.message_id for m in collector.received} == set(
        Digest.objects.values_list("message_id", flat=True)
    )


def test_a_worker_killed_mid_batch_then_restarted_delivers_every_email_each_as_one_message(machinery, smtp):
    addresses = overseers(40)
    collector, _port = smtp
    collector.delay = 0.15  # about 6 s for the batch
    reminders.plan_due()
    first = machinery.start_worker()
    machinery.send("reviews.tasks.send_reminders")
    wait_until(lambda: collector.count() >= 8, timeout=60)
    # The 8th was just accepted: half a delay later the worker is inside the 9th's SMTP transaction, not in
    # the instant between the 8th's acceptance and its `sent` mark (the one window of a repeat, see below).
    time.sleep(collector.delay / 2)

    first.send_signal(signal.SIGKILL)
    first.wait(10)
    stranded = Digest.objects.filter(status="sending").count()
    assert stranded > 0  # claimed, not sent: the kill came mid-batch
    assert collector.count() < 40

    machinery.start_worker()
    wait_until(
        lambda: collector.count() >= 40 and not Digest.objects.exclude(status="sent").exists(),
        timeout=90,
        tick=lambda: machinery.send("reviews.tasks.send_reminders"),  # what beat does every minute
    )
    time.sleep(2)

    # At least once (docs/reminders.md): everyone has their email, and a kill between an email's acceptance
    # and its `sent` mark may repeat that one email, as the same message (one Message-ID), never as another.
    assert set(delivered(smtp)) == set(addresses)
    assert sum(delivered(smtp).values()) <= 41
    ids_by_address: dict[str, set[str]] = {}
    for message in collector.received:
        ids_by_address.setdefault(message.to, set()).add(message.message_id)
    assert all(len(ids) == 1 for ids in ids_by_address.values())
    assert len({m.message_id for m in collector.received}) == 40


def test_a_save_answers_quickly_while_the_broker_is_down_and_reminders_go_out_when_it_is_back(
    machinery, smtp, caplog
):
    addresses = overseers(5)
    client = Client()
    client.force_login(make_user("vanphong", is_staff=True))
    closed = f"redis://127.0.0.1:{free_port()}/15"  # nothing listens there: the broker is down
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = closed
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        started = time.monotonic()
        response = client.post("/reminders/run/")
        elapsed = time.monotonic() - started
        for thread in threading.enumerate():
            if thread.name == "enqueue-run-reminders":
                thread.join(15)
    finally:
        celery_app.conf.broker_url = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    assert response.status_code == 302
    assert elapsed < 2, f"the save took {elapsed:.2f} s"
    assert "could not enqueue run_reminders" in caplog.text
    assert not Digest.objects.exists()  # the enqueue was lost; nothing planned yet

    # The broker is back: beat ticks (every 2 s here) and the worker plans and sends.
    every, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
    for name, task in [
        ("Plan reminders", "reviews.tasks.plan_reminders"),
        ("Send reminders", "reviews.tasks.send_reminders"),
    ]:
        PeriodicTask.objects.create(name=name, task=task, interval=every)
    machinery.start_worker(beat=True)
    wait_until(lambda: smtp[0].count() >= 5, timeout=60)
    time.sleep(3)

    assert delivered(smtp) == Counter(addresses)


def test_smtp_451_is_retried_and_delivered_later_and_550_marked_failed_and_shown(machinery, smtp):
    retried, refused, plain = overseers(3)
    collector, _port = smtp
    collector.data_errors[retried] = ["451 4.3.0 Try again later"]
    collector.rcpt_errors[refused] = "550 5.1.1 No such user here"
    reminders.plan_due()
    machinery.start_worker()
    machinery.send("reviews.tasks.send_reminders")
    wait_until(
        lambda: (
            Digest.objects.filter(status="sent").count() == 2
            and Digest.objects.filter(status="failed").exists()
        ),
        timeout=60,
        tick=lambda: machinery.send("reviews.tasks.send_reminders"),
    )

    assert delivered(smtp) == Counter([retried, plain])
    late = Digest.objects.get(recipient__email=retried)
    assert (late.status, late.attempts) == ("sent", 2)
    assert late.last_error == ""
    failed = Digest.objects.get(recipient__email=refused)
    assert failed.status == "failed"
    assert failed.last_error == f"{refused}: 550 5.1.1 No such user here"

    staff = Client()
    staff.force_login(make_user("vanphong", is_staff=True))
    page = staff.get("/reminders/?status=failed").content.decode()
    assert failed.recipient.full_name in page and "550 5.1.1 No such user here" in page
