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
            Q(left_on__isnull=True) | Q(left_on__gt=on), Q(cell_since__isnull=True) | Q(cell_since__lte=on)
        )

    def not_exempt(self, on: dt.date | None = None) -> MemberQuerySet:
        """Members not exempt from meetings on the day: never exempted, exempted later, or back since."""
        on = on or periods.today()
        return self.exclude(exempt_since__lte=on, exempt_until__isnull=True).exclude(
            exempt_since__lte=on, exempt_until__gt=on
        )

    def probationary(self) -> MemberQuerySet:
        return self.filter(official_on__isnull=True, left_on__isnull=True, admitted_on__isnull=False)

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
    exempt_until = models.DateField(
        _("back at meetings from"), null=True, blank=True, help_text=_("The day the exemption ended.")
    )
    cell_since = models.DateField(
        _("in this cell since"), null=True, blank=True, help_text=_("Set when the member transferred in.")
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
            models.CheckConstraint(
                condition=Q(exempt_until__isnull=True)
                | Q(exempt_since__isnull=False, exempt_until__gt=models.F("exempt_since")),
                name="member_exemption_ends_after_start",
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
        on = on or periods.today()
        if self.exempt_since is None or self.exempt_since > on:
            return False
        return self.exempt_until is None or on < self.exempt_until

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


class MemberImportQuerySet(models.QuerySet["MemberImport"]):
    def visible_to(self, user: User) -> MemberImportQuerySet:
        return self.filter(access.member_imports(user))


@tracked()
class MemberImport(models.Model):
    """One uploaded member list: who, when, the file's name and hash, and what confirming it changed."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed, not imported")
        IMPORTED = "imported", _("Imported")

    committee = models.ForeignKey(
        Committee, models.PROTECT, related_name="member_imports", verbose_name=_("committee")
    )
    cell = models.ForeignKey(
        Cell,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="member_imports",
        verbose_name=_("cell"),
        help_text=_("Set when a cell secretary imports their own cell's members."),
    )
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    header_shape = models.CharField(_("header shape"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("members added"), default=0)
    updated = models.PositiveIntegerField(_("members updated"), default=0)
    unchanged = models.PositiveIntegerField(_("rows unchanged"), default=0)

    objects = MemberImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="previewed") | Q(imported_at__isnull=False), name="member_import_has_time"
            ),
            models.CheckConstraint(
                condition=Q(rows__gte=models.F("created") + models.F("updated") + models.F("unchanged")),
                name="member_import_counts_add_up",
            ),
        ]
        indexes = [models.Index(fields=["committee", "sha256"])]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("cells:import_preview", args=[self.pk])


class ImportUpload(models.Model):
    """The bytes of an uploaded file, kept apart from the tracked record of the import: the history then
    holds the file's hash, not a copy of the file per event. Never deleted by the app."""

    member_import = models.OneToOneField(
        MemberImport, models.PROTECT, related_name="upload", verbose_name=_("member import")
    )
    content = models.BinaryField(_("content"))

    class Meta:
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")

    def __str__(self) -> str:
        return str(self.member_import)


@tracked()
class ImportMapping(models.Model):
    """Which column of a file of one header shape holds which field: chosen once, used for the next file."""

    committee = models.ForeignKey(
        Committee, models.PROTECT, related_name="import_mappings", verbose_name=_("committee")
    )
    shape = models.CharField(_("header shape"), max_length=64)
    header = models.JSONField(_("header"))
    columns = models.JSONField(_("columns"), help_text=_("Field → the index of the file's column."))
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("saved by")
    )
    saved_at = models.DateTimeField(_("saved at"), auto_now=True)

    class Meta:
        verbose_name = _("import column mapping")
        verbose_name_plural = _("import column mappings")
        constraints = [
            models.UniqueConstraint(fields=["committee", "shape"], name="one_mapping_per_header_shape"),
        ]

    def __str__(self) -> str:
        return ", ".join(self.header)


class LifeEventQuerySet(models.QuerySet["LifeEvent"]):
    def visible_to(self, user: User) -> LifeEventQuerySet:
        return self.filter(access.life_events(user))


@tracked()
class LifeEvent(models.Model):
    """One step of a member's life in the Party, as recorded: the member page's timeline."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Recognised as official member")
        EXEMPT_START = "exempt_start", _("Exempted from meetings")
        EXEMPT_END = "exempt_end", _("Back at meetings")
        TRANSFER = "transfer", _("Transferred to another cell")
        TRANSFER_OUT = "transfer_out", _("Transferred out of the committee")
        DECEASED = "deceased", _("Deceased")
        REMOVED = "removed", _("Removed from the Party")

    member = models.ForeignKey(Member, models.PROTECT, related_name="life_events", verbose_name=_("member"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    on = models.DateField(_("date"))
    resolution_number = models.CharField(_("resolution number"), max_length=50, blank=True)
    resolution_date = models.DateField(_("resolution date"), null=True, blank=True)
    from_cell = models.ForeignKey(
        Cell, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from cell")
    )
    to_cell = models.ForeignKey(
        Cell, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("to cell")
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = LifeEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership event")
        verbose_name_plural = _("membership events")
        ordering = ["-on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="transfer") | Q(to_cell__isnull=False, from_cell__isnull=False),
                name="life_event_transfer_names_cells",
            ),
            models.CheckConstraint(
                condition=~Q(kind="official") | ~Q(resolution_number="") & Q(resolution_date__isnull=False),
                name="life_event_official_has_resolution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} — {self.get_kind_display()}"
