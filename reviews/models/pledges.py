"""The yearly pledge (bản cam kết tu dưỡng, rèn luyện, phấn đấu): a campaign per committee and year, the
signed pledges and their lines (commitments and registered deeds), and the reference texts the office edits.

Who must sign is never stored: it is computed from membership on the day counted (docs/pledges.md), so a
member who joins is expected at once and one who leaves drops out of the denominator from that date. Only
what was signed is stored, exactly as shown, and never edited: a new signature supersedes it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cells.models import Committee, Member
from phuthang import access, periods
from phuthang.history import tracked

if TYPE_CHECKING:
    from phuthang.access import User


@tracked()
class PledgeText(models.Model):
    """A reference text of the pledge, loaded from reviews/data/pledge-texts.yaml; the office edits it in the
    admin and confirms its wording against the official form. A new campaign starts from the chosen one."""

    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    verified = models.BooleanField(
        _("wording confirmed"), default=False, help_text=_("Checked against the official text by the office.")
    )
    source_note = models.CharField(_("source"), max_length=300, blank=True)
    active = models.BooleanField(_("offered for new campaigns"), default=True)

    class Meta:
        verbose_name = _("reference pledge text")
        verbose_name_plural = _("reference pledge texts")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class PledgeCampaignQuerySet(models.QuerySet["PledgeCampaign"]):
    def visible_to(self, user: User) -> PledgeCampaignQuerySet:
        return self.filter(access.pledge_campaigns(user))


@tracked()
class PledgeCampaign(models.Model):
    """One committee's pledge for one year: the common text (its current version), the due date."""

    committee = models.ForeignKey(
        Committee, models.PROTECT, related_name="pledge_campaigns", verbose_name=_("committee")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    opened_on = models.DateField(_("opened on"))
    due_on = models.DateField(_("due date"))
    text = models.TextField(_("common text"), help_text=_("The text every member reads before signing."))
    text_version = models.PositiveIntegerField(_("text version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = PledgeCampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("pledge campaign")
        verbose_name_plural = _("pledge campaigns")
        ordering = ["-year", "committee__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year"],
                name="one_pledge_campaign_per_committee_year",
                violation_error_message=_("This committee already has a pledge campaign for that year."),
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("opened_on")),
                name="pledge_campaign_due_after_opened",
                violation_error_message=_("The due date cannot be before the campaign opens."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reviews:pledge_campaign", args=[self.pk])

    def counted_on(self, today: dt.date | None = None) -> dt.date:
        """The day whose membership gives who must sign: today, or the last day of a past year."""
        today = today or periods.today()
        return min(today, dt.date(self.year, 12, 31))

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return (today or periods.today()) > self.due_on


@tracked()
class PledgeCampaignText(models.Model):
    """Every version of a campaign's common text, the first included; a correction adds one, with a reason."""

    campaign = models.ForeignKey(
        PledgeCampaign, models.PROTECT, related_name="texts", verbose_name=_("campaign")
    )
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"))
    reason = models.TextField(_("reason for the correction"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("version of a pledge text")
        verbose_name_plural = _("versions of pledge texts")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="one_pledge_text_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} v{self.number}"


class PledgeQuerySet(models.QuerySet["Pledge"]):
    def visible_to(self, user: User) -> PledgeQuerySet:
        return self.filter(access.pledges(user))

    def standing(self) -> PledgeQuerySet:
        """The pledges in force: signed and not superseded."""
        return self.filter(status=Pledge.Status.SIGNED)


@tracked()
class Pledge(models.Model):
    """What one member signed, exactly as shown then, with the time: never edited, only superseded."""

    class Status(models.TextChoices):
        SIGNED = "signed", _("Signed")
        SUPERSEDED = "superseded", _("Superseded by a new signature")

    class Method(models.TextChoices):
        ONLINE = "online", _("Signed in the app")
        PAPER = "paper", _("Signed on paper, recorded by the secretary")

    campaign = models.ForeignKey(
        PledgeCampaign, models.PROTECT, related_name="pledges", verbose_name=_("campaign")
    )
    member = models.ForeignKey(Member, models.PROTECT, related_name="pledges", verbose_name=_("member"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SIGNED)
    method = models.CharField(_("how it was signed"), max_length=10, choices=Method.choices)
    text_version = models.PositiveIntegerField(_("version of the text signed"))
    text_signed = models.TextField(_("text signed"))
    signed_at = models.DateTimeField(_("recorded at"))
    paper_signed_on = models.DateField(_("date on the paper"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    supersedes = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    reason = models.TextField(_("reason for signing again"), blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    objects = PledgeQuerySet.as_manager()

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["-signed_at", "-pk"]
        indexes = [models.Index(fields=["campaign", "status", "member"])]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "member"],
                condition=Q(status="signed"),
                name="one_standing_pledge_per_member",
                violation_error_message=_("This member has already signed this pledge."),
            ),
            models.CheckConstraint(
                condition=~Q(method="paper") | Q(paper_signed_on__isnull=False),
                name="paper_pledge_has_its_date",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(reason=""), name="new_signature_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(status="signed", superseded_at__isnull=True)
                | Q(status="superseded", superseded_at__isnull=False),
                name="superseded_pledge_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.member_id}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:pledge", args=[self.pk])

    @property
    def is_standing(self) -> bool:
        return self.status == self.Status.SIGNED

    @property
    def signed_on(self) -> dt.date:
        """The day the member signed: the date on the paper, or the day of the signature in the app."""
        return self.paper_signed_on or timezone.localtime(self.signed_at).date()


@tracked()
class PledgeLine(models.Model):
    """One personal commitment or registered deed (việc làm cụ thể) of a pledge, as signed."""

    class Kind(models.TextChoices):
        COMMITMENT = "commitment", _("Personal commitment")
        DEED = "deed", _("Registered deed")

    pledge = models.ForeignKey(Pledge, models.PROTECT, related_name="lines", verbose_name=_("pledge"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(_("order"))
    text = models.TextField(_("text"))
    target = models.CharField(_("target"), max_length=300, blank=True)
    due_on = models.DateField(_("by"), null=True, blank=True)

    class Meta:
        verbose_name = _("pledge line")
        verbose_name_plural = _("pledge lines")
        ordering = ["pledge", "kind", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pledge", "kind", "position"], name="one_pledge_line_per_place"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


@tracked()
class PledgeLineOutcome(models.Model):
    """In a member's year-end review: whether one line of that year's pledge was kept, with a note."""

    class Outcome(models.TextChoices):
        KEPT = "kept", _("Kept")
        PARTLY = "partly", _("Partly kept")
        NOT_KEPT = "not_kept", _("Not kept")

    review = models.ForeignKey(
        "reviews.Review", models.PROTECT, related_name="pledge_outcomes", verbose_name=_("review")
    )
    line = models.ForeignKey(
        PledgeLine, models.PROTECT, related_name="outcomes", verbose_name=_("pledge line")
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
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
        verbose_name = _("pledge line outcome")
        verbose_name_plural = _("pledge line outcomes")
        constraints = [models.UniqueConstraint(fields=["review", "line"], name="one_outcome_per_review_line")]

    def __str__(self) -> str:
        return f"{self.review_id}/{self.line_id}: {self.outcome}"


class PledgeCellCount(models.Model):
    """Signed / expected of a campaign in one cell on the day counted, for the dashboards of a province.

    Kept by database triggers (migration 0027) in the statement that changes a member, a pledge or a cell,
    whatever the path (a service, an import, the admin, raw SQL), at the campaign's kept day; re-based to a
    new day by the `pledge_counts` task as days pass (an exemption ends by itself). A reader uses the rows
    only when they are of the day it counts on, and counts from the records otherwise (docs/pledges.md).
    """

    campaign = models.ForeignKey(PledgeCampaign, models.CASCADE, related_name="+", verbose_name=_("campaign"))
    cell = models.ForeignKey("cells.Cell", models.CASCADE, related_name="+", verbose_name=_("cell"))
    counted_on = models.DateField(_("counted on"))
    expected = models.PositiveIntegerField(_("expected"), default=0)
    signed = models.PositiveIntegerField(_("signed"), default=0)

    class Meta:
        verbose_name = _("pledges counted in a cell")
        verbose_name_plural = _("pledges counted in cells")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "cell"], name="one_pledge_count_per_campaign_cell")
        ]
        indexes = [models.Index(fields=["campaign", "counted_on"], name="pledge_count_day")]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.cell_id}: {self.signed}/{self.expected}"
