"""`manage.py bench_import --rows 5000`: time a member list import of N rows, then undo it.

In one transaction it builds a committee of 20 cells and a login, writes an N-row CSV of new members (the
template's columns, Vietnamese names), then times the three steps a file goes through: the upload (read and
kept), the preview (read and planned again, as the preview page does) and the import (`import_members`, the
function the background job runs), and a second preview of the same file (every row unchanged). It prints
the figures and rolls everything back, so it may run against a development database.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from cells import importing, services
from cells.models import Cell, Committee, Member
from phuthang import xlsx

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
GIVEN = ["Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Minh Đức", "Thu Hà", "Quốc Hùng", "Thị Lan"]
CELLS = 20


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the upload, preview and import of an N-row member list, then roll it all back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=5000)
        parser.add_argument(
            "--xlsx", action="store_true", help="an XLSX file (the template's layout), not CSV"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                self._bench(options["rows"], as_xlsx=options["xlsx"])
                raise Rollback
        except Rollback:
            self.stdout.write("rolled back: nothing kept")

    def _bench(self, n: int, *, as_xlsx: bool) -> None:
        stamp = f"{time.time_ns() % 10**9}"
        committee = Committee.objects.create(name=f"Đảng bộ đo {stamp}", code=f"BENCH{stamp}")
        cells = [
            Cell(committee=committee, name=f"Chi bộ đo {i}", code=f"B{stamp}-{i:02d}") for i in range(CELLS)
        ]
        Cell.objects.bulk_create(cells)
        user = get_user_model().objects.create(username=f"bench{stamp}", is_staff=True)
        rows = [
            [
                f"{FAMILY[i % len(FAMILY)]} {GIVEN[i % len(GIVEN)]} {i}",
                "Nam" if i % 2 else "Nữ",
                dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28),
                f"90.{i:06d}",
                cells[i % CELLS].code,
                dt.date(2010, 1, 1),
                dt.date(2011, 1, 1),
                f"09{i:08d}",
                "",
            ]
            for i in range(n)
        ]
        if as_xlsx:
            content = xlsx.write_xlsx(
                sheet_name="bench", title="bench", filters="", columns=importing.template_columns(), rows=rows
            )
        else:
            header = ",".join(str(title) for _key, title, _required in importing.COLUMNS)
            lines = [header] + [
                ",".join(v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else v for v in row) for row in rows
            ]
            content = ("\n".join(lines) + "\n").encode()
        scope = importing.Scope(committee=committee)
        before = Member.objects.count()

        started = time.perf_counter()
        upload = services.upload_member_list(scope=scope, file_name="bench.csv", content=content, by=user)
        uploaded = time.perf_counter()
        _table, plan = services.plan_import(upload)
        planned = time.perf_counter()
        assert plan is not None and plan.ok, [r.problems for r in plan.problems[:3]] if plan else "no plan"
        done = services.import_members(upload, by=user)
        imported = time.perf_counter()
        _table, again = services.plan_import(upload)
        replanned = time.perf_counter()
        assert again is not None and again.count(importing.UNCHANGED) == n

        kind = "XLSX" if as_xlsx else "CSV"
        self.stdout.write(f"rows: {n} ({len(content) / 1024:.0f} KiB {kind}); members added: {done.created}")
        self.stdout.write(f"upload (read, kept):        {uploaded - started:7.2f} s")
        self.stdout.write(f"preview (read, plan):       {planned - uploaded:7.2f} s")
        self.stdout.write(f"import (plan, write, history): {imported - planned:7.2f} s")
        self.stdout.write(f"preview again (unchanged):  {replanned - imported:7.2f} s")
        self.stdout.write(f"upload + preview + import:  {imported - started:7.2f} s")
        assert Member.objects.count() == before + n
