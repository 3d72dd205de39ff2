"""Background jobs on a real Celery worker (phuthang.jobs, phuthang.tasks): the progress moves while the
work runs, a worker killed half-way leaves nothing applied and the job is run again by another worker,
exactly once, and two people pressing the same button at once start one job that runs once.

The test kinds (tests/job_kinds.py) are imported by the workers with `-I tests.job_kinds`. Jobs are
published by the task's own `apply_async`, to the workers' queue on the test Redis."""

from __future__ import annotations

import signal
import threading
import time

import pytest
from django.db import connections, transaction
from kombu import Connection

from phuthang import jobs, tasks
from phuthang.models import Job, SubmitToken
from tests import job_kinds  # noqa: F401  (declares the test kinds here too)
from tests.factories import make_user
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.integration

KINDS = ("tests.job_kinds",)


@pytest.fixture
def workers(machinery, monkeypatch):
    """The machinery, with jobs published to its workers' queue and a broker that hands an unacknowledged
    job to another worker after 3 s (checked every second)."""
    machinery.env.update(CELERY_VISIBILITY_TIMEOUT="3", CELERY_UNACKED_RESTORE_SECONDS="1")

    def enqueue(job_id: int) -> None:
        with Connection(machinery.broker_url) as broker:
            tasks.run_job.apply_async((job_id,), queue=machinery.queue, connection=broker, retry=False)

    monkeypatch.setattr(jobs, "enqueue", enqueue)
    return machinery


def tokens(job: Job) -> int:
    return SubmitToken.objects.filter(token__startswith=f"job{job.pk}-").count()


def state(job: Job) -> Job:
    return Job.objects.get(pk=job.pk)


def test_the_worker_runs_the_job_and_its_progress_moves_before_it_ends(workers):
    workers.start_worker(include=KINDS)
    user = make_user("bithu")
    job = jobs.start("test_tokens", key="progress", by=user, params={"n": 12, "sleep": 0.25})

    wait_until(lambda: 0 < state(job).done < 12, timeout=30, every=0.05)
    midway = state(job)
    assert midway.state == Job.State.RUNNING
    assert midway.total == 12
    assert tokens(job) == 0  # the work is not committed until the job is done

    wait_until(lambda: state(job).state == Job.State.DONE, timeout=30)
    done = state(job)
    assert (done.done, done.total, done.attempts) == (12, 12, 1)
    assert done.result["message"] == "12 tokens made."
    assert tokens(job) == 12


def test_a_worker_killed_half_way_applies_nothing_and_another_worker_runs_the_job_once(workers):
    first = workers.start_worker(include=KINDS)
    user = make_user("bithu")
    job = jobs.start("test_tokens", key="restart", by=user, params={"n": 16, "sleep": 0.3})
    wait_until(lambda: state(job).done >= 3, timeout=30, every=0.05)

    first.send_signal(signal.SIGKILL)  # no warm shutdown: the task is neither finished nor acknowledged
    first.wait(10)
    time.sleep(1)
    assert state(job).state == Job.State.RUNNING
    assert tokens(job) == 0  # its transaction died with it

    workers.start_worker(include=KINDS)
    wait_until(lambda: state(job).state == Job.State.DONE, timeout=60)

    assert tokens(job) == 16  # not 16 plus what the first worker had done
    assert state(job).attempts == 2


def test_two_people_pressing_the_same_button_at_once_start_one_job_that_runs_once(workers):
    workers.start_worker(include=KINDS)
    user, other = make_user("bithu"), make_user("phobithu")
    started: dict[str, int] = {}
    barrier = threading.Barrier(2)

    def press(who) -> None:
        try:
            with transaction.atomic():
                barrier.wait(5)
                started[who.username] = jobs.start("test_tokens", key="same", by=who, params={"n": 3}).pk
                time.sleep(0.5)  # both inserts overlap: the second waits for the first to commit
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(u,)) for u in (user, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert started["bithu"] == started["phobithu"]
    job = Job.objects.get(kind="test_tokens", key="same")
    wait_until(lambda: state(job).state == Job.State.DONE, timeout=30)
    time.sleep(1)  # a second delivery, if any, would have run by now
    assert tokens(job) == 3
    assert state(job).attempts == 1


def test_the_worker_allows_jobs_longer_statements_than_web_requests(workers):
    workers.env.update(DATABASE_STATEMENT_TIMEOUT="7", DATABASE_WORKER_STATEMENT_TIMEOUT="345")
    workers.start_worker(include=KINDS)
    job = jobs.start("test_timeout", key="timeout", by=make_user("bithu"))

    wait_until(lambda: state(job).state == Job.State.DONE, timeout=30)
    assert state(job).result["message"] == "345s"  # the web's would be 7s
