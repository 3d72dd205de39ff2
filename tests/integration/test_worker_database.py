"""The workers of the integration tests reach the very server and database the tests hold."""

from __future__ import annotations

import os
import subprocess
import sys

import dj_database_url
import pytest
from django.db import connection

from tests.integration.conftest import ROOT, database_url

SETTINGS_KEYS = ("USER", "PASSWORD", "HOST", "PORT", "NAME", "OPTIONS")


@pytest.mark.parametrize(
    "db",
    [
        # CI: DATABASE_URL names a TCP server
        {"USER": "postgres", "PASSWORD": "", "HOST": "127.0.0.1", "PORT": "5432", "NAME": "test_ci"},
        # the embedded server: its socket directory is in OPTIONS, HOST and PORT are empty
        {"USER": "postgres", "PASSWORD": "", "HOST": "", "PORT": "", "NAME": "test_postgres",
         "OPTIONS": {"host": "/home/a b/phuthang/.data/pg"}},
        # a socket directory given as HOST, a password that needs quoting, sslmode
        {"USER": "ph", "PASSWORD": "p@ss:/w?rd", "HOST": "/run/postgresql", "PORT": "5433", "NAME": "test_ph",
         "OPTIONS": {"sslmode": "disable"}},
    ],
    ids=["tcp", "embedded-socket-in-options", "socket-as-host"],
)  # fmt: skip
def test_the_workers_url_parses_back_to_the_same_connection(db):
    parsed = dj_database_url.parse(database_url(db))
    socket_dir = db.get("OPTIONS", {}).get("host") or (db["HOST"] if db["HOST"].startswith("/") else None)

    assert (parsed["USER"], parsed["PASSWORD"], parsed["NAME"]) == (db["USER"], db["PASSWORD"], db["NAME"])
    assert str(parsed["PORT"]) == db["PORT"]
    if socket_dir:
        assert parsed["OPTIONS"]["host"] == socket_dir
    else:
        assert parsed["HOST"] == db["HOST"]


def test_a_process_given_the_workers_url_opens_the_tests_own_database(db):
    # What a `celery worker` of the integration tests does: settings read DATABASE_URL, then connect.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), pg_postmaster_start_time()::text")
        ours = cursor.fetchone()
    url = database_url(connection.settings_dict)
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_OWNER_URL": url, "PHUTHANG_TESTING": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    script = (
        "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'phuthang.settings'); django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SELECT current_database(), pg_postmaster_start_time()::text'); print(*c.fetchone(), sep='|')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().split("|") == list(ours)
