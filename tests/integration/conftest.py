"""The real machinery for integration tests: Redis as broker, `celery worker` subprocesses on the test
database, and an SMTP server on loopback that collects the mail (aiosmtpd).

The workers get the test database through DATABASE_URL (the very server and database the tests hold,
the embedded server's socket directory included), connected as the application role, as the tests are
(tests/conftest.py, docs/security.md), a queue of their own on the Redis of
CELERY_TEST_BROKER_URL (default redis://127.0.0.1:6379/15) and the loopback SMTP server's port. Tests
using them need committed rows (`transactional_db`). Nothing here ever runs a task eagerly.
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import redis
from aiosmtpd.controller import Controller
from celery import Celery
from django.conf import settings
from django.db import connection

BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
CELERY = Path(sys.executable).with_name("celery")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def broker_url() -> str:
    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {BROKER_URL} does not answer: {error}")
        pytest.skip(f"integration tests need Redis at {BROKER_URL} (set CELERY_TEST_BROKER_URL): {error}")
    return BROKER_URL


def database_url(db: dict[str, Any]) -> str:
    """The URL of the very database `db` (a connection's settings_dict) names, as settings parse it.

    The server is the one the tests use, whichever it is: a TCP host and port (CI's DATABASE_URL), or a
    socket directory, which the embedded server keeps in OPTIONS["host"] with HOST empty. Plain OPTIONS
    (sslmode, the socket directory…) go into the query string, where dj_database_url reads them back. An
    empty HOST stays empty: libpq's default socket, as for Django.
    """
    options = {key: value for key, value in db.get("OPTIONS", {}).items() if isinstance(value, str | int)}
    host = db["HOST"] or ""
    if host.startswith("/"):  # a socket directory given as HOST
        options["host"], host = host, ""
    netloc = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        netloc += ":" + quote(db["PASSWORD"], safe="")
    netloc += "@" + host + (f":{db['PORT']}" if db["PORT"] else "")
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{netloc}/{quote(db['NAME'], safe='')}{query}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- The SMTP server


@dataclass
class Received:
    to: str
    message_id: str
    subject: str


@dataclass
class MailCollector:
    """aiosmtpd handler: keeps every accepted message; can answer chosen recipients with errors."""

    received: list[Received] = field(default_factory=list)
    delay: float = 0.0  # seconds spent before accepting each message (a slow server)
    rcpt_errors: dict[str, str] = field(default_factory=dict)  # address → reply to RCPT, every time
    data_errors: dict[str, list[str]] = field(default_factory=dict)  # address → replies to DATA, in turn
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rcpt_errors:
            return self.rcpt_errors[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)  # a client that dies here never gets its message accepted
        to = envelope.rcpt_tos[0]
        with self.lock:
            queued = self.data_errors.get(to)
            if queued:
                return queued.pop(0)
            message = email.message_from_bytes(envelope.content)
            message_id = "".join(str(message["Message-ID"]).split())  # unfolded
            self.received.append(Received(to, message_id, str(message["Subject"])))
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.received)


@pytest.fixture
def smtp() -> Iterator[tuple[MailCollector, int]]:
    collector = MailCollector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield collector, port
    finally:
        controller.stop()


# --- Workers


@dataclass
class Machinery:
    broker_url: str
    queue: str
    env: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: dict[int, list[str]] = field(default_factory=dict)
    readers: dict[int, threading.Thread] = field(default_factory=dict)

    def start_worker(
        self, *, beat: bool = False, broker_url: str | None = None, include: tuple[str, ...] = ()
    ) -> subprocess.Popen:
        """A `celery worker` process (solo pool: one process, so SIGKILL stops its sending at once);
        `include` names more modules it imports (`tests.job_kinds`: the test job kinds)."""
        name = f"w{len(self.processes)}-{uuid.uuid4().hex[:6]}@%h"
        command = [str(CELERY), "-A", "phuthang", "worker", "-P", "solo", "-n", name, "-l", "INFO"]
        command += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
        for module in include:
            command += ["-I", module]
        if beat:
            command += ["-B"]
        env = {**self.env, "CELERY_BROKER_URL": broker_url or self.broker_url}
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.processes.append(process)
        lines: list[str] = []
        self.logs[process.pid] = lines
        ready = threading.Event()

        def read() -> None:
            for line in process.stdout:  # type: ignore[union-attr]
                lines.append(line)
                if " ready." in line:
                    ready.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        self.readers[process.pid] = reader
        if not ready.wait(60):
            raise AssertionError("the worker did not start:\n" + "".join(lines[-40:]))
        return process

    def log(self, process: subprocess.Popen) -> str:
        return "".join(self.logs[process.pid])

    def send(self, task: str, times: int = 1) -> None:
        """Publish tasks as beat would, to the workers' queue on the real broker."""
        app = Celery("integration-test", broker=self.broker_url)
        try:
            for _ in range(times):
                app.send_task(task, queue=self.queue)
        finally:
            app.close()

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def stop_all(self) -> None:
        for process in self.processes:
            self.stop(process)
            self.readers[process.pid].join(5)
            process.stdout.close()  # type: ignore[union-attr]


@pytest.fixture
def machinery(transactional_db: Any, broker_url: str, smtp: tuple[MailCollector, int]) -> Iterator[Machinery]:
    queue = f"ph-test-{uuid.uuid4().hex[:10]}"
    # The workers connect as the application role, as the tests do; the owner's URL names the same database.
    owner = {key: settings.DATABASE_OWNER.get(key) or "" for key in ("USER", "PASSWORD")}
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "DATABASE_OWNER_URL": database_url({**connection.settings_dict, **owner}),
        "PHUTHANG_TESTING": "1",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp[1]),
        "SITE_URL": "https://phuthang.example.vn",
        "REMINDERS_LEASE_SECONDS": "6",
        "REMINDERS_RETRY_SECONDS": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    m = Machinery(broker_url=broker_url, queue=queue, env=env)
    try:
        yield m
    finally:
        m.stop_all()  # before pytest-django flushes or drops the database they hold connections to
        for pid, lines in m.logs.items():  # shown when the test fails
            print(f"--- worker {pid} ---\n" + "".join(lines[-60:]))
        redis.Redis.from_url(broker_url).delete(queue)


def wait_until(
    condition: Callable[[], bool], timeout: float, every: float = 0.2, tick: Callable[[], Any] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    last_tick = 0.0
    while time.monotonic() < deadline:
        if condition():
            return
        if tick is not None and time.monotonic() - last_tick > 2:
            tick()
            last_tick = time.monotonic()
        time.sleep(every)
    raise AssertionError(f"not reached within {timeout} s")
