"""The admin site as the office staff use it: its titles, user accounts and the reminder schedules.

Nothing a record depends on is deleted here: a user account is deactivated (its name stays on every
minute, review and history row it wrote), and a schedule is disabled with its `enabled` box (a deleted
interval would take its periodic tasks with it). The packages' own English (Django's admin, django-celery-
beat) is translated in locale_packages/vi.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
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

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(NoDelete, UserAdmin):
    actions = ["deactivate"]

    @admin.action(description=_("Deactivate the selected accounts (they can no longer log in)"))
    def deactivate(self, request, queryset) -> None:
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


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(NoDelete, beat_admin.PeriodicTaskAdmin):
    @admin.display(description=_("Crontab in words"))
    def crontab_translation(self, obj):
        return super().crontab_translation(obj)


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(NoDelete, beat_admin.IntervalScheduleAdmin):
    pass


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(NoDelete, beat_admin.CrontabScheduleAdmin):
    pass


@admin.register(SolarSchedule)
class SolarScheduleAdmin(NoDelete, beat_admin.SolarScheduleAdmin):
    pass


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(NoDelete, beat_admin.ClockedScheduleAdmin):
    pass
