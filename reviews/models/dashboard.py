"""What the dashboards read: one row of counts per cell and month, kept by the meeting services.

`reviews.services.dashboard.refresh` recomputes a cell's month from its meetings (never from attendance
rows) in the same transaction as every write that changes them, the pattern of `RoundCellCount`; a test
recounts every figure from the records after each kind of change (docs/dashboards.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from phuthang import access

if TYPE_CHECKING:
    from phuthang.access import User


class CellMonthQuerySet(models.QuerySet["CellMonth"]):
    def visible_to(self, user: User) -> CellMonthQuerySet:
        return self.filter(access.cell_months(user))


class CellMonth(models.Model):
    class State(models.TextChoices):
        NONE = "none", _("Not held")
        DRAFT = "draft", _("Draft")
        FINALISED = "finalised", _("Finalised")

    cell = models.ForeignKey("cells.Cell", models.PROTECT, related_name="+", verbose_name=_("cell"))
    month = models.DateField(_("month"))
    meeting = models.ForeignKey(
        "reviews.Meeting",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("regular meeting"),
    )
    state = models.CharField(_("minutes"), max_length=20, choices=State.choices, default=State.NONE)
    late = models.BooleanField(_("finalised late"), default=False)
    expected = models.PositiveIntegerField(_("expected"), default=0)
    present = models.PositiveIntegerField(_("present"), default=0)
    excused = models.PositiveIntegerField(_("excused absent"), default=0)
    unexcused = models.PositiveIntegerField(_("unexcused absent"), default=0)
    quality_met = models.BooleanField(_("meets the quality criteria"), default=False)
    thematic = models.PositiveIntegerField(_("thematic meetings finalised"), default=0)
    overseer_attended = models.BooleanField(_("the overseer attended"), default=False)
    scored = models.BooleanField(_("scored by the overseer"), default=False)
    verdict = models.CharField(_("overseer's verdict"), max_length=20, blank=True)
    # members excused at each of the cell's latest `excused_in_a_row_max + 1` regular meetings up to this
    # row's, the months without one skipped: kept by the same refresh (a write moves the later rows' too)
    long_streaks = models.PositiveIntegerField(_("members excused too many times in a row"), default=0)

    objects = CellMonthQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly counts of a cell")
        verbose_name_plural = _("monthly counts of cells")
        constraints = [
            models.UniqueConstraint(fields=["cell", "month"], name="one_count_per_cell_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="cell_month_is_first_day"),
        ]
        indexes = [
            models.Index(fields=["month", "cell"]),
            # the committee dashboard's reads of a few months of every cell in sight (docs/dashboards.md)
            models.Index(
                fields=["month", "cell"],
                include=["long_streaks"],
                condition=Q(long_streaks__gt=0, meeting__isnull=False),
                name="cell_month_long_streaks",
            ),
            models.Index(
                fields=["month", "cell"], condition=Q(overseer_attended=True), name="cell_month_overseen"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cell_id}/{self.month:%Y-%m}"

    @property
    def attendance_percent(self) -> int | None:
        return round(self.present * 100 / self.expected) if self.expected else None
