"""Monthly cell meetings (sinh hoạt chi bộ): the minutes, who attended, and the tasks decided.

Every change is kept by database triggers (django-pghistory): the event tables hold each version with the
request's user, so bulk writes and raw SQL cannot bypass the history. Rows are never deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from phuthang import access, periods
from phuthang.history import tracked

if TYPE_CHECKING:
    from phuthang.access import User


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def visible_to(self, user: User) -> MeetingQuerySet:
        return self.filter(access.meetings(user))

    def readable_by(self, user: User) -> MeetingQuerySet:
        """visible_to, and for a member their own cell's finalised minutes too."""
        return self.filter(access.finalised_minutes(user))

    def regular(self) -> MeetingQuerySet:
        return self.filter(kind=Meeting.Kind.REGULAR)

    def in_year(self, year: int) -> MeetingQuerySet:
        return self.filter(month__year=year)

    def standing(self) -> MeetingQuerySet:
        """Not withdrawn: the meetings that count (a withdrawn draft is kept only as a record)."""
        return self.exclude(status=Meeting.Status.WITHDRAWN)


VOTES_WITHIN_PRESENT = _("The votes cannot be more than the members present.")


@tracked()
class Meeting(models.Model):
    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular monthly meeting")
        THEMATIC = "thematic", _("Thematic meeting")
        EXTRAORDINARY = "extraordinary", _("Extraordinary meeting")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FINALISED = "finalised", _("Finalised")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    cell = models.ForeignKey("cells.Cell", models.PROTECT, related_name="meetings", verbose_name=_("cell"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REGULAR)
    topic = models.CharField(_("topic"), max_length=300, blank=True, help_text=_("For a thematic meeting."))
    month = models.DateField(_("month"), help_text=_("First day of the month the meeting belongs to."))
    date = models.DateField(_("date"))
    started_at = models.TimeField(_("start time"))
    ended_at = models.TimeField(_("end time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    chair = models.ForeignKey(
        "cells.Member", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("chair")
    )
    recorder = models.ForeignKey(
        "cells.Member", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("recorder")
    )
    guests = models.TextField(_("guests"), blank=True)
    overseer_attended = models.BooleanField(_("the overseer attended"), default=False)

    # The minutes, in the usual sections. The attendance announcement is generated from the rows.
    situation = models.TextField(_("news and situation"), blank=True)
    last_resolution_review = models.TextField(_("review of last month's resolution"), blank=True)
    discussion = models.TextField(
        _("discussion"), blank=True, help_text=_("Speakers and the gist of what they said.")
    )
    resolution = models.TextField(_("resolution or conclusion"), blank=True)
    votes_for = models.PositiveSmallIntegerField(_("votes for"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("votes against"), null=True, blank=True)

    # Kept equal to the attendance rows by services.meetings, in the same transaction.
    expected_count = models.PositiveSmallIntegerField(_("expected"), default=0)
    present_count = models.PositiveSmallIntegerField(_("present"), default=0)
    excused_count = models.PositiveSmallIntegerField(_("excused absent"), default=0)
    unexcused_count = models.PositiveSmallIntegerField(_("unexcused absent"), default=0)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    first_finalised_at = models.DateTimeField(_("first finalised at"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)
    # A draft started by mistake is withdrawn, never deleted: read-only, and its month free for a new one.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdraw_reason = models.TextField(_("reason for withdrawing"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "-started_at"]
        indexes = [models.Index(fields=["cell", "month"])]
        constraints = [
            models.UniqueConstraint(
                fields=["cell", "month"],
                condition=Q(kind="regular") & ~Q(status="withdrawn"),
                name="one_regular_meeting_per_cell_per_month",
                violation_error_message=_("This cell already has a regular meeting for that month."),
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="meeting_month_is_first_day"),
            models.CheckConstraint(
                condition=Q(month=TruncMonth("date")),
                name="meeting_date_in_its_month",
                violation_error_message=_("The date must fall within the meeting's month."),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="meeting_ends_after_start",
                violation_error_message=_("The meeting must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(expected_count=F("present_count") + F("excused_count") + F("unexcused_count")),
                name="meeting_counts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(votes_for__isnull=True)
                | Q(votes_against__isnull=True)
                | Q(votes_for__lte=F("present_count") - F("votes_against")),
                name="meeting_votes_within_present",
                violation_error_message=VOTES_WITHIN_PRESENT,
            ),
            models.CheckConstraint(
                condition=Q(votes_for__isnull=True) | Q(votes_for__lte=F("present_count")),
                name="meeting_votes_for_within_present",
                violation_error_message=VOTES_WITHIN_PRESENT,
            ),
            models.CheckConstraint(
                condition=Q(votes_against__isnull=True) | Q(votes_against__lte=F("present_count")),
                name="meeting_votes_against_within_present",
                violation_error_message=VOTES_WITHIN_PRESENT,
            ),
            models.CheckConstraint(
                condition=~Q(kind="thematic") | ~Q(topic=""), name="thematic_meeting_has_topic"
            ),
            models.CheckConstraint(
                condition=~Q(status="finalised")
                | Q(finalised_at__isnull=False, first_finalised_at__isnull=False, ended_at__isnull=False)
                & ~Q(resolution=""),
                name="finalised_meeting_is_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(withdrawn_at__isnull=False) & ~Q(withdraw_reason=""),
                name="withdrawn_meeting_has_reason",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.REGULAR:
            return str(
                _("%(cell)s — meeting of %(month)s")
                % {"cell": self.cell, "month": date_format(self.month, "YEAR_MONTH_FORMAT")}
            )
        return f"{self.cell} — {self.get_kind_display()} {date_format(self.date, 'SHORT_DATE_FORMAT')}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:meeting", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN

    @property
    def has_begun(self) -> bool:
        """Attendance, votes and finalising wait for this: a draft may be prepared ahead of the meeting."""
        return periods.has_come(self.date, self.started_at)

    @property
    def is_withdrawable(self) -> bool:
        """A draft never finalised: minutes that once stood as the record are reopened, not withdrawn."""
        return self.is_draft and self.first_finalised_at is None

    @property
    def attendance_share(self) -> float | None:
        return self.present_count / self.expected_count if self.expected_count else None

    @property
    def attendance_percent(self) -> int | None:
        share = self.attendance_share
        return None if share is None else round(share * 100)

    @property
    def duration_minutes(self) -> int | None:
        if self.ended_at is None:
            return None
        start = dt.datetime.combine(self.date, self.started_at)
        return int((dt.datetime.combine(self.date, self.ended_at) - start).total_seconds() // 60)

    @property
    def is_late(self) -> bool:
        """Finalised only after its month had ended (Vietnam time)."""
        if self.first_finalised_at is None:
            return False
        return timezone.localdate(self.first_finalised_at) >= periods.add_months(self.month, 1)


@tracked()
class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        EXCUSED = "excused", _("Absent with excuse")
        UNEXCUSED = "unexcused", _("Absent without excuse")

    meeting = models.ForeignKey(Meeting, models.PROTECT, related_name="attendance", verbose_name=_("meeting"))
    member = models.ForeignKey(
        "cells.Member", models.PROTECT, related_name="attendance", verbose_name=_("member")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PRESENT)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["member__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="one_attendance_per_member"),
            models.CheckConstraint(
                condition=~Q(status="excused") | ~Q(reason=""), name="excused_absence_has_reason"
            ),
        ]
        indexes = [
            # the committee dashboard's excused-absence streaks read only these rows, from the index alone
            models.Index(
                fields=["meeting", "member"], condition=Q(status="excused"), name="attendance_excused"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} — {self.get_status_display()}"


class MeetingTaskQuerySet(models.QuerySet["MeetingTask"]):
    def open(self) -> MeetingTaskQuerySet:
        return self.filter(done_on__isnull=True)


@tracked()
class MeetingTask(models.Model):
    """Who must do what by when; open until done, carried into every later meeting of the cell."""

    meeting = models.ForeignKey(Meeting, models.PROTECT, related_name="tasks", verbose_name=_("meeting"))
    assignee = models.ForeignKey(
        "cells.Member",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_tasks",
        verbose_name=_("assignee"),
        help_text=_("Empty: the whole cell."),
    )
    text = models.CharField(_("task"), max_length=500)
    due_on = models.DateField(_("due date"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_at = models.ForeignKey(
        Meeting,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks_closed",
        verbose_name=_("marked done at the meeting"),
    )

    objects = MeetingTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting task")
        verbose_name_plural = _("meeting tasks")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="meeting_task_has_text"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_done(self) -> bool:
        return self.done_on is not None


@tracked()
class MeetingAssessment(models.Model):
    """The overseer's own scoring of a meeting, kept apart from the cell's indicators."""

    class Verdict(models.TextChoices):
        MEETS = "meets", _("Meets the quality criteria")
        PARTLY = "partly", _("Partly meets them")
        FAILS = "fails", _("Does not meet them")

    meeting = models.OneToOneField(
        Meeting, models.PROTECT, related_name="assessment", verbose_name=_("meeting")
    )
    overseer = models.ForeignKey("cells.Member", models.PROTECT, related_name="+", verbose_name=_("overseer"))
    attended = models.BooleanField(_("I attended the meeting"), default=True)
    attendance_ok = models.BooleanField(_("attendance was sufficient"), default=False)
    content_ok = models.BooleanField(_("the content was prepared and relevant"), default=False)
    discussion_ok = models.BooleanField(_("members discussed and criticised openly"), default=False)
    resolution_ok = models.BooleanField(_("the resolution is concrete and feasible"), default=False)
    length_ok = models.BooleanField(_("the meeting lasted long enough"), default=False)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    note = models.TextField(_("note"), blank=True)
    scored_at = models.DateTimeField(_("scored at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("overseer's assessment")
        verbose_name_plural = _("overseer's assessments")

    def __str__(self) -> str:
        return f"{self.meeting} — {self.get_verdict_display()}"

    CRITERIA = ("attendance_ok", "content_ok", "discussion_ok", "resolution_ok", "length_ok")

    @property
    def criteria_met(self) -> int:
        return sum(1 for name in self.CRITERIA if getattr(self, name))
