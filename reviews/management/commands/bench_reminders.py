"""`manage.py bench_reminders`: time the planner and the sender at province scale, with loopback SMTP.

Run it against a database of its own (it refuses one that already holds cells):

    createdb ph_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ph_bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ph_bench python manage.py bench_reminders --assignments 5000

It bulk-builds committees, cells and committee members with this month's oversight assignments, starts an
aiosmtpd server on 127.0.0.1 that accepts everything, then times one planner run, a second (idempotent)
planner run and one sender run in this process, and prints the figures.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cells.models import Cell, Committee, Member, OversightAssignment, Position, Role
from phuthang import periods
from reviews.models import Digest, Notification, Rule
from reviews.services import reminders

CELLS_PER_COMMITTEE = 20


class Command(BaseCommand):
    help = (
        "Time the reminder planner and sender on N oversight assignments, sending to a loopback SMTP server."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--assignments", type=int, default=5000)
        parser.add_argument("--cells-per-overseer", type=int, default=2)

    def handle(self, *args: Any, assignments: int, cells_per_overseer: int, **options: Any) -> None:
        if Cell.objects.exists():
            raise CommandError("bench_reminders builds its own organisation: give it an empty database.")
        started = time.monotonic()
        self._build(assignments, cells_per_overseer)
        self.stdout.write(f"built {assignments} assignments in {time.monotonic() - started:.1f} s")

        # Imported here: aiosmtpd is a test dependency, absent where only the app is installed.
        from aiosmtpd.controller import Controller

        class Accept:
            count = 0

            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                Accept.count += 1
                return "250 OK"

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(Accept(), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
            settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
            settings.EMAIL_USE_TLS = False

            started = time.monotonic()
            planned = reminders.plan_due()
            plan_seconds = time.monotonic() - started
            started = time.monotonic()
            again = reminders.plan_due()
            replan_seconds = time.monotonic() - started
            started = time.monotonic()
            sent = reminders.send_due()
            send_seconds = time.monotonic() - started
        finally:
            controller.stop()
        self.stdout.write(
            f"planner: {planned.inserted} notifications, {Digest.objects.count()} digests in {plan_seconds:.1f} s\n"
            f"planner again: {again.inserted} new in {replan_seconds:.1f} s\n"
            f"sender: {sent.sent} emails sent ({Accept.count} received by SMTP), {sent.retrying} retrying, "
            f"{sent.failed} failed in {send_seconds:.1f} s ({sent.sent / max(send_seconds, 0.001):.0f}/s)\n"
            f"planner + sender: {plan_seconds + send_seconds:.1f} s; "
            f"{Notification.objects.count()} notifications in the ledger"
        )

    @transaction.atomic
    def _build(self, assignments: int, per_overseer: int) -> None:
        month = periods.month_start()
        Rule.objects.update_or_create(
            key="reminders.oversight.effective_from", defaults={"value": "2020-01-01"}
        )
        n_committees = -(-assignments // CELLS_PER_COMMITTEE)
        committees = Committee.objects.bulk_create(
            [Committee(name=f"Đảng bộ phường {k:04d}", code=f"BENCH{k:04d}") for k in range(n_committees)]
        )
        cells = Cell.objects.bulk_create(
            [
                Cell(
                    name=f"Chi bộ {k:05d}",
                    code=f"BC{k:05d}",
                    committee=committees[k // CELLS_PER_COMMITTEE],
                    meeting_day=1 + k % 28,
                )
                for k in range(assignments)
            ]
        )
        overseers = Member.objects.bulk_create(
            [
                Member(
                    full_name=f"Ủy viên {k:05d}",
                    gender=Member.Gender.MALE,
                    cell=cells[k * per_overseer],
                    admitted_on=dt.date(2000, 1, 1),
                    official_on=dt.date(2001, 1, 1),
                    email=f"uyvien{k:05d}@bench.example.org",
                )
                for k in range(-(-assignments // per_overseer))
            ],
            batch_size=2000,
        )
        Position.objects.bulk_create(
            [
                Position(
                    member=m,
                    role=Role.COMMITTEE_MEMBER,
                    committee_id=m.cell.committee_id,
                    started_on=dt.date(2020, 1, 1),
                )
                for m in overseers
            ],
            batch_size=2000,
        )
        OversightAssignment.objects.bulk_create(
            [
                OversightAssignment(overseer=overseers[k // per_overseer], cell=cell, month=month)
                for k, cell in enumerate(cells)
            ],
            batch_size=2000,
        )
