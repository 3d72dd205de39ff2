"""The organisation: committees, cells, members, positions and monthly oversight assignments.

Every change is kept by database triggers (django-pghistory), so bulk updates and raw SQL leave a trace too.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from phuthang import access, periods
from phuthang.history import tracked

if TYPE_CHECKING:
    from phuthang.access import User

CARD_NUMBER = RegexValidator(r"^\d{2}\.\d{6}$", _("A party card number looks like 12.345678."))


@tracked()
class Committee(models.Model):
    class Kind(models.TextChoices):
        WARD = "ward", _("Ward Party organisation")
        GRASSROOTS = "grassroots", _("Grassroots Party organisation")

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.WARD)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="committee_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class CellQuerySet(models.QuerySet["Cell"]):
    def active(self) -> CellQuerySet:
        return self.filter(active=True)

    def visible_to(self, user: User) -> CellQuerySet:
        return self.filter(access.cells(user))


@tracked()
class Cell(models.Model):
    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential group")
        AGENCY = "agency", _("Agency")
        SCHOOL = "school", _("School")
        ENTERPRISE = "enterprise", _("Enterprise")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=30, unique=True)
    committee = models.ForeignKey(
        Committee, models.PROTECT, related_name="cells", verbose_name=_("committee")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.RESIDENTIAL)
    meeting_day = models.PositiveSmallIntegerField(
        _("usual meeting day"),
        null=True,
        blank=True,
        help_text=_("Day of the month the cell usually meets (1–28)."),
    )
    active = models.BooleanField(_("active"), default=True)

    objects = CellQuerySet.as_manager()

    class Meta:
        verbose_name = _("cell")
        verbose_name_plural = _("cells")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(meeting_day__isnull=True) | Q(meeting_day__gte=1, meeting_day__lte=28),
                name="cell_meeting_day_in_month",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cells:detail", args=[self.pk])


class MemberQuerySet(models.QuerySet["Member"]):
    def current(self, on: dt.date | None = None) -> MemberQuerySet:
        """Members who belong to their cell on the given day (admitted, not yet left)."""
        on = on or periods.today()
        return self.filter(Q(admitted_on__isnull=True) | Q(admitted_on__lte=on)).filter(
            Q(left_on__isnull=True) | Q(left_on__gt=on)
        )

    def visible_to(self, user: User) -> MemberQuerySet:
        return self.filter(access.members(user))


@tracked()
class Member(models.Model):
    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class LeftReason(models.TextChoices):
        TRANSFERRED = "transferred", _("Transferred to another organisation")
        DECEASED = "deceased", _("Deceased")
        REMOVED = "removed", _("Removed from the Party")
        WITHDREW = "withdrew", _("Withdrew")

    full_name = models.CharField(_("full name"), max_length=120)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    cell = models.ForeignKey(Cell, models.PROTECT, related_name="members", verbose_name=_("cell"))
    card_number = models.CharField(
        _("party card number"), max_length=9, null=True, blank=True, unique=True, validators=[CARD_NUMBER]
    )
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    official_on = models.DateField(
        _("official member since"), null=True, blank=True, help_text=_("Empty while probationary.")
    )
    exempt_since = models.DateField(
        _("exempt from meetings since"), null=True, blank=True, help_text=_("By resolution of the cell.")
    )
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(
        _("reason for leaving"), max_length=20, choices=LeftReason.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)  # of the details edited from a page
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="member",
        verbose_name=_("login account"),
    )

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["cell__code", "full_name"]
        indexes = [models.Index(fields=["cell", "full_name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(card_number__isnull=True) | Q(card_number__regex=r"^\d{2}\.\d{6}$"),
                name="member_card_number_format",
            ),
            models.CheckConstraint(
                condition=Q(official_on__isnull=True)
                | Q(admitted_on__isnull=True)
                | Q(official_on__gte=models.F("admitted_on")),
                name="member_official_after_admitted",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True, left_reason="") | Q(left_on__isnull=False),
                name="member_left_reason_needs_date",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("cells:member", args=[self.pk])

    @property
    def is_official(self) -> bool:
        return self.official_on is not None

    def is_exempt(self, on: dt.date | None = None) -> bool:
        return self.exempt_since is not None and self.exempt_since <= (on or periods.today())

    def status_label(self) -> str:
        if self.left_on is not None:
            return str(_("Left"))
        if self.is_exempt():
            return str(_("Exempt from meetings"))
        return str(_("Official")) if self.is_official else str(_("Probationary"))


class Role(models.TextChoices):
    # Committee roles (Đảng ủy)
    SECRETARY = "secretary", _("Party committee secretary")
    DEPUTY_SECRETARY = "deputy_secretary", _("Party committee deputy secretary")
    STANDING = "standing", _("Standing committee member")
    COMMITTEE_MEMBER = "committee_member", _("Party committee member")
    INSPECTION_CHAIR = "inspection_chair", _("Inspection committee chair")
    INSPECTION_MEMBER = "inspection_member", _("Inspection committee member")
    # Cell roles (chi bộ)
    CELL_SECRETARY = "cell_secretary", _("Cell secretary")
    CELL_DEPUTY = "cell_deputy", _("Cell deputy secretary")


COMMITTEE_ROLES = frozenset(
    {
        Role.SECRETARY,
        Role.DEPUTY_SECRETARY,
        Role.STANDING,
        Role.COMMITTEE_MEMBER,
        Role.INSPECTION_CHAIR,
        Role.INSPECTION_MEMBER,
    }
)
LEADER_ROLES = frozenset({Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.STANDING})
INSPECTION_ROLES = frozenset({Role.INSPECTION_CHAIR, Role.INSPECTION_MEMBER})
CELL_ROLES = frozenset({Role.CELL_SECRETARY, Role.CELL_DEPUTY})


class PositionQuerySet(models.QuerySet["Position"]):
    def current(self, on: dt.date | None = None) -> PositionQuerySet:
        on = on or periods.today()
        return self.filter(started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))


@tracked()
class Position(models.Model):
    member = models.ForeignKey(Member, models.PROTECT, related_name="positions", verbose_name=_("member"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    committee = models.ForeignKey(
        Committee,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="positions",
        verbose_name=_("committee"),
    )
    cell = models.ForeignKey(
        Cell, models.PROTECT, null=True, blank=True, related_name="positions", verbose_name=_("cell")
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    objects = PositionQuerySet.as_manager()

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=sorted(COMMITTEE_ROLES)) & Q(committee__isnull=False, cell__isnull=True)
                )
                | (Q(role__in=sorted(CELL_ROLES)) & Q(cell__isnull=False, committee__isnull=True)),
                name="position_unit_matches_role",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="position_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} — {self.get_role_display()} — {self.unit}"

    @property
    def unit(self) -> Committee | Cell | None:
        return self.committee or self.cell


class OversightAssignmentQuerySet(models.QuerySet["OversightAssignment"]):
    def for_month(self, month: dt.date) -> OversightAssignmentQuerySet:
        return self.filter(month=periods.month_start(month))

    def visible_to(self, user: User) -> OversightAssignmentQuerySet:
        return self.filter(access.assignments(user))


# Assignments are plans a leader may replace or clear; the delete event keeps what was planned.
@tracked(bulk_inserts=True)  # a month is copied in one statement: its history too
class OversightAssignment(models.Model):
    """A committee member (đảng ủy viên phụ trách) overseeing one cell for one month."""

    overseer = models.ForeignKey(
        Member, models.PROTECT, related_name="oversight_assignments", verbose_name=_("overseer")
    )
    cell = models.ForeignKey(
        Cell, models.PROTECT, related_name="oversight_assignments", verbose_name=_("cell")
    )
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), auto_now=True)

    objects = OversightAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("oversight assignment")
        verbose_name_plural = _("oversight assignments")
        ordering = ["-month", "cell__code"]
        constraints = [
            models.UniqueConstraint(fields=["cell", "month"], name="one_overseer_per_cell_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="oversight_month_is_first_day"),
        ]
        indexes = [models.Index(fields=["overseer", "month"])]

    def __str__(self) -> str:
        return f"{self.overseer} → {self.cell} ({date_format(self.month, 'YEAR_MONTH_FORMAT')})"
