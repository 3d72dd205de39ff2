"""Backups with PostgreSQL's own tools: pg_dump's custom format out, pg_restore into an empty database.

The tools must be of the server's major version (a pg_restore older than the pg_dump that wrote the file
cannot read it): `tool()` finds them beside the server that is configured, the embedded server's in the
pgserver package, the machine's in /usr/lib/postgresql/<major>/bin, or on PATH. docs/security.md,
"Deployment", gives the recipe; `manage.py backup` and `manage.py restore` run it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connections


class BackupError(Exception):
    pass


def server_major(alias: str = "default") -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _candidates(name: str, major: int) -> list[Path]:
    found: list[Path] = []
    spec = importlib.util.find_spec("pgserver")  # not imported: only its bundled binaries are wanted
    if spec is not None and spec.origin is not None:
        found.append(Path(spec.origin).parent / "pginstall" / "bin" / name)
    found.append(Path(f"/usr/lib/postgresql/{major}/bin/{name}"))
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    return found


def _major_of(binary: Path) -> int | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    except OSError:
        return None
    match = re.search(r"\) (\d+)", out)
    return int(match.group(1)) if match else None


def tool(name: str, major: int) -> Path:
    """The `name` binary (pg_dump, pg_restore) of PostgreSQL `major`."""
    for binary in _candidates(name, major):
        if binary.exists() and _major_of(binary) == major:
            return binary
    raise BackupError(
        f"no {name} of PostgreSQL {major} found (looked in pgserver, /usr/lib/postgresql, PATH)"
    )


def conninfo(alias: str = "default", *, name: str | None = None) -> dict[str, str]:
    """libpq's keywords for the configured server (a socket folder in OPTIONS for the embedded one), as the
    owner (DATABASE_OWNER_URL): a dump must read every table and a restore create them, and the application's
    role may do neither (docs/security.md, "Database roles")."""
    params = connections[alias].get_connection_params()
    owner = settings.DATABASE_OWNER
    params = {**params, "user": owner["USER"], "password": owner.get("PASSWORD") or ""}
    info = {k: str(params[k]) for k in ("host", "port", "user", "password", "dbname") if params.get(k)}
    if name:
        info["dbname"] = name
    return info


def libpq(alias: str = "default", *, name: str | None = None) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment (the password in PGPASSWORD, never on the command line)."""
    info = conninfo(alias, name=name)
    args = [f"--{flag}={info[key]}" for key, flag in LIBPQ_FLAGS.items() if key in info]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if "password" in info:
        env["PGPASSWORD"] = info["password"]
    return args, env


LIBPQ_FLAGS = {"dbname": "dbname", "host": "host", "port": "port", "user": "username"}


def dump(path: Path, alias: str = "default") -> None:
    """The whole database (schema, history triggers, every row, history included) into `path`."""
    args, env = libpq(alias)
    pg_dump = tool("pg_dump", server_major(alias))
    _run([pg_dump, "--format=custom", "--file", str(path), *args], env)


def restore(path: Path, alias: str = "default", *, name: str | None = None) -> None:
    """`path` into the database `name` (default: the configured one), which must hold no tables: the rows
    are loaded before the triggers are created, so no history event is written twice."""
    args, env = libpq(alias, name=name)
    pg_restore = tool("pg_restore", server_major(alias))
    _run([pg_restore, "--exit-on-error", "--no-owner", "--single-transaction", *args, str(path)], env)


def _run(command: list[str | Path], env: dict[str, str]) -> None:
    result = subprocess.run([str(c) for c in command], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")
