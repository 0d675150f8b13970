"""Admin: calendars (hours, holidays, make-up days), rules and reference tables are
editable; clocks are read-only (they are computed)."""

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aftersales.core.formfields import DATE_FORMFIELDS

from .format import actions_text, duration_text
from .models import (
    Calendar,
    CalendarDay,
    CalendarDayPeriod,
    ComplaintCategory,
    EscalationLevel,
    FollowUpWindow,
    SlaClock,
    SlaEscalation,
    SlaPolicy,
    WorkingPeriod,
)


def _recompute_open_clocks_on_commit() -> None:
    from .tasks import sla_refresh_open_task

    transaction.on_commit(sla_refresh_open_task)


class RecomputeOnChangeMixin:
    """A rule or calendar edit recomputes the clocks of open requests after commit."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _recompute_open_clocks_on_commit()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _recompute_open_clocks_on_commit()


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(RecomputeOnChangeMixin, admin.ModelAdmin):
    list_display = ("name", "code", "time_zone", "is_24x7", "is_default", "updated_at")
    readonly_fields = ("revision",)
    inlines = [WorkingPeriodInline]


class CalendarDayPeriodInline(admin.TabularInline):
    model = CalendarDayPeriod
    extra = 0


@admin.register(CalendarDay)
class CalendarDayAdmin(RecomputeOnChangeMixin, admin.ModelAdmin):
    formfield_overrides = DATE_FORMFIELDS
    list_display = ("date", "calendar", "kind", "name", "source")
    list_filter = ("calendar", "kind", "source")
    search_fields = ("name",)
    date_hierarchy = "date"
    inlines = [CalendarDayPeriodInline]

    def save_model(self, request, obj, form, change):
        # An admin's edit of a seeded day is kept by later seeding.
        if change:
            obj.source = CalendarDay.Source.MANUAL
        super().save_model(request, obj, form, change)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(RecomputeOnChangeMixin, admin.ModelAdmin):
    # The changelist links to the preview page ("a repair for a ★★ customer … would be due at …").
    change_list_template = "admin/sla/slapolicy/change_list.html"
    list_display = (
        "name",
        "is_active",
        "precedence",
        "service_type",
        "priority",
        "customer_tier",
        "region_class",
        "channel",
        "product_category",
        "first_response",
        "appointment_contact",
        "arrival",
        "resolution",
    )
    list_filter = ("is_active", "service_type", "priority", "channel", "region_class")
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "is_active", "precedence", "calendar", "warning_percent", "pause_statuses")}),
        (
            _("Criteria (empty = any)"),
            {"fields": ("service_type", "priority", "customer_tier", "region_class", "channel", "product_category")},
        ),
        (
            _("Targets (empty = not set by this rule)"),
            {
                "fields": (
                    ("first_response", "first_response_business"),
                    ("appointment_contact", "appointment_contact_business"),
                    ("arrival", "arrival_business"),
                    ("resolution", "resolution_business"),
                )
            },
        ),
    )


@admin.register(ComplaintCategory)
class ComplaintCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "reply_hours", "business_time")


@admin.register(FollowUpWindow)
class FollowUpWindowAdmin(admin.ModelAdmin):
    list_display = ("__str__", "service_type", "earliest_hours", "latest_hours")


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    list_display = ("request", "kind", "state", "due_at", "met_at", "breached_at", "breach_by_seconds", "policy")
    list_filter = ("state", "kind")
    search_fields = ("request__number",)
    list_select_related = ("request", "policy")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EscalationLevel)
class EscalationLevelAdmin(admin.ModelAdmin):
    list_display = (
        "level",
        "name",
        "kind",
        "is_active",
        "delay_shown",
        "notify_role",
        "notify_assignee",
        "notify_creator",
        "in_app",
        "email",
        "raise_priority_to",
        "reassign_technician",
        "reassign_organization",
    )
    list_display_links = ("level", "name")
    list_filter = ("is_active", "kind")
    filter_horizontal = ("notify_users",)
    fieldsets = (
        (None, {"fields": ("level", "name", "kind", "is_active", "delay")}),
        (
            _("Who is told"),
            {"fields": ("notify_role", "notify_users", "notify_assignee", "notify_creator", "in_app", "email")},
        ),
        (
            _("What is done (levels 1 and up)"),
            {"fields": ("raise_priority_to", "reassign_technician", "reassign_organization", "act_as")},
        ),
    )

    @admin.display(description=_("after the breach"), ordering="delay")
    def delay_shown(self, obj):
        return duration_text(obj.delay) if obj.level else "—"


@admin.register(SlaEscalation)
class SlaEscalationAdmin(admin.ModelAdmin):
    list_display = ("at", "request", "kind", "level", "level_name", "due_at", "late", "actions_shown")
    list_filter = ("level", "kind")
    search_fields = ("request__number",)
    date_hierarchy = "at"
    list_select_related = ("request",)

    @admin.display(description=_("late by"))
    def late(self, obj):
        import datetime as dt

        return duration_text(dt.timedelta(seconds=obj.breach_by_seconds)) if obj.level else "—"

    @admin.display(description=_("actions taken"))
    def actions_shown(self, obj):
        return actions_text(obj.actions)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
