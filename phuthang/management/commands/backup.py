"""`manage.py backup [FILE]`: the whole database into one pg_dump file (docs/security.md, "Deployment")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from phuthang import backup


class Command(BaseCommand):
    help = (
        "Dump the database (pg_dump, custom format) into FILE, by default .data/backups/phuthang-<time>.dump."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="Where to write the dump.")

    def handle(self, *args: Any, file: str | None = None, **options: Any) -> None:
        if file:
            path = Path(file)
        else:
            path = (
                Path(settings.BASE_DIR)
                / ".data"
                / "backups"
                / f"phuthang-{timezone.now():%Y%m%d-%H%M%S}.dump"
            )
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            backup.dump(path)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{path} ({path.stat().st_size:,} bytes)")
