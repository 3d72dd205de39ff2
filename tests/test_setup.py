"""The set-up that `make run` and `make test` rely on: the embedded PostgreSQL and the settings' refusals."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import psycopg
import pytest
from django.conf import settings

from phuthang import embedded_db

BASE_DIR = Path(settings.BASE_DIR)


def stop_postgres(data_dir: Path) -> None:
    """Fast shutdown of the server whose pid heads data_dir/postmaster.pid; wait until it is gone."""
    pid = int((data_dir / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"the embedded PostgreSQL (pid {pid}) did not stop")


def test_embedded_database_url_starts_a_server_that_answers(tmp_path, monkeypatch):
    # embedded_db points XDG_RUNTIME_DIR (pgserver's lock file) at the data's parent unless it is set.
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    data_dir = tmp_path / "pg"

    url = embedded_db.database_url(data_dir)
    try:
        assert url.startswith("postgresql://")
        with psycopg.connect(url, connect_timeout=10) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        assert int(version.split(".")[0]) >= 15
        assert (data_dir / "PG_VERSION").exists()

        # A second call (the next `manage.py` command) reuses the running server.
        assert embedded_db.database_url(data_dir) == url
    finally:
        stop_postgres(data_dir)


def test_make_stop_db_stops_the_embedded_server_while_a_client_holds_a_connection(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    data_dir = tmp_path / "pg"
    url = embedded_db.database_url(data_dir)
    pid = int((data_dir / "postmaster.pid").read_text().split()[0])
    held = psycopg.connect(url, connect_timeout=10)  # as runserver's threads and the Celery worker do
    try:
        result = subprocess.run(
            ["make", "--no-print-directory", "stop-db", f"PGDATA_DIR={data_dir}"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert not (data_dir / "postmaster.pid").exists()  # pg_ctl waits for the server to remove it
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=5)
    finally:
        held.close()
        if (data_dir / "postmaster.pid").exists():
            stop_postgres(data_dir)


def import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    """Import phuthang.settings in a fresh interpreter whose environment holds only what is given."""
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "DJANGO_SETTINGS_MODULE": "phuthang.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/phuthang_unused"  # never connected to on import


def test_settings_start_in_production_with_a_secret_key_and_postgresql():
    result = import_settings(SECRET_KEY="a-real-secret", DATABASE_URL=POSTGRES_URL)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    result = import_settings(DEBUG="0", DATABASE_URL=POSTGRES_URL)

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_settings_refuse_to_start_without_secret_key_on_a_deployment_that_leaves_debug_unset():
    # A DATABASE_URL means a deployment: DEBUG then defaults off, and the secret key is required.
    result = import_settings(DATABASE_URL=POSTGRES_URL)

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_settings_give_a_development_secret_key_when_debug_is_on():
    result = import_settings(DEBUG="1", DATABASE_URL=POSTGRES_URL)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "url", ["sqlite:///db.sqlite3", "mysql://root@127.0.0.1:3306/phuthang"], ids=["sqlite", "mysql"]
)
def test_settings_refuse_a_database_that_is_not_postgresql(url):
    result = import_settings(DEBUG="1", DATABASE_URL=url)

    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


def test_the_readme_explains_every_environment_variable_that_settings_read():
    source = (BASE_DIR / "phuthang" / "settings.py").read_text()
    read = set(re.findall(r"""\benv(?:_bool)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", source))
    readme = (BASE_DIR / "README.md").read_text()

    assert read >= {"SECRET_KEY", "DEBUG", "DATABASE_URL"}  # the pattern still finds them
    assert sorted(name for name in read if f"`{name}`" not in readme) == []
