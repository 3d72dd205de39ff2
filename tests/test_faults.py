"""Faults: PostgreSQL restarted under the app, Redis frozen, stopped and back (docs/operations.md).

Each test starts the servers it breaks: a PostgreSQL of its own (pgserver's binaries, in a temporary
folder) and a redis-server on a port of its own, never the machine's shared ones.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from django.test import Client
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from phuthang.celery import app as celery_app
from reviews.models import Digest
from reviews.services import reminders
from tests.factories import make_user
from tests.integration.conftest import broker_url, free_port, machinery, smtp, wait_until  # noqa: F401 (fixtures)
from tests.integration.test_reminders_celery import delivered, overseers

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
REDIS_SERVER = shutil.which("redis-server")


# --- A PostgreSQL of the test's own


class OwnPostgres:
    """pgserver's PostgreSQL in a temporary folder; restarted with its own pg_ctl."""

    def __init__(self) -> None:
        import pgserver  # only here: it starts nothing at import, but pulls in platformdirs
        from pgserver._commands import POSTGRES_BIN_PATH

        self.folder = Path(tempfile.mkdtemp(prefix="ph-faults-pg-"))
        self.pgdata = self.folder / "pg"
        self.pg_ctl = POSTGRES_BIN_PATH / "pg_ctl"
        self.server = pgserver.get_server(self.pgdata, cleanup_mode="delete")
        self.url = self.server.get_uri()

    def run_pg_ctl(self, *args: str) -> None:
        # The server's output goes to its log: a pipe inherited by the postmaster would never close.
        command = [str(self.pg_ctl), "-D", str(self.pgdata), "-w", "-l", str(self.pgdata / "log"), *args]
        # pgserver runs the server as a system user of its own when started by root
        user = pwd.getpwnam("pgserver").pw_uid if os.geteuid() == 0 else None
        subprocess.run(
            command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, user=user
        )

    def restart(self) -> None:
        self.run_pg_ctl("-m", "fast", "restart")

    def close(self) -> None:
        try:
            self.server.cleanup()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    try:
        yield server
    finally:
        server.close()


def production_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PHUTHANG_TESTING", "DJANGO_SETTINGS_MODULE", "DATABASE_OWNER_URL"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="faults-test-" + "k" * 50,
        CELERY_BROKER_URL="memory://",
        GUNICORN_ACCESS_LOG="",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def test_the_app_answers_again_within_seconds_after_its_postgresql_restarts(own_postgres, tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    log_file = log.open("w")
    env = production_env(
        DATABASE_URL=own_postgres.url, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2"
    )
    web = subprocess.Popen(
        [str(GUNICORN), "phuthang.wsgi", "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/healthz"
    session = requests.Session()

    def status() -> int:
        try:
            return session.get(url, timeout=5).status_code
        except requests.RequestException:
            return 0

    try:
        wait_until(lambda: status() == 200, timeout=30)
        for _ in range(20):  # every worker thread now holds a persistent connection
            assert status() == 200
        pid_before = web.pid

        own_postgres.restart()  # returns once the new server accepts connections
        back = time.monotonic()
        answers: list[tuple[float, int]] = []
        while time.monotonic() - back < 8:
            answers.append((time.monotonic() - back, status()))
            time.sleep(0.05)
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(40)
        log_file.close()
        output = log.read_text()
        print(output[-3000:])

    failed = [(round(t, 2), s) for t, s in answers if s != 200]
    recovered_after = max((t for t, s in answers if s != 200), default=0.0)
    print(
        f"after the restart: {len(answers)} requests, {len(failed)} not 200, last at {recovered_after:.2f} s"
    )
    assert web.pid == pid_before  # the same app, never restarted
    assert recovered_after < 3, f"still failing {recovered_after:.2f} s after PostgreSQL was back: {failed}"
    assert all(s == 200 for t, s in answers if t >= 3)
    assert "Traceback" not in output, output[-3000:]


# --- A Redis of the test's own


class OwnRedis:
    def __init__(self) -> None:
        if REDIS_SERVER is None:
            if os.environ.get("CI"):
                pytest.fail("redis-server is not installed")
            pytest.skip("these tests start a redis-server of their own (apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_until(self.answers, timeout=10, every=0.05)

    def answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen one must run to exit
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def freeze(self) -> None:
        """SIGSTOP: connections are accepted by the kernel and never answered, as with a swapping host."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app_broker(own_redis: OwnRedis) -> Iterator[OwnRedis]:
    """This process's Celery app (the one views publish with) on the test's own Redis."""
    from django.conf import settings

    saved = celery_app.conf.broker_url, celery_app.conf.broker_transport_options
    celery_app.conf.broker_url = own_redis.url
    celery_app.conf.broker_transport_options = {"socket_timeout": 5, "socket_connect_timeout": 2}
    assert settings.CELERY_BROKER_CONNECTION_MAX_RETRIES is None
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield own_redis
    finally:
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def post_send_now(client: Client) -> tuple[int, float, float]:
    """POST "send now"; its status, the seconds the answer took and the seconds until the enqueue ended."""
    started = time.monotonic()
    response = client.post("/reminders/run/")
    answered = time.monotonic() - started
    for thread in threading.enumerate():
        if thread.name == "enqueue-run-reminders":
            thread.join(30)
            assert not thread.is_alive(), "the enqueue thread still hangs on the broker"
    return response.status_code, answered, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_a_page_that_enqueues_answers_promptly_while_redis_is_frozen_or_down(app_broker, caplog):
    client = Client()
    client.force_login(make_user("vanphong", is_staff=True))
    assert client.get("/reminders/").status_code == 200

    app_broker.freeze()
    frozen = post_send_now(client)
    assert client.get("/reminders/").status_code == 200  # still logged in: sessions are in the database

    app_broker.stop()
    down = post_send_now(client)

    print(f"frozen Redis: answered in {frozen[1]:.3f} s, enqueue gave up after {frozen[2]:.1f} s")
    print(f"stopped Redis: answered in {down[1]:.3f} s, enqueue gave up after {down[2]:.1f} s")
    assert frozen[0] == down[0] == 302
    assert frozen[1] < 1 and down[1] < 1
    assert frozen[2] < 15 and down[2] < 10  # socket timeouts, not a thread stuck forever
    assert caplog.text.count("could not enqueue run_reminders") == 2


def test_worker_and_beat_ride_out_a_redis_outage_and_send_the_reminders_after(machinery, smtp, own_redis):  # noqa: F811
    every, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(
        name="Send reminders",
        defaults={
            "task": "reviews.tasks.send_reminders",
            "interval": every,
            "crontab": None,
            "enabled": True,
        },
    )
    worker = machinery.start_worker(beat=True, broker_url=own_redis.url)

    own_redis.stop()
    addresses = overseers(5)
    reminders.plan_due()  # due now, while the broker is away
    down_for = 12
    time.sleep(down_for)
    assert smtp[0].count() == 0
    assert worker.poll() is None  # the worker waits for Redis; it does not give up and exit

    own_redis.start()
    back = time.monotonic()
    wait_until(lambda: smtp[0].count() >= 5, timeout=40)
    delay = time.monotonic() - back
    print(f"reminders sent {delay:.1f} s after Redis came back (down {down_for} s)")

    assert delivered(smtp) == Counter(addresses)
    assert set(Digest.objects.values_list("status", flat=True)) == {"sent"}
    log = machinery.log(worker)
    assert "Cannot connect to redis" in log or "Connection to broker lost" in log, log[-3000:]
