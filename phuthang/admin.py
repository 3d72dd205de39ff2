"""The admin site as the office staff use it: its titles, user accounts and the reminder schedules.

Nothing a record depends on is deleted here: a user account is deactivated (its name stays on every
minute, review and history row it wrote), and a schedule is disabled with its `enabled` box (a deleted
interval would take its periodic tasks with it). The packages' own English (Django's admin, django-celery-
beat) is translated in locale_packages/vi.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Model, QuerySet
from django.db.models.fields.related import ManyToManyField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

admin.site.site_header = _("phuthang administration")
admin.site.site_title = _("phuthang administration")
admin.site.index_title = _("Organisation, records and settings")


class NoDelete:
    """Offers no deletion: no delete link, no "delete selected" action, the delete page refused (403)."""

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


# Permission names are stored in English when the tables are made ("Can add clocked"): the admin names
# the standard four from the model's translated verbose name instead.
PERMISSION_ACTIONS = {
    "add": _("Can add %(name)s"),
    "change": _("Can change %(name)s"),
    "delete": _("Can delete %(name)s"),
    "view": _("Can view %(name)s"),
}


def permission_label(permission: Permission) -> str:
    model = permission.content_type.model_class()
    if model is None:  # a model that no longer exists
        return str(permission)
    opts = model._meta
    action = permission.codename.split("_", 1)[0]
    name = permission.name
    if action in PERMISSION_ACTIONS and permission.codename == f"{action}_{opts.model_name}":
        name = PERMISSION_ACTIONS[action] % {"name": opts.verbose_name}
    return f"{apps.get_app_config(opts.app_label).verbose_name} | {opts.verbose_name} | {name}"


class PermissionsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


class TranslatedPermissions(admin.ModelAdmin):
    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["form_class"] = PermissionsField
        return super().formfield_for_manytomany(db_field, request, **kwargs)


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(TranslatedPermissions, auth_admin.GroupAdmin):
    pass


@admin.register(User)
class AccountAdmin(NoDelete, TranslatedPermissions, UserAdmin):
    actions = ["deactivate"]

    @admin.action(description=_("Deactivate the selected accounts (they can no longer log in)"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, _("You cannot deactivate your own account."), messages.ERROR)
            return
        count = queryset.filter(is_active=True).update(is_active=False)
        self.message_user(
            request,
            ngettext("%(count)d account deactivated.", "%(count)d accounts deactivated.", count)
            % {"count": count},
        )


# --- django-celery-beat: schedules are turned off, never deleted.

for model in (PeriodicTask, IntervalSchedule, CrontabSchedule, SolarSchedule, ClockedSchedule):
    admin.site.unregister(model)


class TaskFilter(admin.AllValuesFieldListFilter):
    """The package's field label for `task` ("Task Name") is not translatable."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("Celery task")


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(NoDelete, beat_admin.PeriodicTaskAdmin):
    list_filter = ["enabled", "one_off", ("task", TaskFilter), "start_time", "last_run_at"]

    @admin.display(description=_("Crontab in words"))
    def crontab_translation(self, obj: PeriodicTask) -> str:
        return str(super().crontab_translation(obj))


class PeriodicTaskInline(beat_admin.PeriodicTaskInline):
    fields = ("name", "task_name", "args", "kwargs")
    readonly_fields = fields

    @admin.display(description=_("Celery task"))  # the package's own label for it is not translatable
    def task_name(self, obj: PeriodicTask) -> str:
        return obj.task


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(NoDelete, beat_admin.IntervalScheduleAdmin):
    inlines = [PeriodicTaskInline]


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(NoDelete, beat_admin.CrontabScheduleAdmin):
    inlines = [PeriodicTaskInline]


@admin.register(SolarSchedule)
class SolarScheduleAdmin(NoDelete, beat_admin.SolarScheduleAdmin):
    inlines = [PeriodicTaskInline]


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(NoDelete, beat_admin.ClockedScheduleAdmin):
    inlines = [PeriodicTaskInline]
