"""gunicorn's settings for phuthang's `web` process (the Procfile's web line reads this file).

Every value can be changed from the environment without editing this file; docs/operations.md explains
the choices. The defaults fit a ward: a few hundred people, most on phones over mobile data.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT') or 8000}"

# Sync workers, 2 × cores + 1 (gunicorn's own advice): each holds one PostgreSQL connection per thread
# (CONN_MAX_AGE keeps it open), so workers × threads must stay well below the server's max_connections.
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
# A second thread per worker lets a worker serve a request while another waits on a slow phone's upload
# or on the database; pages are short, so more threads would only contend for the GIL.
threads = _int("GUNICORN_THREADS", 2)
worker_class = "gthread" if threads > 1 else "sync"

# A page takes tens of milliseconds; an export of the whole ward a few seconds. 30 s is a request stuck on
# something (a lock, a dead database): the worker is killed and replaced rather than kept hanging.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (a release, a restart) requests under way get this long to finish before workers are killed.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Phones on mobile data reuse their connection between page and assets.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# A worker is replaced after this many requests (with jitter so they do not all restart at once):
# bounds any slow leak in a long-running process.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# The access log and errors go to the console, where the process manager collects them.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# gunicorn's usual line, then the time the request took in ms (fields: status 9th, ms last).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)s'

# X-Forwarded-For is trusted only from the proxy in front (loopback by default).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
