"""`manage.py seed_demo`: fill an empty database with the demo ward of Phúc Thắng (docs/architecture.md, Demo data)."""

from __future__ import annotations

import random
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from cells import demo
from cells.models import Cell, Committee, Member, OversightAssignment, Position
from reviews.demo import build_cycle
from reviews.services import pledges

ACCOUNTS = [
    ("vanphong", "office staff, Django admin"),
    ("bithu", "Bí thư Đảng ủy"),
    ("phobithu", "Phó Bí thư Đảng ủy"),
    ("ubkt", "Chủ nhiệm UBKT"),
    ("ubkt2", "Ủy viên UBKT"),
    *((f"uyvien{k:02d}", "đảng ủy viên, oversees {cells}") for k in range(1, 12)),
    *((f"chibo{n:02d}", "Bí thư {cell}") for n in range(1, 23)),
    ("dangvien", "đảng viên, {cell}"),
]


class Command(BaseCommand):
    help = (
        "Build the demo ward (22 cells, 420+ members, positions, this month's oversight) in an empty "
        f"database. Every demo account's password is {demo.DEMO_PASSWORD!r}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=int, default=1, help="Multiply cells and members by N (for performance work)."
        )
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Exit quietly, successfully, when the database already holds an organisation.",
        )

    def handle(self, *args: Any, scale: int, force: bool, if_empty: bool, **options: Any) -> None:
        if scale < 1:
            raise CommandError("--scale must be 1 or more.")
        existing = {
            "committees": Committee.objects.count(),
            "cells": Cell.objects.count(),
            "members": Member.objects.count(),
        }
        if any(existing.values()):
            if if_empty:
                return
            found = ", ".join(f"{n} {what}" for what, n in existing.items())
            raise CommandError(
                f"The database already holds an organisation ({found}); seed_demo only fills an empty "
                "database and never touches existing data."
            )
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off, so this may be a production database; seed_demo refuses to run there. "
                "Pass --force if you really mean to load the demo ward into it."
            )
        taken = get_user_model().objects.filter(username__in=[u for u, _ in ACCOUNTS])
        if taken.exists():
            names = ", ".join(taken.order_by("username").values_list("username", flat=True))
            raise CommandError(
                f"These demo usernames already exist: {names}. Remove them or use another database."
            )

        started = time.monotonic()
        with transaction.atomic():
            ward = demo.build_ward(scale=scale)
            build_cycle(ward, rng=random.Random(f"cycle-{ward.seed}"))
            pledges.rebase_counts()  # the dashboards' kept pledge counts, as the hourly task would
        analyze()
        self._summary(ward, seconds=time.monotonic() - started)

    def _summary(self, ward: demo.Ward, *, seconds: float) -> None:
        current = [m for m in ward.members if m.left_on is None]
        counts = [
            ("cells", len(ward.cells)),
            ("members", len(current)),
            ("  probationary", sum(1 for m in current if m.official_on is None)),
            ("  exempt from meetings", sum(1 for m in current if m.exempt_since is not None)),
            ("members who left this year", len(ward.members) - len(current)),
            ("positions", Position.objects.count()),
            ("oversight assignments this month", OversightAssignment.objects.for_month(ward.month).count()),
        ]
        self.stdout.write(
            self.style.SUCCESS(f"Built the demo ward {ward.committee.name} in {seconds:.1f} s:")
        )
        for label, n in counts:
            self.stdout.write(f"  {label:<36} {n:>8,}")

        by_cell_pk = {c.pk: c for c in ward.cells}
        overseen: dict[int, list[str]] = {}
        for cell_pk, overseer in sorted(ward.overseers.items()):
            overseen.setdefault(overseer.pk, []).append(by_cell_pk[cell_pk].code)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Demo accounts (password: {demo.DEMO_PASSWORD}):"))
        for username, role in ACCOUNTS:
            member = ward.account_members[username]
            cell = member.cell
            role = role.format(cell=cell.name, cells=", ".join(overseen.get(member.pk, [])))
            self.stdout.write(f"  {username:<10} {member.full_name:<24} {cell.code:<6} {role}")


def analyze() -> None:
    """The planner's statistics of what was just loaded, and the visibility map: without the statistics
    (autovacuum off, or not run yet) PostgreSQL plans the pages for empty tables, and a meeting page scans
    every member; without the map no count can be answered from an index alone (the dashboard's pledge
    count reads the standing pledges' unique index). Only the tables' owner may VACUUM them: a connection of
    the owner's own, in autocommit, after the load committed (inside a test's transaction it sees nothing
    new, which is harmless)."""
    owner = connections.create_connection(DEFAULT_DB_ALIAS)
    owner.settings_dict = {
        **connection.settings_dict,
        **{key: settings.DATABASE_OWNER.get(key) or "" for key in ("USER", "PASSWORD")},
        "OPTIONS": settings.DATABASE_OWNER.get("OPTIONS") or {},
    }
    try:
        with owner.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE, TRUNCATE false)")  # never wait for a lock a test holds
    finally:
        owner.close()
