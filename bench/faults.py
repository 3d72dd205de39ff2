"""The fault run: the load test (bench/load.sh) with PostgreSQL restarted and Redis stopped under it.

    LOAD_PGDATA=/tmp/loadpg LOAD_PG_USER=postgres LOAD_REDIS_PORT=6390 \\
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/phuthang_load .venv/bin/python bench/faults.py

Only against servers of one's own: it restarts the PostgreSQL whose data folder is LOAD_PGDATA (with that
cluster's pg_ctl, as LOAD_PG_USER) and shuts down and restarts the redis-server on LOAD_REDIS_PORT. A
Celery worker with beat runs beside gunicorn, sending to an SMTP sink on loopback. Timeline (seconds from
the start of the load): PostgreSQL restarted at 60; Redis stopped at 120 and started again at 240; the
demo ward's pending reminder emails fall due at 150, while Redis is away; the load ends at 300. Printed:
the failed requests around each fault, how long after PostgreSQL was back errors stopped, and how long
after Redis came back the reminders were sent.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
OUT = Path(os.environ.get("LOAD_OUT", ROOT / "bench" / "out" / "faults"))
PGDATA = os.environ["LOAD_PGDATA"]
PG_USER = os.environ.get("LOAD_PG_USER", "postgres")
PG_CTL = os.environ.get("LOAD_PG_CTL", "/usr/lib/postgresql/15/bin/pg_ctl")
REDIS_PORT = int(os.environ.get("LOAD_REDIS_PORT", "6390"))
SMTP_PORT = int(os.environ.get("LOAD_SMTP_PORT", "8026"))
BROKER = f"redis://127.0.0.1:{REDIS_PORT}/0"


def manage_shell(code: str) -> str:
    env = {**os.environ, "DEBUG": "1", "CELERY_BROKER_URL": BROKER}
    return subprocess.run(
        [str(VENV / "python"), "manage.py", "shell", "--no-imports", "-v", "0", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def pg_ctl(*args: str) -> None:
    subprocess.run(["runuser", "-u", PG_USER, "--", PG_CTL, "-D", PGDATA, "-w", *args], check=True)


def redis_start() -> None:
    subprocess.run(
        [
            "redis-server",
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--logfile",
            str(OUT / "redis.log"),
        ],
        check=True,
    )


def redis_stop() -> None:
    subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], check=False)


def at(start: float, second: float) -> None:
    time.sleep(max(0.0, start + second - time.time()))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], check=True, capture_output=True)
    # The demo ward's planned emails wait until the outage; the planner is kept from adding others.
    manage_shell(
        "from django.utils import timezone; import datetime as dt; from reviews.models import Digest;"
        "Digest.objects.update(status='pending', sent_at=None, attempts=0,"
        " next_attempt_at=timezone.now() + dt.timedelta(days=1))"
    )
    smtp = subprocess.Popen(
        [
            str(VENV / "python"),
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{SMTP_PORT}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
    )
    worker_env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "faults-run-" + "k" * 50,
        "CELERY_BROKER_URL": BROKER,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(SMTP_PORT),
    }
    worker_env.pop("PHUTHANG_TESTING", None)
    with open(OUT / "worker.log", "w") as worker_log:
        worker = subprocess.Popen(
            [str(VENV / "celery"), "-A", "phuthang", "worker", "-B", "--concurrency", "1", "-l", "INFO"],
            cwd=ROOT,
            env=worker_env,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        load_env = {
            **os.environ,
            "CELERY_BROKER_URL": BROKER,
            "LOAD_OUT": str(OUT),
            "LOAD_TIMELINE": str(OUT / "timeline.csv"),
            "LOAD_DURATION": "5m",
        }
        load = subprocess.Popen(
            ["bash", str(ROOT / "bench" / "load.sh")],
            cwd=ROOT,
            env=load_env,
            stdout=(OUT / "load.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        while not (OUT / "timeline.csv").exists():
            time.sleep(0.2)
        start = time.time()

        at(start, 60)
        pg_restart_begun = time.time()
        pg_ctl("-m", "fast", "restart", "-l", str(Path(PGDATA) / "restart.log"))
        pg_back = time.time()

        at(start, 120)
        manage_shell(
            "from django.utils import timezone; import datetime as dt; from reviews.models import Digest;"
            "Digest.objects.update(next_attempt_at=timezone.now() + dt.timedelta(seconds=30))"
        )
        redis_stop()
        redis_down = time.time()

        at(start, 240)
        redis_start()
        redis_back = time.time()

        load.wait()
        deadline = time.time() + 180
        sent = ""
        while time.time() < deadline:
            sent = manage_shell(
                "from reviews.models import Digest; d = Digest.objects;"
                "print(d.count(), d.filter(status='sent').count(),"
                " max((x.timestamp() for x in d.filter(status='sent').values_list('sent_at', flat=True)), default=0),"
                " min((x.timestamp() for x in d.filter(status='sent').values_list('sent_at', flat=True)), default=0))"
            )
            total, done, _last, _first = sent.split()
            if total == done:
                break
            time.sleep(5)
        worker.terminate()
        worker.wait(30)
    smtp.terminate()
    smtp.wait(10)

    with (OUT / "timeline.csv").open() as f:
        rows = list(csv.DictReader(f))
    failed = [
        (float(r["time"]), r["page"], r["status"]) for r in rows if not r["status"].startswith(("2", "3"))
    ]
    print(f"requests {len(rows)}, failed {len(failed)} (load exit {load.returncode})")
    pg_failures = [f for f in failed if pg_restart_begun - 1 <= f[0] <= pg_back + 60]
    print(f"PostgreSQL restart took {pg_back - pg_restart_begun:.2f} s (pg_ctl -m fast restart -w)")
    print(f"failed requests around it: {len(pg_failures)}, statuses {sorted({f[2] for f in pg_failures})}")
    if pg_failures:
        print(f"last failure {max(f[0] for f in pg_failures) - pg_back:+.2f} s after the server was back")
    redis_failures = [f for f in failed if redis_down <= f[0] <= redis_back + 30]
    in_redis = [r for r in rows if redis_down <= float(r["time"]) <= redis_back]
    print(
        f"Redis down {redis_back - redis_down:.0f} s: {len(in_redis)} requests, {len(redis_failures)} failed"
    )
    total, done, last, first = sent.split()
    print(
        f"reminder emails: {done} of {total} sent; first {float(first) - redis_back:.1f} s, "
        f"last {float(last) - redis_back:.1f} s after Redis was back (due {redis_back - redis_down - 30:.0f} s before it)"
    )
    print(
        f"logged out during the run: {sum(1 for r in rows if r['page'] == 'log in') - int(os.environ.get('LOAD_USERS', 50))} extra logins"
    )


if __name__ == "__main__":
    sys.exit(main())
