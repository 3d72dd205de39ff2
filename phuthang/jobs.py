"""Background jobs: long work (starting a round, copying oversight, large exports, imports) done by the
Celery worker, recorded as a `Job` row whose page shows a moving progress bar and ends with the result or
a clear error (docs/architecture.md, "Background jobs").

A kind is a plain function, declared once:

    @job_kind("round_start", title=_("Start a review round"))
    def round_start(job: Job, progress: Progress) -> dict[str, Any]:
        progress(0, total)            # any time: written on a connection of its own, seen at once
        ...                           # the work, inside the job's transaction
        return {"message": str(_("…")), "url": round.get_absolute_url(), "link_label": str(_("Open"))}

and started from a view or service with `jobs.start("round_start", key=..., by=user, params=...)`, which
returns the job (the one already queued or running under the same key, if any) and enqueues it when the
caller's transaction commits. The view then redirects to `job.get_absolute_url()`.

Rules every kind obeys:

- **All or nothing.** The function runs inside one transaction together with the job's final `done`
  update: if the worker dies half-way, nothing of it stays, and the task (acks_late, reject_on_worker_lost)
  is delivered again and runs it from the start. A kind too large for one transaction works in chunks that
  are each idempotent (ON CONFLICT DO NOTHING on a natural key), so a re-run skips what is already there.
- **Idempotent.** A job runs at most once at a time (a transaction-scoped advisory lock on its id) and a
  job already `done` or `failed` is never run again; but a delivery may come twice, so the function must
  not assume it is the first.
- **Parameters are plain JSON** (ids, strings, numbers); the function reads the rows again itself.
- **Errors**: a `ValidationError` (bad input found late: the round exists meanwhile) fails the job with its
  message; anything else fails it with a generic message and a log entry with the traceback.
- **A file** (an export) is stored with `store_file(job, name, content_type, data)` inside the work; its
  download link is `job_file_url(job)`, shown on the job's page.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import pghistory
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from phuthang.models import Job, JobFile

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.utils.functional import Promise

log = logging.getLogger(__name__)

# The first key of the advisory lock that keeps one job from running twice at once (the second is its id).
LOCK_SPACE = zlib.crc32(b"phuthang.jobs") & 0x7FFFFFFF
# Work of at most this many rows is done in the request (a ward's copy, a small export); more is a job.
IN_REQUEST_ROWS = 2000
# Progress is written at most this often (seconds), and always at the end of a run.
PROGRESS_EVERY = 0.5


class Progress(Protocol):
    def __call__(self, done: int, total: int | None = None) -> None: ...


Work = Callable[[Job, Progress], dict[str, Any]]


@dataclass(frozen=True)
class Kind:
    name: str
    title: Promise | str
    work: Work


KINDS: dict[str, Kind] = {}
_discovered = False


def job_kind(name: str, *, title: Promise | str) -> Callable[[Work], Work]:
    """Declare a kind of job: `name` is what `start` takes and the job row keeps; `title` what pages show."""

    def declare(work: Work) -> Work:
        KINDS[name] = Kind(name, title, work)
        return work

    return declare


def kinds() -> dict[str, Kind]:
    """Every declared kind: the `jobs` module of every installed app is imported once."""
    global _discovered
    if not _discovered:
        autodiscover_modules("jobs")
        _discovered = True
    return KINDS


def title(name: str) -> str:
    kind = kinds().get(name)
    return str(kind.title) if kind else name


# --- Starting


def start(
    kind: str,
    *,
    key: str,
    by: AbstractBaseUser,
    params: dict[str, Any] | None = None,
    committee_id: int | None = None,
) -> Job:
    """The queued or running job of `kind` under `key`, or a new one enqueued when the caller commits.

    Two people pressing the same button at once: the second insert waits for the first and then breaks
    the partial unique constraint `one_live_job_per_key`; it is answered with the first job.
    """
    if kind not in kinds():
        raise ValueError(f"unknown job kind {kind!r}")
    existing = Job.objects.live().filter(kind=kind, key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind, key=key, params=params or {}, started_by_id=by.pk, committee_id=committee_id
            )
    except IntegrityError:
        existing = Job.objects.live().filter(kind=kind, key=key).first()
        if existing is None:  # it finished in between: start again
            return start(kind, key=key, by=by, params=params, committee_id=committee_id)
        return existing
    transaction.on_commit(lambda: enqueue(job.pk), robust=True)
    return job


def enqueue(job_id: int) -> None:
    """Publish the task. A broker that does not answer leaves the job queued: `requeue_stale` (beat) sends
    it again later, and the job's page says it is waiting."""
    from phuthang import tasks  # tasks import this module

    try:
        tasks.run_job.apply_async((job_id,), retry=False)
    except Exception:
        log.warning("could not enqueue job %s; requeue_stale will send it again", job_id, exc_info=True)


def requeue_stale(older_than: float = 300) -> int:
    """Send again the jobs still queued after `older_than` seconds (a publish lost with the broker)."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than)
    ids = list(Job.objects.filter(state=Job.State.QUEUED, created_at__lt=cutoff).values_list("pk", flat=True))
    for job_id in ids:
        enqueue(job_id)
    return len(ids)


def job_file_url(job: Job) -> str:
    return reverse("job_file", args=[job.pk])


def store_file(job: Job, name: str, content_type: str, data: bytes) -> JobFile:
    """Keep the file a job made (inside the job's work: it commits with the job, or not at all)."""
    return JobFile.objects.create(job=job, name=name, content_type=content_type, data=data, size=len(data))


# --- Running (the worker's task calls `run`)


class _Progress:
    """Writes done/total on a connection of its own, in autocommit, so the page sees it while the work's
    transaction is still open. Never touches the job row from the work's own connection before the end:
    that connection's lock would make this update wait for the very transaction that is calling it."""

    def __init__(self, job: Job, side: BaseDatabaseWrapper | None) -> None:
        self.job, self.side, self.last = job, side, 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        self.job.done = done
        if total is not None:
            self.job.total = total
        now = time.monotonic()
        if self.side is None or (now - self.last < PROGRESS_EVERY and done != self.job.total):
            return
        self.last = now
        self.write(state=None)

    def write(self, *, state: str | None) -> None:
        if self.side is None:
            return
        with self.side.cursor() as cursor:
            cursor.execute(
                "UPDATE phuthang_job SET done = %s, total = %s"
                + (", state = %s, started_at = now(), attempts = attempts + 1" if state else "")
                + " WHERE id = %s AND state IN ('queued', 'running')",
                [self.job.done, self.job.total, *([state] if state else []), self.job.pk],
            )


def _side_connection() -> BaseDatabaseWrapper:
    side = connections.create_connection(DEFAULT_DB_ALIAS)  # not the request's or the task's connection
    side.settings_dict = {**connection.settings_dict}  # the very database (the test one, in tests)
    return side


def run(job_id: int) -> str:
    """Run the job once, all or nothing; answer what happened ("done", "failed", "skipped")."""
    job = Job.objects.filter(pk=job_id).select_related("started_by").first()
    if job is None or not job.is_live:
        return "skipped"  # finished already: a second delivery of the same task
    kind = kinds().get(job.kind)
    side = _side_connection()
    try:
        with translation.override("vi"), pghistory.context(user=job.started_by_id, job=job.pk):
            return _run(job, kind, side)
    finally:
        side.close()


def _run(job: Job, kind: Kind | None, side: BaseDatabaseWrapper) -> str:
    progress = _Progress(job, side)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_SPACE, job.pk])
                (locked,) = cursor.fetchone()
            if not locked:
                return "skipped"  # another worker runs it now (a redelivery while the first still works)
            job.refresh_from_db()
            if not job.is_live:
                return "skipped"
            if kind is None:
                raise ValidationError(_("This kind of job is no longer known."))
            job.done = 0
            progress.write(state=Job.State.RUNNING)
            result = {"message": "", "url": "", "link_label": "", **kind.work(job, progress)}
            Job.objects.filter(pk=job.pk).update(
                state=Job.State.DONE,
                result=result,
                done=job.total if job.total is not None else job.done,
                total=job.total,
                finished_at=timezone.now(),
            )
        return "done"
    except ValidationError as error:
        message = " ".join(error.messages)
    except Exception:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        message = _(
            "The job stopped on an unexpected error. The office has been told; please try again later."
        )
    Job.objects.filter(pk=job.pk, state__in=Job.LIVE).update(
        state=Job.State.FAILED, error=message, finished_at=timezone.now()
    )
    return "failed"
