"""`manage.py restore FILE`: a `manage.py backup` file into the configured database, which must be empty."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from phuthang import backup


class Command(BaseCommand):
    help = (
        "Restore a pg_dump file into the configured database. It must hold no tables: create an empty "
        "database (createdb) and point DATABASE_URL at it; the old one stays as it was."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A file written by manage.py backup (or pg_dump --format=custom).")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        tables = connection.introspection.table_names()
        if tables:
            raise CommandError(
                f"{connection.settings_dict['NAME']} already holds {len(tables)} tables: restore into an empty "
                "database (createdb NAME, then DATABASE_URL=…/NAME)."
            )
        try:
            backup.restore(path)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored {path} into {connection.settings_dict['NAME']}")
