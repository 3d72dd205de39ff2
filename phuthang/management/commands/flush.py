"""`manage.py flush`, connected as the owner (DATABASE_OWNER_URL) while it runs.

Emptying every table takes TRUNCATE, which the application role (DATABASE_URL) is refused
(docs/security.md, "Database roles"). The test suite's transactional tests flush through this command.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from phuthang import db_roles


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with db_roles.as_owner(options["database"]):
            super().handle(**options)
