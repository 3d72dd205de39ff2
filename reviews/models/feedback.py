"""Citizens' feedback about cadres and members (phản ánh, kiến nghị, khiếu nại, tố cáo): the register.

One `FeedbackItem` per letter or spoken item, with its steps (`FeedbackStep`, never edited), its scans
(`FeedbackAttachment`, bytes kept in the database and served only through a view that applies the sight
rule) and the log of who opened it (`FeedbackView`). Deadlines are working days (phuthang.working_days)
counted from the day received, with the numbers from the `petitions.*` rules (docs/feedback.md).
Who may see an item, and who may see who denounced, is `access.feedback` and `access.sees_sender`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cells.models import Cell, Committee, Member
from phuthang import access, periods
from phuthang.history import tracked
from reviews.models.shortcomings import Shortcoming

if TYPE_CHECKING:
    from phuthang.access import User


class FeedbackQuerySet(models.QuerySet["FeedbackItem"]):
    def visible_to(self, user: User) -> FeedbackQuerySet:
        return self.filter(access.feedback(user))

    def open(self) -> FeedbackQuerySet:
        return self.exclude(status__in=FeedbackItem.CLOSED)

    def overdue(self, today: dt.date | None = None) -> FeedbackQuerySet:
        """Not told in writing by the deadline, or (a denunciation) not settled by its deadline."""
        today = today or periods.today()
        untold = Q(acknowledged_on__isnull=True, acknowledge_due_on__lt=today)
        unsettled = Q(settle_due_on__lt=today) & ~Q(status__in=FeedbackItem.CLOSED)
        return self.filter(untold | unsettled)

    def for_list(self) -> FeedbackQuerySet:
        return self.select_related("committee", "concerned_member__cell", "concerned_cell", "handler")


@tracked()
class FeedbackItem(models.Model):
    class Channel(models.TextChoices):
        RECEPTION = "reception", _("Citizen reception session")
        LETTER = "letter", _("Letter")
        VOTERS = "voters", _("Meeting with voters")
        DIALOGUE = "dialogue", _("Dialogue with the head")
        FRONT = "front", _("The Front and mass organisations")
        CELL_MEETING = "cell_meeting", _("Cell meeting")
        ONLINE = "online", _("Online")

    class Kind(models.TextChoices):
        REFLECTION = "reflection", _("Reflection")
        PROPOSAL = "proposal", _("Proposal")
        COMPLAINT = "complaint", _("Complaint")
        DENUNCIATION = "denunciation", _("Denunciation")

    class Concerns(models.TextChoices):
        MEMBER = "member", _("A party member")
        CELL = "cell", _("A cell")
        COMMITTEE = "committee", _("The party committee")
        OUTSIDE = "outside", _("Someone outside the Party")

    class Jurisdiction(models.TextChoices):
        CELL = "cell", _("The cell")
        UBKT = "ubkt", _("The ward's inspection committee")
        COMMITTEE = "committee", _("The party committee")
        HIGHER = "higher", _("Forward to a higher level")
        STATE = "state", _("A state body (under the state's laws)")

    class NotHandled(models.TextChoices):
        ANONYMOUS = "anonymous", _("Anonymous denunciation")
        IMPERSONATED = "impersonated", _("Denunciation under another person's name")
        REPEAT = "repeat", _("Repeated without new evidence")
        UNVERIFIABLE = "unverifiable", _("Content that cannot be verified")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, not classified")
        ACCEPTED = "accepted", _("Accepted, being handled")
        FORWARDED = "forwarded", _("Forwarded")
        NOT_HANDLED = "not_handled", _("Not to be handled")
        DUPLICATE = "duplicate", _("Duplicate of an earlier item")
        CONCLUDED = "concluded", _("Concluded")

    CLOSED = (Status.FORWARDED, Status.NOT_HANDLED, Status.DUPLICATE, Status.CONCLUDED)

    committee = models.ForeignKey(
        Committee, models.PROTECT, related_name="feedback_items", verbose_name=_("committee")
    )
    received_on = models.DateField(_("received on"))
    postmark_on = models.DateField(_("postmark date"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    sender_name = models.CharField(_("sender's name"), max_length=200, blank=True)
    sender_address = models.CharField(_("sender's address"), max_length=300, blank=True)
    sender_contact = models.CharField(_("sender's contact"), max_length=200, blank=True)
    content = models.TextField(_("content"))
    concerns = models.CharField(_("concerns"), max_length=20, choices=Concerns.choices)
    concerned_member = models.ForeignKey(
        Member,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback_items",
        verbose_name=_("member concerned"),
    )
    concerned_cell = models.ForeignKey(
        Cell,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback_items",
        verbose_name=_("cell concerned"),
    )
    concerned_other = models.CharField(_("person or body concerned"), max_length=300, blank=True)
    reception = models.ForeignKey(
        "reviews.ReceptionSession",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("reception session"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    jurisdiction = models.CharField(
        _("jurisdiction"), max_length=20, choices=Jurisdiction.choices, blank=True
    )
    duplicate_of = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    not_handled = models.CharField(
        _("not to be handled"), max_length=20, choices=NotHandled.choices, blank=True
    )
    classification_reason = models.TextField(_("reason"), blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    acknowledge_due_on = models.DateField(_("sender to be told by"))
    acknowledged_on = models.DateField(_("sender told on"), null=True, blank=True)
    settle_due_on = models.DateField(_("to be settled by"), null=True, blank=True)
    original_settle_due_on = models.DateField(_("first settlement deadline"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("extension (working days)"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    extended_on = models.DateField(_("extended on"), null=True, blank=True)
    notes = models.TextField(_("handling notes"), blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    finds_fault = models.BooleanField(_("the conclusion finds fault"), default=False)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    replied_on = models.DateField(_("written reply sent on"), null=True, blank=True)
    shortcoming = models.OneToOneField(
        Shortcoming,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback_item",
        verbose_name=_("shortcoming raised"),
    )
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

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("feedback item")
        verbose_name_plural = _("feedback items")
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["committee", "received_on"]),
            models.Index(fields=["status", "acknowledge_due_on"]),
            models.Index(fields=["concerned_member", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(postmark_on__isnull=True) | Q(postmark_on__lte=F("received_on")),
                name="feedback_postmark_not_after_receipt",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_on__isnull=True) | Q(acknowledged_on__gte=F("received_on")),
                name="feedback_told_after_receipt",
            ),
            models.CheckConstraint(
                condition=Q(replied_on__isnull=True) | Q(replied_on__gte=F("received_on")),
                name="feedback_reply_after_receipt",
            ),
            models.CheckConstraint(
                condition=Q(concluded_on__isnull=True) | Q(concluded_on__gte=F("received_on")),
                name="feedback_concluded_after_receipt",
            ),
            models.CheckConstraint(
                condition=~Q(concerns="member") | Q(concerned_member__isnull=False),
                name="feedback_member_named",
            ),
            models.CheckConstraint(
                condition=~Q(concerns="cell") | Q(concerned_cell__isnull=False), name="feedback_cell_named"
            ),
            models.CheckConstraint(
                condition=Q(anonymous=True) | ~Q(sender_name=""), name="feedback_sender_named_or_anonymous"
            ),
            models.CheckConstraint(
                condition=~Q(status="concluded") | (Q(concluded_on__isnull=False) & ~Q(conclusion="")),
                name="feedback_concluded_has_conclusion",
            ),
            models.CheckConstraint(
                condition=Q(extension_days__isnull=True)
                | (Q(extended_on__isnull=False) & Q(original_settle_due_on__isnull=False)),
                name="feedback_extension_recorded",
            ),
            models.CheckConstraint(
                condition=Q(shortcoming__isnull=True) | (Q(status="concluded") & Q(finds_fault=True)),
                name="feedback_shortcoming_from_fault",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.received_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:feedback", args=[self.pk])

    @property
    def is_denunciation(self) -> bool:
        return self.kind == self.Kind.DENUNCIATION

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED

    @property
    def is_extended(self) -> bool:
        return self.extension_days is not None

    @property
    def concerned_name(self) -> str:
        if self.concerns == self.Concerns.MEMBER and self.concerned_member is not None:
            return self.concerned_member.full_name
        if self.concerns == self.Concerns.CELL and self.concerned_cell is not None:
            return self.concerned_cell.name
        if self.concerns == self.Concerns.COMMITTEE:
            return self.committee.name
        return self.concerned_other

    @property
    def cell_concerned_id(self) -> int | None:
        if self.concerned_member is not None:
            return self.concerned_member.cell_id
        return self.concerned_cell_id

    def overdue_steps(self, today: dt.date | None = None) -> list[str]:
        """Which deadlines have passed unmet: "acknowledge", "settle"."""
        today = today or periods.today()
        late = []
        if self.acknowledged_on is None and self.acknowledge_due_on < today:
            late.append("acknowledge")
        if self.settle_due_on is not None and not self.is_closed and self.settle_due_on < today:
            late.append("settle")
        return late

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return bool(self.overdue_steps(today))


@tracked()
class FeedbackStep(models.Model):
    """One dated step of the handling: received, classified, told, extended, concluded, replied, a note."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        CLASSIFIED = "classified", _("Classified")
        ASSIGNED = "assigned", _("Handler assigned")
        TOLD = "told", _("Sender told in writing")
        NOTE = "note", _("Note")
        EXTENDED = "extended", _("Deadline extended")
        CONCLUDED = "concluded", _("Concluded")
        REPLIED = "replied", _("Written reply sent")
        SHORTCOMING = "shortcoming", _("Shortcoming raised")
        ATTACHED = "attached", _("Scan attached")

    item = models.ForeignKey(FeedbackItem, models.PROTECT, related_name="steps", verbose_name=_("item"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    on = models.DateField(_("date"))
    text = models.TextField(_("text"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("feedback step")
        verbose_name_plural = _("feedback steps")
        ordering = ["on", "at", "pk"]

    def __str__(self) -> str:
        return f"#{self.item_id} {self.get_kind_display()} {self.on:%Y-%m-%d}"


@tracked()
class FeedbackAttachment(models.Model):
    """A scan, its type read from its first bytes (PDF, JPEG, PNG): never from the name it came with."""

    class Type(models.TextChoices):
        PDF = "application/pdf", "PDF"
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"

    item = models.ForeignKey(FeedbackItem, models.PROTECT, related_name="attachments", verbose_name=_("item"))
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40, choices=Type.choices)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("fingerprint"), max_length=64)
    data = models.BinaryField(_("content"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="feedback_attachment_not_empty")]

    def __str__(self) -> str:
        return self.name


class FeedbackView(models.Model):
    """Who opened an item, when, and how (its page, a list, a download, an export). Only ever inserted."""

    class How(models.TextChoices):
        PAGE = "page", _("Opened its page")
        LIST = "list", _("Listed")
        ATTACHMENT = "attachment", _("Downloaded a scan")
        REPLY = "reply", _("Downloaded the written reply")
        EXPORT = "export", _("Exported")

    item = models.ForeignKey(FeedbackItem, models.PROTECT, related_name="views", verbose_name=_("item"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("who")
    )
    how = models.CharField(_("how"), max_length=20, choices=How.choices)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("view of a feedback item")
        verbose_name_plural = _("views of feedback items")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["item", "at"])]

    def __str__(self) -> str:
        return f"#{self.item_id} {self.user_id} {self.how}"


class ReceptionQuerySet(models.QuerySet["ReceptionSession"]):
    def visible_to(self, user: User) -> ReceptionQuerySet:
        return self.filter(access.reception_sessions(user))


@tracked()
class ReceptionSession(models.Model):
    """A day the head received citizens, or a dialogue between the heads and the people."""

    class Kind(models.TextChoices):
        RECEPTION = "reception", _("Citizen reception")
        DIALOGUE = "dialogue", _("Dialogue with the people")

    committee = models.ForeignKey(
        Committee, models.PROTECT, related_name="reception_sessions", verbose_name=_("committee")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.RECEPTION)
    held_on = models.DateField(_("date"))
    received_by = models.CharField(_("received by"), max_length=300)
    attendance = models.PositiveIntegerField(_("how many came"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ReceptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("reception session")
        verbose_name_plural = _("reception sessions")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on:%Y-%m-%d}"
