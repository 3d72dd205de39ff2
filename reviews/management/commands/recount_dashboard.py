"""Rebuild the dashboards' monthly counts from the meetings (after a restore or a bulk import)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reviews.services.dashboard import recount_all


class Command(BaseCommand):
    help = "Rebuild the monthly counts per cell (CellMonth) from the meetings."

    def handle(self, *args: Any, **options: Any) -> None:
        written = recount_all()
        self.stdout.write(f"{written} cell-month rows recounted")
