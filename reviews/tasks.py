"""Celery tasks: adapters that call the plain functions of reviews.services (docs/architecture.md).

Beat runs plan_reminders and send_reminders on the schedule a data migration created (editable in the
admin under Periodic tasks). The functions are idempotent and keep their state in the database, so a
task lost by the broker, or run twice, changes nothing: the next tick does the same work.
"""

from __future__ import annotations

import logging

from celery import shared_task

from reviews.services import pledges, reminders

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def plan_reminders() -> None:
    """Every 5 minutes: insert the notifications due today (nothing when there is nothing new)."""
    report = reminders.plan_due()
    if report.inserted or report.withdrawn or report.restored:
        log.info(
            "reminders planned: %d new, %d withdrawn, %d restored",
            report.inserted,
            report.withdrawn,
            report.restored,
        )


@shared_task(ignore_result=True)
def send_reminders() -> None:
    """Every minute: send the digests that are due (new ones, and retries whose backoff has passed)."""
    report = reminders.send_due()
    if report.sent or report.retrying or report.failed:
        log.info("reminders sent: %d, retrying: %d, failed: %d", report.sent, report.retrying, report.failed)


@shared_task(ignore_result=True)
def run_reminders() -> None:
    """On request (a save that changes who should be reminded, or staff's "send now"): plan, then send."""
    reminders.plan_due()
    reminders.send_due()


@shared_task(ignore_result=True)
def pledge_counts() -> None:
    """Every hour, and when a campaign opens: re-base the kept pledge counts whose day has passed."""
    if counted := pledges.rebase_counts():
        log.info("pledge counts re-based for %d campaigns", counted)
