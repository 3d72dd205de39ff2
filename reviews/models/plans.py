"""Personal action plans (kế hoạch hành động cá nhân) of the members who lead a committee or a cell: items with
a target, a due date and a status; dated progress notes, kept (docs/pledges.md, "Action plans")."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cells.models import Cell, Committee, Member
from phuthang import access, periods
from phuthang.history import tracked

if TYPE_CHECKING:
    from phuthang.access import User


class ActionPlanQuerySet(models.QuerySet["ActionPlan"]):
    def visible_to(self, user: User) -> ActionPlanQuerySet:
        return self.filter(access.action_plans(user))


@tracked()
class ActionPlan(models.Model):
    member = models.ForeignKey(Member, models.PROTECT, related_name="action_plans", verbose_name=_("member"))
    year = models.PositiveSmallIntegerField(_("year"))
    committee = models.ForeignKey(
        Committee, models.PROTECT, related_name="action_plans", verbose_name=_("committee")
    )
    cell = models.ForeignKey(
        Cell,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="action_plans",
        verbose_name=_("cell led"),
        help_text=_("Empty for a plan of the committee's leadership."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ActionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal action plan")
        verbose_name_plural = _("personal action plans")
        ordering = ["-year", "member__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year"],
                name="one_action_plan_per_member_year",
                violation_error_message=_("This member already has an action plan for that year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:action_plan", args=[self.pk])


@tracked()
class ActionPlanItem(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    OPEN = (Status.PLANNED, Status.IN_PROGRESS)

    plan = models.ForeignKey(ActionPlan, models.PROTECT, related_name="items", verbose_name=_("plan"))
    position = models.PositiveSmallIntegerField(_("order"))
    text = models.TextField(_("text"))
    target = models.CharField(_("target"), max_length=300, blank=True)
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("action plan item")
        verbose_name_plural = _("action plan items")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="one_action_item_per_place"),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.status in self.OPEN and self.due_on < (today or periods.today())


@tracked()
class ActionPlanNote(models.Model):
    """A dated progress note on one item, with the status it left the item in. Never edited."""

    item = models.ForeignKey(ActionPlanItem, models.PROTECT, related_name="notes", verbose_name=_("item"))
    on = models.DateField(_("date"))
    text = models.TextField(_("progress"))
    status = models.CharField(_("status after"), max_length=20, choices=ActionPlanItem.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["item", "on", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.on}"
