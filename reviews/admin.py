from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from phuthang import safe_input
from reviews.models import (
    ActionPlan,
    ActionPlanItem,
    CriteriaGroup,
    Criterion,
    Digest,
    Manifestation,
    Meeting,
    Notification,
    Pledge,
    PledgeCampaign,
    PledgeLine,
    PledgeText,
    RemediationUpdate,
    Review,
    ReviewRound,
    Rule,
    Shortcoming,
)
from reviews.services import reminders, worksheets
from reviews.services.history import history_rows


class ReadOnly:
    """A record with a workflow is changed only through its pages, whose services check each step, bump the
    version and write the timeline: the admin shows it (view only) and never adds, changes or deletes it."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class TriggerHistory:
    """The admin's "History" page reads the trigger-kept events (who, when, before and after), not the
    admin's own log, which misses every change made outside the admin."""

    object_history_template = "admin/trigger_history.html"

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        events = history_rows(obj) if obj is not None else []
        return super().history_view(
            request, object_id, extra_context={**(extra_context or {}), "events": events}
        )


@admin.register(Rule)
class RuleAdmin(TriggerHistory, admin.ModelAdmin):
    """A rule is changed, never deleted: the pages read it, and kinds of reminder start at its effective_from.
    Every change is recorded with who, before and after (the History page; the round page for rating rules)."""

    list_display = ["key", "value", "updated_at"]
    search_fields = ["key", "note"]

    def has_delete_permission(self, request, obj=None):
        return False


# --- Reminders (issue 5): the ledger, read-only but for sending a failed email again.


class NotificationInline(admin.TabularInline):
    model = Notification
    fields = ["subject", "payload", "read_at", "withdrawn_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Digest)
class DigestAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["recipient", "kind", "period", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "kind", "period"]
    search_fields = ["recipient__full_name", "to_address", "message_id"]
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Digest._meta.fields]
    inlines = [NotificationInline]
    actions = ["send_again"]  # through the reminder service, which keeps the ledger's states

    @admin.action(description=_("Send the selected failed emails again"))
    def send_again(self, request, queryset):
        for digest in queryset.filter(status=Digest.Status.FAILED):
            reminders.retry(digest)
        reminders.request_run()


# --- Reviews, shortcomings and remediation (issue 4)


@admin.register(Manifestation)
class ManifestationAdmin(TriggerHistory, admin.ModelAdmin):
    list_display = ["code", "short_label", "group", "wording"]
    list_filter = ["verified", "group"]
    search_fields = ["code", "short_label", "text"]
    actions = ["confirm_wording"]

    @admin.display(description=_("wording"), ordering="verified")
    def wording(self, obj: Manifestation) -> str:
        return (
            str(_("confirmed")) if obj.verified else str(_("UNCONFIRMED — check against the official text"))
        )

    @admin.action(
        description=_("Confirm the wording of the selected items (checked against the official text)")
    )
    def confirm_wording(self, request, queryset):
        queryset.update(verified=True)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReviewRound)
class ReviewRoundAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["title", "committee", "period_kind", "year", "quarter", "status", "started_at"]
    list_filter = ["status", "period_kind", "year"]


@admin.register(Review)
class ReviewAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["__str__", "cell", "status", "proposed_rating", "decided_rating"]
    list_filter = ["status", "period_kind", "year"]
    search_fields = ["member__full_name", "cell__name"]
    list_select_related = ["cell", "member"]
    raw_id_fields = ["round", "cell", "member"]
    readonly_fields = ["version"]


class RemediationUpdateInline(admin.TabularInline):
    model = RemediationUpdate
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "from_status", "to_status", "text", "by", "on_behalf", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Shortcoming)
class ShortcomingAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["pk", "subject", "cell", "status", "due_on", "original_due_on", "is_repeat"]
    list_filter = ["status", "source", "is_repeat"]
    search_fields = ["description", "subject_member__full_name", "owner__full_name"]
    list_select_related = ["cell", "subject_member"]
    raw_id_fields = ["review", "cell", "subject_member", "owner", "manifestation"]
    readonly_fields = ["version", "status"]
    inlines = [RemediationUpdateInline]

    @admin.display(description=_("member or cell concerned"))
    def subject(self, obj: Shortcoming) -> str:
        return obj.subject_name


# --- Meetings (issue 3): read in the admin; written only through the pages, which keep counts in step.


class MeetingAdminForm(safe_input.ModelForm):
    class Meta:
        model = Meeting
        fields = "__all__"
        # Fields whose models carry no verbose name (labelled here, so the admin needs no migration).
        labels = {
            "finalised_by": _("finalised by"),
            "withdrawn_by": _("withdrawn by"),
            "created_by": _("created by"),
        }


@admin.register(Meeting)
class MeetingAdmin(ReadOnly, admin.ModelAdmin):
    form = MeetingAdminForm
    list_display = ["cell", "kind", "month", "date", "status", "present_count", "expected_count", "version"]
    list_filter = ["kind", "status", "cell__committee"]
    search_fields = ["cell__name", "topic", "resolution"]
    date_hierarchy = "date"


# --- Pledges (issue 12): the reference texts are the office's to edit; signed pledges are view only.


@admin.register(PledgeText)
class PledgeTextAdmin(TriggerHistory, admin.ModelAdmin):
    list_display = ["title", "active", "verified"]
    list_filter = ["verified", "active"]

    def has_delete_permission(self, request, obj=None):
        return False


class PledgeLineInline(admin.TabularInline):
    model = PledgeLine
    fields = ["kind", "position", "text", "target", "due_on"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(PledgeCampaign)
class PledgeCampaignAdmin(ReadOnly, TriggerHistory, admin.ModelAdmin):
    list_display = ["title", "committee", "year", "due_on", "text_version"]
    list_filter = ["year"]


@admin.register(Pledge)
class PledgeAdmin(ReadOnly, TriggerHistory, admin.ModelAdmin):
    list_display = ["member", "campaign", "status", "method", "signed_at"]
    list_filter = ["status", "method"]
    search_fields = ["member__full_name"]
    list_select_related = ["member", "campaign"]
    inlines = [PledgeLineInline]


class ActionPlanItemInline(admin.TabularInline):
    model = ActionPlanItem
    fields = ["position", "text", "target", "due_on", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(ActionPlan)
class ActionPlanAdmin(ReadOnly, TriggerHistory, admin.ModelAdmin):
    list_display = ["member", "year", "committee", "cell"]
    list_filter = ["year"]
    list_select_related = ["member", "committee", "cell"]
    inlines = [ActionPlanItemInline]


# --- The 100-point worksheet (issue 12): the criteria are the office's to edit, a group at a time, so the
# sections' totals (30 and 70 by the rules) are checked together; scores change only through the steps.


class CriterionFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if not self.instance.active:
            return  # a group not in use may be built up a criterion at a time
        totals: dict[str, int] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("active"):
                continue
            section = data.get("section")
            totals[section] = totals.get(section, 0) + (data.get("max_points") or 0)
        wanted = worksheets.section_points()
        wrong = [
            _("%(section)s: %(total)s points, not %(wanted)s")
            % {"section": label, "total": totals.get(code, 0), "wanted": wanted[code]}
            for code, label in Criterion.Section.choices
            if code in wanted and totals.get(code, 0) != wanted[code]
        ]
        if wrong:
            raise forms.ValidationError(
                _("The criteria in use must add up to the worksheet's points: %(wrong)s.")
                % {"wrong": "; ".join(str(w) for w in wrong)}
            )


class CriterionInline(admin.TabularInline):
    model = Criterion
    formset = CriterionFormSet
    fields = ["position", "section", "code", "text", "max_points", "active"]
    extra = 0
    can_delete = False  # taken out of use (active), never deleted: scores refer to it


@admin.register(CriteriaGroup)
class CriteriaGroupAdmin(TriggerHistory, admin.ModelAdmin):
    list_display = ["title", "collective", "position", "active", "verified"]
    list_filter = ["active", "verified", "collective"]
    inlines = [CriterionInline]

    def has_delete_permission(self, request, obj=None):
        return False
