"""The worker's side of background jobs (phuthang.jobs): one task that runs a recorded job by its id.

acks_late with reject_on_worker_lost: the broker keeps the message until the job has finished, so a worker
killed half-way (a deploy, the OOM killer, a lost machine) leaves it to be delivered again, and the job
runs again from the start; its work is all or nothing, so nothing is applied twice.
"""

from __future__ import annotations

import logging

from celery import shared_task

from phuthang import jobs

log = logging.getLogger(__name__)


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> None:
    outcome = jobs.run(job_id)
    log.info("job %s: %s", job_id, outcome)


@shared_task(ignore_result=True)
def requeue_jobs() -> None:
    """Every few minutes (beat): send again the jobs whose first publish was lost with the broker."""
    if count := jobs.requeue_stale():
        log.info("jobs sent again: %d", count)
