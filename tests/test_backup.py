"""A backup of the demo ward restores into a fresh database with every row and every history event.

The dump and the restore run PostgreSQL's own pg_dump and pg_restore of the server's version (the
machine's with DATABASE_URL set, pgserver's on the embedded server), as `manage.py backup` and
`manage.py restore` do.
"""

from __future__ import annotations

from pathlib import Path

import pghistory
import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from phuthang import backup
from reviews.models import Shortcoming

# transaction=True: pg_dump reads committed rows only; serialized_rollback=True: the data migrations' rows
# (rules, beat's schedule) come back for the next tests after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MAIN_TABLES = [
    "auth_user",
    "cells_committee",
    "cells_cell",
    "cells_member",
    "cells_position",
    "cells_oversightassignment",
    "reviews_meeting",
    "reviews_review",
    "reviews_shortcoming",
    "reviews_digest",
    "reviews_notification",
]


def fingerprints(name: str) -> dict[str, tuple[int, str]]:
    """Every table of the database `name`: (row count, md5 of its rows in a fixed order)."""
    with psycopg.connect(**backup.conninfo(name=name)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        return {
            table: conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t"
            ).fetchone()
            for table in tables
        }


@pytest.fixture
def fresh_database():
    """An empty database on the same server, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_demo_ward_restores_with_every_row_and_its_history(tmp_path: Path, fresh_database: str, capsys):
    call_command("seed_demo", force=True)
    with pghistory.context(url="/tests/backup", user=None):  # one edit with its "who" context
        item = Shortcoming.objects.order_by("pk").first()
        item.description += " (sửa)"
        item.save(update_fields=["description"])
    file = tmp_path / "ward.dump"

    call_command("backup", str(file))
    backup.restore(file, name=fresh_database)

    before = fingerprints(connection.settings_dict["NAME"])
    after = fingerprints(fresh_database)
    assert after == before
    history = {t: n for t, (n, _) in before.items() if t.endswith("event") or t == "pghistory_context"}
    with capsys.disabled():  # the figures for the closing note
        print("\nrestored:", {t: before[t][0] for t in MAIN_TABLES}, "history:", history)
    assert all(before[t][0] > 0 for t in MAIN_TABLES)
    assert sum(history.values()) > 0 and before["pghistory_context"][0] > 0


def test_restore_refuses_a_database_that_holds_tables(tmp_path: Path):
    file = tmp_path / "empty.dump"
    file.write_bytes(b"")
    with pytest.raises(Exception, match="already holds"):
        call_command("restore", str(file))
