"""The 100-point worksheet of QĐ 366-QĐ/TW: criteria per target group (reference data the office edits in
the admin) and each review's scores, one column per stage (the member, the cell, the deciding level)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from phuthang.history import tracked


@tracked()
class CriteriaGroup(models.Model):
    """The criteria for one target group (e.g. members not working in the political system)."""

    title = models.CharField(_("target group"), max_length=200)
    collective = models.BooleanField(
        _("for cells (collective)"), default=False, help_text=_("Criteria for rating a cell, not a member.")
    )
    position = models.PositiveSmallIntegerField(
        _("order"), default=1, help_text=_("The first active group is the one reviews use.")
    )
    active = models.BooleanField(_("in use"), default=True)
    verified = models.BooleanField(
        _("wording confirmed"), default=False, help_text=_("Checked against the official text by the office.")
    )
    source_note = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("worksheet criteria group")
        verbose_name_plural = _("worksheet criteria groups")
        ordering = ["collective", "position", "pk"]

    def __str__(self) -> str:
        return self.title


@tracked()
class Criterion(models.Model):
    """One line of the worksheet: points up to `max_points`, or (a disqualifier) a yes / no."""

    class Section(models.TextChoices):
        GENERAL = "general", _("General criteria")
        TASKS = "tasks", _("Results of the tasks")
        DISQUALIFIER = "disqualifier", _("Disqualifiers")

    group = models.ForeignKey(
        CriteriaGroup, models.PROTECT, related_name="criteria", verbose_name=_("worksheet criteria group")
    )
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    code = models.CharField(_("code"), max_length=10)
    text = models.TextField(_("text"))
    max_points = models.PositiveSmallIntegerField(_("maximum points"), default=0)
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("worksheet criterion")
        verbose_name_plural = _("worksheet criteria")
        ordering = ["group", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "code"], name="one_criterion_per_group_code"),
            models.CheckConstraint(
                condition=Q(section="disqualifier", max_points=0)
                | (~Q(section="disqualifier") & Q(max_points__gt=0)),
                name="criterion_points_fit_section",
                violation_error_message=_("A disqualifier has no points; every other criterion has some."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"

    @property
    def is_disqualifier(self) -> bool:
        return self.section == self.Section.DISQUALIFIER


@tracked()
class WorksheetScore(models.Model):
    """One stage's score of one criterion in one review; changed only by that stage's step."""

    class Stage(models.TextChoices):
        SELF = "self", _("The member")
        CELL = "cell", _("The cell")
        DECISION = "decision", _("The deciding level")

    review = models.ForeignKey(
        "reviews.Review", models.PROTECT, related_name="scores", verbose_name=_("review")
    )
    criterion = models.ForeignKey(
        Criterion, models.PROTECT, related_name="+", verbose_name=_("worksheet criterion")
    )
    stage = models.CharField(_("scored by"), max_length=10, choices=Stage.choices)
    points = models.DecimalField(_("points"), max_digits=4, decimal_places=1, default=0)
    breached = models.BooleanField(_("disqualifier applies"), default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now=True)

    class Meta:
        verbose_name = _("worksheet score")
        verbose_name_plural = _("worksheet scores")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion", "stage"], name="one_score_per_stage_criterion"
            ),
            models.CheckConstraint(condition=Q(points__gte=0), name="score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.review_id}/{self.criterion_id}/{self.stage}: {self.points}"
