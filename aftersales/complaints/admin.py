"""Admin: the escalation chain is configuration (editable by staff); complaints and the levels
they reached are read-only here (they change through the complaint pages and the API). The reply
deadlines per category are the SLA app's (Service standards → complaint categories)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.core.formfields import DATE_FORMFIELDS
from aftersales.core.messages import duration_text

from .models import Complaint, ComplaintEscalation, EscalationLevel


@admin.register(EscalationLevel)
class EscalationLevelAdmin(admin.ModelAdmin):
    list_display = (
        "level",
        "name_shown",
        "is_active",
        "notify_role",
        "notify_investigator",
        "email",
        "severity",
        "overdue",
    )
    list_display_links = ("level", "name_shown")
    list_filter = ("is_active",)
    filter_horizontal = ("notify_users",)
    formfield_overrides = DATE_FORMFIELDS
    fieldsets = (
        (None, {"fields": ("level", "name", "is_active")}),
        (_("Who is told"), {"fields": ("notify_role", "notify_users", "notify_investigator", "email")}),
        (_("When this level is reached"), {"fields": ("severity", "overdue_after")}),
    )

    @admin.display(description=_("name"))
    def name_shown(self, obj):
        return obj.display_name

    @admin.display(description=_("reached when the deadline is missed by"))
    def overdue(self, obj):
        return duration_text(obj.overdue_after) if obj.overdue_after is not None else "—"


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(_ReadOnly):
    list_display = ("number", "created_at", "category", "severity", "status", "anonymous", "escalation_level", "due_at")
    list_filter = ("status", "category", "severity", "anonymous", "escalation_level")
    search_fields = ("number", "tracking_code")
    date_hierarchy = "created_at"
    exclude = ("token",)


@admin.register(ComplaintEscalation)
class ComplaintEscalationAdmin(_ReadOnly):
    list_display = ("at", "complaint", "level", "level_shown", "reason", "notified")
    list_filter = ("level", "reason")
    search_fields = ("complaint__number",)
    list_select_related = ("complaint",)

    @admin.display(description=_("level name"))
    def level_shown(self, obj):
        return obj.level_display
