"""`manage.py send_reminders [--period YYYY-MM] [--dry-run]`: plan and send the reminders once (for cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.services import reminders


class Command(BaseCommand):
    help = (
        "Plan the reminders due today and send the due emails, once: what beat does every few minutes. "
        "With --period YYYY-MM, plan only the monthly reminders of that month (the oversight reminder of "
        "that month, the late-minutes reminder about that month's minutes). With --dry-run, print who "
        "would receive what, writing and sending nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help="A month, YYYY-MM.")
        parser.add_argument("--dry-run", action="store_true", help="Print, do not write or send.")

    def handle(self, *args: Any, period: str | None, dry_run: bool, **options: Any) -> None:
        if period is not None and reminders.parse_period(period) is None:
            raise CommandError(f"--period must be a month written YYYY-MM, not {period!r}.")
        if dry_run:
            digests = reminders.preview(period=period)
            for line in reminders.iter_lines(digests):
                self.stdout.write(line)
            emails = "email" if len(digests) == 1 else "emails"
            self.stdout.write(f"{len(digests)} {emails} planned; nothing written or sent (dry run).")
            return
        planned = reminders.plan_due(period=period)
        sent = reminders.send_due()
        self.stdout.write(
            f"planned: {planned.inserted} new, {planned.withdrawn} withdrawn; "
            f"sent: {sent.sent}, retrying: {sent.retrying}, failed: {sent.failed}, "
            f"no address: {sent.no_address}"
        )
