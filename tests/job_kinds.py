"""Job kinds for the tests of phuthang.jobs only: imported by the tests and, through `celery worker -I
tests.job_kinds`, by the integration tests' workers. Never imported by the app."""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError

from phuthang import jobs
from phuthang.models import Job, SubmitToken


@jobs.job_kind("test_tokens", title="Test: make tokens")
def make_tokens(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """Insert params["n"] tokens named after the job, one every params["sleep"] seconds: a re-run that
    applied twice would leave more than n."""
    n, pause = int(job.params["n"]), float(job.params.get("sleep", 0))
    progress(0, n)
    for i in range(n):
        SubmitToken.objects.create(token=f"job{job.pk}-{i}", user_id=job.started_by_id, form="test_tokens")
        time.sleep(pause)
        progress(i + 1)
    return {"message": f"{n} tokens made.", "made": n}


@jobs.job_kind("test_invalid", title="Test: refused")
def refuse(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    SubmitToken.objects.create(token=f"job{job.pk}-refused", user_id=job.started_by_id, form="test_invalid")
    raise ValidationError("Vòng kiểm điểm này đã có.")


@jobs.job_kind("test_crash", title="Test: crash")
def crash(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    raise RuntimeError("a bug")


@jobs.job_kind("test_file", title="Test: a file")
def make_file(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    jobs.store_file(job, "bao-cao.txt", "text/plain; charset=utf-8", "Báo cáo".encode())
    return {"message": "File made."}


@jobs.job_kind("test_timeout", title="Test: statement timeout")
def statement_timeout(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """What the connection doing the work is allowed per statement."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return {"message": cursor.fetchone()[0]}
