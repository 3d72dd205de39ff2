from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cells.models import Cell, Committee, Member, MemberImport, OversightAssignment, Position
from phuthang import periods

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class KeepRecords:
    """Records are never deleted: a member leaves (left on), a cell closes (active), a position ends."""

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


class PositionInline(KeepRecords, admin.TabularInline):
    model = Position
    extra = 0
    autocomplete_fields = ["committee", "cell"]


@admin.register(Committee)
class CommitteeAdmin(KeepRecords, admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(Cell)
class CellAdmin(KeepRecords, admin.ModelAdmin):
    list_display = ["name", "code", "committee", "kind", "meeting_day", "active"]
    list_filter = ["kind", "active", "committee"]
    search_fields = ["name", "code"]
    list_select_related = ["committee"]


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, StrPromise]]:
        return [
            ("official", _("Official")),
            ("probationary", _("Probationary")),
            ("exempt", _("Exempt from meetings")),
            ("left", _("Left")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Member]) -> QuerySet[Member]:
        match self.value():
            case "official":
                return queryset.filter(official_on__isnull=False, left_on__isnull=True)
            case "probationary":
                return queryset.filter(official_on__isnull=True, left_on__isnull=True)
            case "exempt":
                return queryset.filter(exempt_since__isnull=False, left_on__isnull=True)
            case "left":
                return queryset.filter(left_on__isnull=False)
        return queryset


@admin.register(Member)
class MemberAdmin(KeepRecords, admin.ModelAdmin):
    list_display = [
        "full_name",
        "cell",
        "card_number",
        "gender",
        "admitted_on",
        "official_on",
        "phone",
        "email",
    ]
    list_filter = [StatusFilter, "gender", "cell__committee", "cell"]
    search_fields = ["full_name", "card_number", "phone", "email"]
    list_select_related = ["cell"]
    autocomplete_fields = ["cell", "user"]
    inlines = [PositionInline]


@admin.register(Position)
class PositionAdmin(KeepRecords, admin.ModelAdmin):
    list_display = ["member", "role", "committee", "cell", "started_on", "ended_on"]
    list_filter = ["role", "committee"]
    search_fields = ["member__full_name"]
    list_select_related = ["member", "committee", "cell"]
    autocomplete_fields = ["member", "committee", "cell"]


@admin.register(OversightAssignment)
class OversightAssignmentAdmin(KeepRecords, admin.ModelAdmin):
    """A past month's assignment is the record of who oversaw the cell: read-only. Plans for this month
    and later are replaced or cleared on the oversight page, which keeps their history."""

    list_display = ["month", "cell", "overseer", "assigned_by"]
    list_filter = ["month", "cell__committee"]
    search_fields = ["cell__name", "overseer__full_name"]
    list_select_related = ["cell", "overseer", "assigned_by"]
    autocomplete_fields = ["cell", "overseer"]
    date_hierarchy = "month"

    def has_change_permission(self, request: HttpRequest, obj: OversightAssignment | None = None) -> bool:
        if obj is not None and obj.month < periods.month_start():
            return False
        return super().has_change_permission(request, obj)


@admin.register(MemberImport)
class MemberImportAdmin(KeepRecords, admin.ModelAdmin):
    """The record of each member list uploaded: view only (imports run through the import page)."""

    list_display = [
        "file_name",
        "committee",
        "cell",
        "status",
        "uploaded_by",
        "uploaded_at",
        "created",
        "updated",
    ]
    list_filter = ["status", "committee"]
    search_fields = ["file_name", "sha256"]
    list_select_related = ["committee", "cell", "uploaded_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: MemberImport | None = None) -> bool:
        return False
