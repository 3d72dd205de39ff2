"""A backup of the demo ward restores into a fresh database with every row and every history event.

Two throwaway databases on the configured server (the machine's PostgreSQL with DATABASE_URL set, the
embedded one without): the demo ward is migrated and seeded into the first, `manage.py backup` dumps it
with pg_dump, `manage.py restore` loads it into the second with pg_restore (the server's own version of
both), and every table is compared. Commands run in subprocesses, as an operator runs them; the test
database of pytest-django is left alone (pg_dump would not see its uncommitted rows).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

from phuthang import backup

BASE_DIR = Path(settings.BASE_DIR)

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

# One edit made inside a history context, so that an event with its "who" is among what must come back.
EDIT = """
import pghistory
from reviews.models import Shortcoming
with pghistory.context(url="/tests/backup"):
    item = Shortcoming.objects.order_by("pk").first()
    item.description += " (sửa)"
    item.save(update_fields=["description"])
"""


def url_of(name: str) -> str:
    info = backup.conninfo(name=name)
    user = quote(info.get("user", "postgres")) + (":" + quote(info["password"]) if "password" in info else "")
    host = info.get("host", "127.0.0.1")
    if host.startswith("/"):  # the embedded server's socket folder
        return f"postgresql://{user}@/{name}?host={quote(host)}"
    return f"postgresql://{user}@{host}:{info.get('port', '5432')}/{name}"


def manage(name: str, *args: str) -> str:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "DEBUG": "1",
        "DATABASE_URL": url_of(name),
        "CELERY_BROKER_URL": "memory://",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def server() -> psycopg.Connection:
    return psycopg.connect(**backup.conninfo(name="postgres"), autocommit=True)


def fingerprints(name: str) -> dict[str, tuple[int, str]]:
    """Every table of the database `name`: (row count, md5 of its rows in a fixed order)."""
    with psycopg.connect(**backup.conninfo(name=name)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        counted = {}
        for table in tables:
            row = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t"
            ).fetchone()
            assert row is not None
            counted[table] = (row[0], row[1])
        return counted


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    """Two empty databases on the configured server, dropped afterwards."""
    names = (f"phuthang_backup_source_{os.getpid()}", f"phuthang_backup_restored_{os.getpid()}")
    with server() as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    yield names
    with server() as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_demo_ward_restores_with_every_row_and_its_history(
    tmp_path: Path, databases: tuple[str, str], capsys
):
    source, restored = databases
    manage(source, "migrate", "--noinput", "-v", "0")
    manage(source, "seed_demo")
    manage(source, "shell", "--no-imports", "-c", EDIT)
    file = tmp_path / "ward.dump"

    manage(source, "backup", str(file))
    manage(restored, "restore", str(file))

    before, after = fingerprints(source), fingerprints(restored)
    assert after == before
    history = {t: n for t, (n, _) in before.items() if t.endswith("event") or t == "pghistory_context"}
    with capsys.disabled():  # the figures for the closing note
        print("\nrestored:", {t: before[t][0] for t in MAIN_TABLES}, "history:", history)
    assert all(before[t][0] > 0 for t in MAIN_TABLES)
    # the edit's context, and those of the demo's own recorded steps (feedback, imports)
    assert before["pghistory_context"][0] >= 1 and before["reviews_shortcomingevent"][0] > 0

    # A second restore into the now full database is refused, and changes nothing.
    with pytest.raises(AssertionError, match="already holds"):
        manage(restored, "restore", str(file))
    assert fingerprints(restored) == before
