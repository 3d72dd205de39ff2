"""Reviews (kiểm điểm): the 27 manifestations, review rounds, reviews and their checklists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cells.models import Cell, Committee, Member
from phuthang import access
from phuthang.history import tracked
from reviews.models.rules import rules

if TYPE_CHECKING:
    from phuthang.access import User


@tracked()
class Manifestation(models.Model):
    """One of the 27 manifestations of degradation (NQ 04-NQ/TW), reference data editable in the admin."""

    code = models.CharField(_("code"), max_length=5, unique=True)
    group = models.CharField(_("group"), max_length=2)
    group_title = models.CharField(_("group title"), max_length=200)
    text = models.TextField(_("text"))
    short_label = models.CharField(_("short label"), max_length=200)
    gloss_en = models.TextField(_("English gloss"), blank=True)
    verified = models.BooleanField(
        _("wording confirmed"),
        default=False,
        help_text=_("Tick only after comparing the text with the official resolution."),
    )
    source_url = models.URLField(_("source"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("manifestation of degradation")
        verbose_name_plural = _("manifestations of degradation")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.short_label}"

    @property
    def label(self) -> str:
        """What pages show: the short label; the full text only once its wording is confirmed."""
        return f"{self.code}. {self.short_label}"


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    AD_HOC = "ad_hoc", _("Ad hoc")


def period_start(kind: str, year: int, quarter: int | None, on: dt.date | None = None) -> dt.date:
    """The first day of a review period; an ad-hoc review's period starts on the given day."""
    if kind == PeriodKind.QUARTER and quarter:
        return dt.date(year, 3 * (quarter - 1) + 1, 1)
    if kind == PeriodKind.AD_HOC and on is not None:
        return on
    return dt.date(year, 1, 1)


@dataclass(frozen=True)
class RatingLevel:
    code: str
    name: str
    min_points: int


@dataclass(frozen=True)
class RatingLevels:
    """The rating levels as staff have configured them (rules.yaml → Rule rows), best first."""

    levels: tuple[RatingLevel, ...]

    @classmethod
    def load(cls) -> RatingLevels:
        raw = rules("rating_levels").get("levels") or []
        levels = [
            RatingLevel(
                code=str(x["code"]), name=str(x.get("vi") or x["code"]), min_points=int(x["min_points"])
            )
            for x in raw
        ]
        return cls(tuple(sorted(levels, key=lambda x: -x.min_points)))

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(x.code, x.name) for x in self.levels]

    @property
    def top(self) -> str:
        return self.levels[0].code if self.levels else ""

    @property
    def lowest(self) -> str:
        return self.levels[-1].code if self.levels else ""

    def name(self, code: str) -> str:
        return next((x.name for x in self.levels if x.code == code), code)


class ReviewRoundQuerySet(models.QuerySet["ReviewRound"]):
    def with_progress(self, counts: RoundCellCountQuerySet) -> ReviewRoundQuerySet:
        """The rounds that have counts among `counts`, each with its `total` and `decided` summed over them.

        Reads the per-cell counts (a few thousand rows at province scale), never the reviews themselves.
        """
        mine = Q(cell_counts__in=counts)
        return self.filter(pk__in=counts.values("round_id")).annotate(
            total=Sum(
                F("cell_counts__draft")
                + F("cell_counts__self_assessed")
                + F("cell_counts__proposed")
                + F("cell_counts__decided")
                + F("cell_counts__withdrawn"),
                filter=mine,
            ),
            decided=Sum("cell_counts__decided", filter=mine),
        )


@tracked()
class ReviewRound(models.Model):
    """A review campaign started by a leader for a whole committee (e.g. year-end review 2026)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("review round", "Open")  # "Mới" fits a shortcoming, not a round
        CLOSED = "closed", _("Closed")

    committee = models.ForeignKey(
        Committee, models.PROTECT, related_name="review_rounds", verbose_name=_("committee")
    )
    title = models.CharField(_("title"), max_length=200)
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ReviewRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        ordering = ["-year", "-quarter", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="round_quarter_1_4",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reviews:round", args=[self.pk])

    @property
    def period_start(self) -> dt.date:
        return period_start(self.period_kind, self.year, self.quarter)


class RoundCellCountQuerySet(models.QuerySet["RoundCellCount"]):
    def visible_to(self, user: User) -> RoundCellCountQuerySet:
        return self.filter(access.round_cell_counts(user))


class RoundCellCount(models.Model):
    """How many reviews of one round in one cell stand at each status: what the progress pages read.

    `reviews.services.reviews` keeps it in step in the same transaction as every change of a review's
    status, so pages never count the (hundreds of thousands of) reviews of a province.
    """

    round = models.ForeignKey(
        ReviewRound, models.PROTECT, related_name="cell_counts", verbose_name=_("review round")
    )
    cell = models.ForeignKey(Cell, models.PROTECT, related_name="+", verbose_name=_("cell"))
    draft = models.PositiveIntegerField(_("draft"), default=0)
    self_assessed = models.PositiveIntegerField(_("self-assessed"), default=0)
    proposed = models.PositiveIntegerField(_("proposed"), default=0)
    decided = models.PositiveIntegerField(_("decided"), default=0)
    withdrawn = models.PositiveIntegerField(_("withdrawn"), default=0)

    objects = RoundCellCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("review counts of a cell in a round")
        verbose_name_plural = _("review counts of cells in rounds")
        constraints = [models.UniqueConstraint(fields=["round", "cell"], name="one_count_per_round_cell")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.cell_id}"

    @property
    def total(self) -> int:
        return self.draft + self.self_assessed + self.proposed + self.decided + self.withdrawn


class RoundRatingCount(models.Model):
    """How many decided reviews of one round carry each rating, for members and for cells (collective):
    what the round page's top-rating shares and the cap on the top rating read.

    Kept in step by statement-level triggers on the reviews table (reviews/counts.py), in the transaction
    of the decision or re-opening; `tests/reviews/test_review_counts.py` proves it against a recount.
    """

    round = models.ForeignKey(
        ReviewRound, models.PROTECT, related_name="rating_counts", verbose_name=_("review round")
    )
    collective = models.BooleanField(_("cell (collective)"))
    rating = models.CharField(_("decided rating"), max_length=20)
    reviews = models.IntegerField(_("reviews"), default=0)

    class Meta:
        verbose_name = _("rating counts of a round")
        verbose_name_plural = _("rating counts of rounds")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "collective", "rating"], name="one_count_per_round_rating"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.collective}/{self.rating}"


class ReviewQuerySet(models.QuerySet["Review"]):
    def visible_to(self, user: User) -> ReviewQuerySet:
        return self.filter(access.reviews(user))

    def for_list(self) -> ReviewQuerySet:
        return self.select_related("cell", "member", "round")


@tracked(bulk_inserts=True)  # a round starts with a review per member: one history statement
class Review(models.Model):
    """A review of a member, or of a cell as a collective (member empty), for one period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SELF_ASSESSED = "self_assessed", _("Self-assessed")
        PROPOSED = "proposed", _("Proposed by the cell")
        DECIDED = "decided", _("Decided")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    round = models.ForeignKey(
        ReviewRound,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("review round"),
    )
    cell = models.ForeignKey(Cell, models.PROTECT, related_name="reviews", verbose_name=_("cell"))
    meeting = models.ForeignKey(
        "reviews.Meeting",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("meeting"),
        help_text=_("The cell meeting where the review was held, if any."),
    )
    member = models.ForeignKey(
        Member,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("member"),
        help_text=_("Empty for the review of the cell as a collective."),
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    self_assessment = models.TextField(
        _("self-assessment"),
        blank=True,
        help_text=_("The single text of reviews made before the form's sections."),
    )
    # the official form's sections (issue 12); "results of fixing earlier shortcomings" is read from them
    self_strengths = models.TextField(_("strengths and results"), blank=True)
    self_shortcomings = models.TextField(_("shortcomings and their causes"), blank=True)
    self_collective = models.TextField(_("responsibility for the collective's shortcomings"), blank=True)
    self_direction = models.TextField(_("direction and measures"), blank=True)
    self_level = models.CharField(_("level proposed by the member"), max_length=20, blank=True)
    self_assessed_on_paper = models.BooleanField(_("entered from paper by the secretary"), default=False)
    criticism = models.TextField(_("comments received (criticism)"), blank=True)
    proposed_rating = models.CharField(_("proposed rating"), max_length=20, blank=True)
    decided_rating = models.CharField(_("decided rating"), max_length=20, blank=True)
    decision_reason = models.TextField(
        _("why the decided level differs from the worksheet's"),
        blank=True,
        help_text=_("Needed when the decided level is not the one the worksheet's points suggest."),
    )
    self_assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("self-assessed by"),
    )
    self_assessed_at = models.DateTimeField(_("self-assessed at"), null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reopen_reason = models.TextField(_("reason for re-opening"), blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.TextField(_("reason for withdrawing"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-year", "cell__code", "member__full_name"]
        indexes = [models.Index(fields=["round", "cell", "status"]), models.Index(fields=["member", "year"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="review_quarter_1_4",
            ),
            models.UniqueConstraint(
                fields=["round", "cell", "member"],
                condition=Q(round__isnull=False, member__isnull=False),
                name="one_review_per_member_per_round",
            ),
            models.UniqueConstraint(
                fields=["round", "cell"],
                condition=Q(round__isnull=False, member__isnull=True),
                name="one_collective_review_per_cell_per_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} — {self.period_label}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:review", args=[self.pk])

    @property
    def is_collective(self) -> bool:
        return self.member_id is None

    @property
    def subject_name(self) -> str:
        return self.member.full_name if self.member_id else self.cell.name

    @property
    def period_label(self) -> str:
        if self.period_kind == PeriodKind.QUARTER:
            return str(_("Quarter %(quarter)s/%(year)s") % {"quarter": self.quarter, "year": self.year})
        if self.period_kind == PeriodKind.AD_HOC:
            return self.title or str(self.year)
        return str(_("Year %(year)s") % {"year": self.year})

    @property
    def period_start(self) -> dt.date:
        return period_start(
            self.period_kind, self.year, self.quarter, self.created_at.date() if self.created_at else None
        )

    @property
    def has_sections(self) -> bool:
        """Written in the form's sections; reviews from before them keep their single text."""
        return any((self.self_strengths, self.self_shortcomings, self.self_collective, self.self_direction))

    @property
    def is_read_only(self) -> bool:
        return self.status in (self.Status.DECIDED, self.Status.WITHDRAWN)


@tracked()
class ReviewFinding(models.Model):
    """One line of a review's checklist: a manifestation found present (or noted) with a note."""

    review = models.ForeignKey(Review, models.PROTECT, related_name="findings", verbose_name=_("review"))
    manifestation = models.ForeignKey(
        Manifestation, models.PROTECT, related_name="+", verbose_name=_("manifestation")
    )
    present = models.BooleanField(_("present"), default=False)
    note = models.TextField(_("note"), blank=True)
    self_marked = models.BooleanField(
        _("marked by the member"),
        default=False,
        help_text=_("The member recognised it in themselves; only the cell's conclusion (present) rates."),
    )

    class Meta:
        verbose_name = _("checklist line")
        verbose_name_plural = _("checklist lines")
        ordering = ["manifestation__code"]
        constraints = [
            models.UniqueConstraint(fields=["review", "manifestation"], name="one_finding_per_manifestation"),
        ]

    def __str__(self) -> str:
        return f"{self.review_id} {self.manifestation_id} {self.present}"
