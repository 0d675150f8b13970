"""Admin: technician profiles (skills, absences), dispatch policies; offers, appointments and plans read-only."""

from django.contrib import admin

from aftersales.core.formfields import DATE_FORMFIELDS

from .models import (
    Appointment,
    DispatchOffer,
    DispatchPolicy,
    RoutePlan,
    RouteStop,
    TechnicianAbsence,
    TechnicianProfile,
    TechnicianSkill,
)


class SkillInline(admin.TabularInline):
    model = TechnicianSkill
    extra = 0


class AbsenceInline(admin.TabularInline):
    model = TechnicianAbsence
    extra = 0
    formfield_overrides = DATE_FORMFIELDS


@admin.register(TechnicianProfile)
class TechnicianProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "home_label", "shift_start", "shift_end", "capacity_jobs", "rating", "is_dispatchable")
    list_filter = ("is_dispatchable", "user__organization")
    search_fields = ("user__username", "user__last_name", "user__first_name", "home_label")
    autocomplete_fields = ()
    raw_id_fields = ("user",)
    filter_horizontal = ("regions",)
    inlines = [SkillInline, AbsenceInline]


@admin.register(DispatchPolicy)
class DispatchPolicyAdmin(admin.ModelAdmin):
    list_display = ("region", "service_type", "mode", "accept_minutes", "updated_at")
    list_filter = ("mode", "service_type")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DispatchOffer)
class DispatchOfferAdmin(ReadOnlyAdmin):
    list_display = ("request", "technician", "organization", "status", "via", "created_at", "expires_at")
    list_filter = ("status", "via")
    search_fields = ("request__number",)
    list_select_related = ("request", "technician", "organization")


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ("request", "technician", "window_start", "window_end", "status", "asked_by")
    list_filter = ("status", "asked_by")
    search_fields = ("request__number",)
    list_select_related = ("request", "technician")


class RouteStopInline(admin.TabularInline):
    model = RouteStop
    extra = 0
    can_delete = False
    readonly_fields = ("order", "request", "arrival", "start", "end", "travel_seconds", "travel_metres")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RoutePlan)
class RoutePlanAdmin(ReadOnlyAdmin):
    list_display = ("technician", "day", "computed_at", "method", "travel_seconds", "travel_metres")
    list_filter = ("day",)
    inlines = [RouteStopInline]
