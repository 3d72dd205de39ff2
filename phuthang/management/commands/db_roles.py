"""`manage.py db_roles`: as the owner, create the application role if missing and grant it its privileges.

Idempotent; run after every `migrate` (migrate already does it when the two roles differ). The role is
DATABASE_URL's user, created with DATABASE_URL's password; `--role` names another (tests use it when one
URL serves both). phuthang.db_roles says what is granted; docs/security.md, "Database roles", why.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from phuthang import db_roles


class Command(BaseCommand):
    help = "Create the application's database role if missing and grant it exactly its privileges."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", help="the role to grant (default: DATABASE_URL's user)")
        parser.add_argument("--database", default="default", help="the connection to run on, as the owner")

    def handle(self, *args: Any, role: str | None, database: str, **options: Any) -> None:
        if role is None and db_roles.app_role() == db_roles.owner_role():
            self.stdout.write(
                f"DATABASE_URL and DATABASE_OWNER_URL name the same role ({db_roles.owner_role()}): "
                "nothing to separate. Set DATABASE_OWNER_URL to the owner and DATABASE_URL to the "
                "application role (docs/security.md)."
            )
            return
        password = "" if role else str(settings.DATABASE_APP["PASSWORD"] or "")
        role = role or db_roles.app_role()
        with db_roles.as_owner(database):
            try:
                done = db_roles.grant_privileges(role, using=database, password=password)
            except ImproperlyConfigured as error:
                raise CommandError(str(error)) from error
        for line in done:
            self.stdout.write(line)
