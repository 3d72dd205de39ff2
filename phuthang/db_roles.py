"""Two database roles: the owner runs migrations, the application connects as a role that owns nothing.

The owner (DATABASE_OWNER_URL) owns every table, sequence and function, so only it may alter, disable or
drop a trigger, replace a trigger function, or truncate. The application role (DATABASE_URL) gets, from
`grant_privileges` (the `db_roles` command, run after every migrate):

- SELECT, INSERT, UPDATE on every table of the schema, and USAGE on its sequences;
- DELETE only on the tables of DELETABLE_TABLES;
- SELECT and INSERT only on the history (every pghistory event table and pghistory_context): an event,
  once written, can be neither rewritten nor removed, nor the "who" of its context;
- SELECT only on django_migrations.

docs/security.md ("Database roles") is the whole design.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import sql

# The tables whose rows the application may delete, each for its reason. Every other table keeps its rows
# for good: records are never hard-deleted (docs/rules.md), and the database refuses the application a
# DELETE there. A table named here that does not exist (yet) is skipped.
DELETABLE_TABLES = {
    # Sessions: logging out deletes the session; `clearsessions` removes the expired ones.
    "django_session": "a session ends",
    # The links of Django's many-to-many fields: taking a user out of a group, or a permission off a group
    # or a user, in the admin deletes the link row (the user and the group stay).
    "auth_user_groups": "a user leaves a group",
    "auth_user_user_permissions": "a permission is taken off a user",
    "auth_group_permissions": "a permission is taken off a group",
    # A group is a bundle of permissions the admin may delete (its links go with it), not a record.
    "auth_group": "a group of permissions is deleted in the admin",
    # A month's oversight assignment is a plan: clearing a cell's overseer deletes it (cells.services);
    # its delete trigger records the row in the history first.
    "cells_oversightassignment": "an oversight plan is cleared",
    # A member no longer in the cell on the (moved) meeting date loses their attendance row
    # (reviews.services.meetings); its delete trigger records the row in the history first.
    "reviews_attendance": "a member's attendance row goes when they were not in the cell that day",
    # A prepared dry run of the reminders is a computed copy, not a record: preparing it again replaces it.
    "reviews_dryrunemail": "a dry run of the reminders is prepared again",
}

# Tables the application reads only: the migrations' ledger is the owner's to write.
READ_ONLY_TABLES = {"django_migrations"}

# Connection settings that say who connects and where; NAME stays the connection's own (a test database).
_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


def history_tables() -> set[str]:
    """pghistory_context and the table of every event model pghistory tracks."""
    import pghistory.models  # here: this module is imported by phuthang.apps, before the models load

    tables = {pghistory.models.Context._meta.db_table}
    for model in apps.get_models():
        if issubclass(model, pghistory.models.Event) and model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    return tables


def app_role() -> str:
    """The role the application connects as: DATABASE_URL's user."""
    return str(settings.DATABASE_APP["USER"])


def owner_role() -> str:
    return str(settings.DATABASE_OWNER["USER"])


def connect_as_owner(connection: BaseDatabaseWrapper) -> dict[str, Any]:
    """Point the connection at the owner's credentials (it reconnects on next use); return what it had."""
    saved = {key: connection.settings_dict.get(key) for key in _CREDENTIALS}
    owner = {
        key: settings.DATABASE_OWNER.get(key) or ({} if key == "OPTIONS" else "") for key in _CREDENTIALS
    }
    if owner != saved:
        connection.close()
        connection.settings_dict.update(owner)
    return saved


@contextlib.contextmanager
def as_owner(using: str = "default") -> Iterator[BaseDatabaseWrapper]:
    """The connection `using`, connected as the owner inside the block and as before after it."""
    connection = connections[using]
    saved = connect_as_owner(connection)
    try:
        yield connection
    finally:
        if {key: connection.settings_dict.get(key) for key in _CREDENTIALS} != saved:
            connection.close()
            connection.settings_dict.update(saved)


def grant_privileges(role: str, *, using: str = "default", password: str = "") -> list[str]:
    """Create `role` if missing and give it exactly the application's privileges; return what was done.

    Run as the owner. Idempotent: every privilege on the schema's tables and sequences is revoked and
    granted again in one transaction, so a table that became history since the last run loses its UPDATE.
    """
    connection = connections[using]
    done: list[str] = []
    with transaction.atomic(using=using), connection.cursor() as cursor:

        def run(statement: sql.Composable) -> None:
            cursor.execute(statement.as_string(connection.connection))

        cursor.execute("SELECT current_user, current_schema()")
        owner, schema = cursor.fetchone()
        if role == owner:
            raise ImproperlyConfigured(
                f"The application role {role!r} is the owner: set DATABASE_URL to a role that owns nothing "
                "and DATABASE_OWNER_URL to the owner (docs/security.md)."
            )
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
            "FROM pg_roles WHERE rolname = %s",
            [role],
        )
        found = cursor.fetchone()
        role_name = sql.Identifier(role)
        if found is None:
            # Two test runs may create it at once: the second finds it made.
            run(
                sql.SQL(
                    "DO $$ BEGIN CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION "
                    "NOBYPASSRLS; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
                ).format(role_name)
            )
            if password:
                run(sql.SQL("ALTER ROLE {} PASSWORD {}").format(role_name, sql.Literal(password)))
            done.append(f"created role {role}")
        elif any(found):
            raise ImproperlyConfigured(
                f"The application role {role!r} may not be a superuser, create roles or databases, "
                "replicate or bypass row security."
            )
        cursor.execute(
            """
            SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relowner = %s::regrole AND c.relkind IN ('r', 'p', 'v', 'S')
            ORDER BY c.relname
            """,
            [schema, owner],
        )
        relations = cursor.fetchall()
        history = history_tables()
        run(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), role_name))
        counts = {"read-write": 0, "deletable": 0, "history": 0, "read-only": 0, "sequences": 0}
        for name, kind in relations:
            relation = sql.Identifier(schema, name)
            if kind == "S":
                run(sql.SQL("REVOKE ALL ON SEQUENCE {} FROM {}").format(relation, role_name))
                run(sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(relation, role_name))
                counts["sequences"] += 1
                continue
            if name in history:
                privileges, group = "SELECT, INSERT", "history"
            elif name in READ_ONLY_TABLES or kind == "v":
                privileges, group = "SELECT", "read-only"
            elif name in DELETABLE_TABLES:
                privileges, group = "SELECT, INSERT, UPDATE, DELETE", "deletable"
            else:
                privileges, group = "SELECT, INSERT, UPDATE", "read-write"
            run(sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(relation, role_name))
            run(sql.SQL("GRANT {} ON TABLE {} TO {}").format(sql.SQL(privileges), relation, role_name))
            counts[group] += 1
    done.append(
        f"granted {role} on {schema}: "
        + ", ".join(f"{count} {group}" for group, count in counts.items())
        + f" (owner {owner})"
    )
    return done


def grant_after_migrate(using: str = "default", plan: Any = None, **kwargs: Any) -> None:
    """post_migrate: when this migrate ran as an owner distinct from the application role, grant again."""
    if plan is None:
        return  # sent by `flush`, which empties tables and makes none
    if owner_role() == app_role():
        return  # one role for both (DATABASE_OWNER_URL unset): nothing to separate
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT current_user")
        (current,) = cursor.fetchone()
    if current != app_role():
        grant_privileges(app_role(), using=using, password=str(settings.DATABASE_APP["PASSWORD"] or ""))
