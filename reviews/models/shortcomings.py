"""Shortcomings (hạn chế, khuyết điểm), their remediation timeline and due-date extensions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cells.models import Cell, Committee, Member
from phuthang import access, periods
from phuthang.history import tracked
from reviews.models.reviews import Manifestation, Review

if TYPE_CHECKING:
    from phuthang.access import User


def _closed_last() -> models.Case:
    """0 for items someone still has to act on, 1 for closed ones: the board's first sort key.

    The same expression heads an index (Meta.indexes), so the board reads its first page from it.
    """
    return models.Case(
        models.When(status__in=["verified", "withdrawn"], then=models.Value(1)),
        default=models.Value(0),
    )


class ShortcomingQuerySet(models.QuerySet["Shortcoming"]):
    def board_order(self) -> ShortcomingQuerySet:
        """Items someone still has to act on first (earliest due first), closed ones after them."""
        return self.order_by(_closed_last(), "due_on", "pk")

    def visible_to(self, user: User) -> ShortcomingQuerySet:
        return self.filter(access.shortcomings(user))

    def active(self) -> ShortcomingQuerySet:
        return self.filter(status__in=Shortcoming.ACTIVE)

    def overdue(self, today: dt.date | None = None) -> ShortcomingQuerySet:
        return self.active().filter(due_on__lt=today or periods.today())

    def extended(self, today: dt.date | None = None) -> ShortcomingQuerySet:
        """Given a later due date and not overdue on it."""
        return self.exclude(due_on=F("original_due_on")).exclude(pk__in=self.overdue(today).values("pk"))

    def on_time(self, today: dt.date | None = None) -> ShortcomingQuerySet:
        today = today or periods.today()
        return self.filter(due_on=F("original_due_on")).exclude(
            status__in=Shortcoming.ACTIVE, due_on__lt=today
        )

    def for_list(self) -> ShortcomingQuerySet:
        return self.select_related("cell", "subject_member", "owner", "manifestation")

    def for_board(self) -> ShortcomingQuerySet:
        """`for_list` with only what a board's row shows and its verify and reopen buttons check (never
        the plan, the notes, nor the people's and the manifestation's other columns)."""
        return self.for_list().only(
            *("source", "description", "status", "due_on", "original_due_on", "is_repeat", "version"),
            *("cell__name", "cell__committee_id", "subject_member__full_name", "owner__full_name"),
            *("manifestation__code", "manifestation__short_label"),
        )


@tracked()
class Shortcoming(models.Model):
    class Source(models.TextChoices):
        REVIEW = "review", _("Review")
        MEETING = "meeting", _("Meeting")
        INSPECTION = "inspection", _("Inspection")
        FEEDBACK = "feedback", _("Citizens' feedback")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        REPORTED_FIXED = "reported_fixed", _("Reported fixed")
        VERIFIED = "verified", _("Verified")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    ACTIVE = (Status.OPEN, Status.IN_PROGRESS)  # the owner still has work to do: these can be overdue

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    review = models.ForeignKey(
        Review, models.PROTECT, null=True, blank=True, related_name="shortcomings", verbose_name=_("review")
    )
    meeting = models.ForeignKey(
        "reviews.Meeting",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="shortcomings",
        verbose_name=_("meeting"),
    )
    cell = models.ForeignKey(Cell, models.PROTECT, related_name="shortcomings", verbose_name=_("cell"))
    subject_member = models.ForeignKey(
        Member,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="shortcomings",
        verbose_name=_("member concerned"),
        help_text=_("Empty when the shortcoming is the cell's as a collective."),
    )
    description = models.TextField(_("description"))
    manifestation = models.ForeignKey(
        Manifestation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="shortcomings",
        verbose_name=_("manifestation"),
    )
    plan = models.TextField(_("remediation plan"), blank=True)
    owner = models.ForeignKey(
        Member, models.PROTECT, related_name="owned_shortcomings", verbose_name=_("responsible for the fix")
    )
    raised_on = models.DateField(_("raised on"))
    period_start = models.DateField(
        _("period"), help_text=_("First day of the period the shortcoming belongs to.")
    )
    original_due_on = models.DateField(_("original due date"))
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    is_repeat = models.BooleanField(
        _("repeat"),
        default=False,
        help_text=_("The same subject had a shortcoming under the same manifestation in an earlier period."),
    )
    verification_note = models.TextField(_("verification note"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = ShortcomingQuerySet.as_manager()

    class Meta:
        verbose_name = _("shortcoming")
        verbose_name_plural = _("shortcomings")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["cell", "status", "due_on"]),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["subject_member", "manifestation"]),
            models.Index(fields=["owner", "status"]),
            models.Index(_closed_last(), "due_on", "id", name="shortcoming_board_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=F("raised_on")), name="shortcoming_due_after_raised"
            ),
            models.CheckConstraint(
                condition=Q(original_due_on__gte=F("raised_on")), name="shortcoming_original_due_after_raised"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject_name}: {self.description[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:shortcoming", args=[self.pk])

    @property
    def subject_name(self) -> str:
        return self.subject_member.full_name if self.subject_member_id else self.cell.name

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.is_active and self.due_on < (today or periods.today())

    @property
    def is_extended(self) -> bool:
        return self.due_on != self.original_due_on

    def timeliness(self, today: dt.date | None = None) -> str:
        if self.is_overdue(today):
            return "overdue"
        return "extended" if self.is_extended else "on_time"

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def days_overdue(self) -> int:
        return max(0, (periods.today() - self.due_on).days) if self.is_active else 0


def inspection_notes() -> Q:
    """The timeline entries holding a note of the inspection committee: a verification or a reopening."""
    St = Shortcoming.Status
    return (
        Q(kind=RemediationUpdate.Kind.STATUS)
        & ~Q(text="")
        & (
            Q(to_status=St.VERIFIED)
            | Q(from_status__in=[St.REPORTED_FIXED, St.VERIFIED], to_status=St.IN_PROGRESS)
        )
    )


@tracked()
class RemediationUpdate(models.Model):
    """One entry of a shortcoming's timeline: a progress report or a change of status. Never edited."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Recorded")
        PROGRESS = "progress", _("Progress report")
        STATUS = "status", _("Status change")
        EXTENSION = "extension", _("Due date")

    shortcoming = models.ForeignKey(
        Shortcoming, models.PROTECT, related_name="updates", verbose_name=_("shortcoming")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Shortcoming.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Shortcoming.Status.choices, blank=True)
    text = models.TextField(_("text"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    on_behalf = models.BooleanField(_("entered by the secretary for the owner"), default=False)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("remediation update")
        verbose_name_plural = _("remediation updates")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["shortcoming", "at"])]

    def __str__(self) -> str:
        at = date_format(timezone.localtime(self.at), "SHORT_DATE_FORMAT")
        return f"#{self.shortcoming_id} {self.get_kind_display()} {at}"


@tracked()
class DueDateExtension(models.Model):
    """The owner asks for a later due date; UBKT approves or refuses. The original date stays."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for UBKT")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    shortcoming = models.ForeignKey(
        Shortcoming, models.PROTECT, related_name="extensions", verbose_name=_("shortcoming")
    )
    previous_due_on = models.DateField(_("due date when asked"))
    new_due_on = models.DateField(_("new due date asked for"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    requested_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("due date extension")
        verbose_name_plural = _("due date extensions")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shortcoming"], condition=Q(status="pending"), name="one_pending_extension"
            ),
            models.CheckConstraint(
                condition=Q(new_due_on__gt=F("previous_due_on")), name="extension_is_later"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shortcoming_id}: {self.previous_due_on} → {self.new_due_on}"


class ShortcomingCountQuerySet(models.QuerySet["ShortcomingCount"]):
    def visible_to(self, user: User) -> ShortcomingCountQuerySet:
        return self.filter(access.shortcoming_counts(user))


class ShortcomingCount(models.Model):
    """How many shortcomings of one cell and year (of `period_start`) stand at each status, and how many
    of those had their due date moved: the per-cell figures beside the roll-up by committee that the UBKT
    board's counts, year list and page count read (`ShortcomingCommitteeCount`).

    Kept in step by statement-level triggers on the shortcomings table (reviews/counts.py), in the
    transaction of whatever writes them (a service, the demo, a bulk update), so the board never counts a
    province's tens of thousands of rows; `tests/reviews/test_shortcoming_counts.py` proves it against a
    recount.
    """

    cell = models.ForeignKey(Cell, models.PROTECT, related_name="+", verbose_name=_("cell"))
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=20, choices=Shortcoming.Status.choices)
    items = models.IntegerField(_("shortcomings"), default=0)
    extended = models.IntegerField(_("with the due date moved"), default=0)

    objects = ShortcomingCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("shortcoming counts of a cell")
        verbose_name_plural = _("shortcoming counts of cells")
        constraints = [
            # no CHECK (items >= 0): PostgreSQL checks the proposed row of an upsert, a negative delta,
            # before it finds the conflict; the recount test proves the counts instead
            models.UniqueConstraint(fields=["cell", "year", "status"], name="one_count_per_cell_year_status"),
        ]

    def __str__(self) -> str:
        return f"{self.cell_id}/{self.year}/{self.status}"


class ShortcomingCommitteeCountQuerySet(models.QuerySet["ShortcomingCommitteeCount"]):
    def visible_to(self, user: User) -> ShortcomingCommitteeCountQuerySet:
        return self.filter(access.shortcoming_committee_counts(user))


class ShortcomingCommitteeCount(models.Model):
    """`ShortcomingCount` rolled up by committee (the cell's), with the due date of the items still being
    worked on: what the UBKT board reads for the committees a user follows in full, so its counts, its
    overdue and its year list read a few rows per committee, never one per cell.

    `due_on` is set for the active statuses only (NULL for the rest), so overdue is the sum of the rows due
    before today. Kept by the same statement-level triggers, and by one on the cells table when a cell
    moves to another committee (reviews/counts.py); proven against a recount.
    """

    committee = models.ForeignKey(Committee, models.PROTECT, related_name="+", verbose_name=_("committee"))
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=20, choices=Shortcoming.Status.choices)
    due_on = models.DateField(_("due date"), null=True)
    items = models.IntegerField(_("shortcomings"), default=0)
    extended = models.IntegerField(_("with the due date moved"), default=0)

    objects = ShortcomingCommitteeCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("shortcoming counts of a committee")
        verbose_name_plural = _("shortcoming counts of committees")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "status", "due_on"],
                name="one_count_per_committee_year_status_due",
                nulls_distinct=False,  # the closed statuses' single row (due_on NULL) is upserted too
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee_id}/{self.year}/{self.status}/{self.due_on}"
