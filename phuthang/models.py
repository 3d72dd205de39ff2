"""Project-wide rows that belong to no app's records: the one-time tokens of create forms (phuthang.submits)
and the background jobs (phuthang.jobs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from phuthang.history import tracked

if TYPE_CHECKING:
    from phuthang.access import User


class SubmitToken(models.Model):
    """A create form sent once: the token it carried, who sent it, from which page, and what it created.

    The unique token is what makes a double submit safe: a second insert of the same token waits for the
    first transaction and then fails, so only one POST creates. The row is written before the record and
    names it once it exists; it is never deleted (one small row per record created).
    """

    token = models.CharField(_("token"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("user")
    )
    form = models.CharField(_("form"), max_length=100)  # the URL name of the page, "reviews:shortcoming_new"
    content_type = models.ForeignKey(
        ContentType, models.PROTECT, null=True, related_name="+", verbose_name=_("record kind")
    )
    object_id = models.BigIntegerField(_("record"), null=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("form sent")
        verbose_name_plural = _("forms sent")
        constraints = [models.UniqueConstraint(fields=["token"], name="one_create_per_submit_token")]

    def __str__(self) -> str:
        return f"{self.form} {self.token[:8]}…"


class JobQuerySet(models.QuerySet["Job"]):
    def visible_to(self, user: User) -> JobQuerySet:
        from phuthang import access

        return self.filter(access.jobs(user))

    def live(self) -> JobQuerySet:
        return self.filter(state__in=Job.LIVE)


@tracked(exclude=("done", "total"))  # progress is not history: a moving counter would write an event a second
class Job(models.Model):
    """Long work done by the Celery worker instead of a request (phuthang.jobs, docs/architecture.md).

    The row is the job's whole state: the page reads its progress while the worker writes it. At most one
    queued or running job per (kind, key): two leaders pressing the same button get the same job. A job is
    all or nothing: its work and its `done` state commit in one transaction, so a worker that dies leaves
    it `running` with nothing applied, and the redelivered task runs it again from the start.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", pgettext_lazy("job", "Failed")

    LIVE = (State.QUEUED, State.RUNNING)

    kind = models.CharField(_("kind"), max_length=50)
    key = models.CharField(pgettext_lazy("job", "key"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    params = models.JSONField(_("parameters"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    committee = models.ForeignKey(
        "cells.Committee",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("committee"),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("job", "started by"),
    )
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(pgettext_lazy("job", "attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=Q(state__in=["queued", "running"]),
                name="one_live_job_per_key",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["queued", "running", "done", "failed"]), name="job_state_known"
            ),
            models.CheckConstraint(condition=~Q(state="failed") | ~Q(error=""), name="failed_job_says_why"),
        ]
        indexes = [models.Index(fields=["-created_at"], name="job_newest_first")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("job", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.state in self.LIVE

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.state == self.State.DONE else None
        return min(100, self.done * 100 // self.total)

    @property
    def title(self) -> str:
        from phuthang import jobs

        return jobs.title(self.kind)


class JobFile(models.Model):
    """The file a job made (an export), kept in the database beside its job: nothing on the web server's
    disk, and it goes with the backups. Written once in the job's transaction; never changed or deleted.
    """

    job = models.OneToOneField(Job, models.PROTECT, related_name="file", verbose_name=_("job"))
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    data = models.BinaryField(_("data"))
    size = models.PositiveIntegerField(_("size"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("job file")
        verbose_name_plural = _("job files")

    def __str__(self) -> str:
        return self.name
