"""`manage.py migrate`, connected as the owner (DATABASE_OWNER_URL) while it runs.

The application's own role (DATABASE_URL) may create no table and alter none: only the owner migrates.
Django's command does the work; when it has run as an owner distinct from the application role, its
post_migrate grants the application role its privileges again (phuthang.db_roles).
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import migrate

from phuthang import db_roles


class Command(migrate.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        with db_roles.as_owner(options["database"]):
            super().handle(*args, **options)
