"""The reminder ledger (docs/reminders.md): what each person is reminded of, and every email sent about it.

`Notification` is one item a person is told about (a cell to oversee, late minutes, an overdue
remediation), unique by (recipient, kind, period, subject): the planner inserts with ON CONFLICT DO
NOTHING, so running it twice, or in two processes at once, adds nothing. The items are the in-app inbox.

`Digest` is the one email per (recipient, kind, period) that carries all of a person's items; it holds the
delivery state (pending → sending → sent, or failed), the retry schedule and the message as sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cells.models import Member
from phuthang import access

if TYPE_CHECKING:
    from phuthang.access import User


class Kind(models.TextChoices):
    OVERSIGHT = "oversight", _("Monthly oversight reminder")
    MINUTES_LATE = "minutes_late", _("Minutes not finalised")
    REMEDIATION = "remediation", _("Remediation due or overdue")
    OVERDUE_DIGEST = "overdue_digest", _("Weekly overdue digest")
    PROBATION_DUE = "probation_due", _("Probationary member due to become official")
    FEEDBACK_DUE = "feedback_due", _("Citizens' feedback: deadlines")
    FEEDBACK_DIGEST = "feedback_digest", _("Citizens' feedback: weekly overdue digest")
    PLEDGE_UNSIGNED = "pledge_unsigned", _("Pledge not signed by the due date")


class DigestQuerySet(models.QuerySet["Digest"]):
    def visible_to(self, user: User) -> DigestQuerySet:
        return self.filter(access.digests(user))


class Digest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        NO_ADDRESS = "no_address", _("No email address (inbox only)")
        CANCELLED = "cancelled", _("Cancelled (nothing left to remind)")

    recipient = models.ForeignKey(Member, models.PROTECT, related_name="digests", verbose_name=_("recipient"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    period = models.CharField(
        _("period"), max_length=10, help_text=_("2026-11 for a month, 2026-W47 for a week.")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("planned at"), auto_now_add=True)
    # Delivery: the Message-ID is fixed before the first attempt and reused on every retry.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # The message as last rendered for sending.
    to_address = models.CharField(_("to"), max_length=254, blank=True)
    subject_line = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(_("plain text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)

    objects = DigestQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder email")
        verbose_name_plural = _("reminder emails")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "period"], name="one_digest_per_recipient_kind_period"
            ),
        ]
        indexes = [
            # The sender's claim: pending rows due now, and expired leases.
            models.Index(
                fields=["next_attempt_at"], name="digest_pending_due", condition=Q(status="pending")
            ),
            models.Index(fields=["lease_until"], name="digest_sending_lease", condition=Q(status="sending")),
            models.Index(fields=["kind", "period", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period} → {self.recipient}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:reminder", args=[self.pk])


class NotificationQuerySet(models.QuerySet["Notification"]):
    def current(self) -> NotificationQuerySet:
        return self.filter(withdrawn_at__isnull=True)

    def unread(self) -> NotificationQuerySet:
        return self.current().filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        Member, models.PROTECT, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    period = models.CharField(_("period"), max_length=10)
    subject = models.CharField(
        _("subject"), max_length=60, help_text=_("What the item is about, e.g. cell:12 or shortcoming:40.")
    )
    digest = models.ForeignKey(Digest, models.PROTECT, related_name="items", verbose_name=_("email"))
    # The facts at planning time (cell name, meeting day, due date…): the inbox and the email show these.
    payload = models.JSONField(_("details"), default=dict)
    link = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("planned at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Set when the reason went away before the email left (an assignment moved to someone else).
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "period", "subject"], name="one_notification_per_subject"
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient"],
                name="notification_unread",
                condition=Q(read_at__isnull=True, withdrawn_at__isnull=True),
            ),
            models.Index(fields=["kind", "period"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period} {self.subject} → {self.recipient_id}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:inbox_item", args=[self.pk])


class DryRunEmail(models.Model):
    """One email of a dry run prepared by a job (`reminders_preview`, docs/reminders.md): a province's dry run
    takes longer than a request, so the worker plans it once and the preview page pages and searches these
    rows. Plain values, as the page shows them; written once with their job and never changed."""

    job = models.ForeignKey("phuthang.Job", models.CASCADE, related_name="+", verbose_name=_("job"))
    position = models.PositiveIntegerField(_("position"))  # the dry run's order: by kind, then name
    name = models.CharField(_("recipient"), max_length=200)
    cell_code = models.CharField(_("cell code"), max_length=50)
    cell_name = models.CharField(_("cell"), max_length=200)
    committee = models.ForeignKey(
        "cells.Committee", models.CASCADE, related_name="+", verbose_name=_("committee")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    period = models.CharField(_("period"), max_length=10)
    status = models.CharField(_("status"), max_length=20)  # the ledger's, or "new"
    items = models.JSONField(_("items"), default=list)  # [{"kind", "subject", "payload"}]

    class Meta:
        verbose_name = _("email of a dry run")
        verbose_name_plural = _("emails of a dry run")
        constraints = [models.UniqueConstraint(fields=["job", "position"], name="dry_run_email_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.period} → {self.name}"
