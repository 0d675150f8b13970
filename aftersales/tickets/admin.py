"""Service requests in the admin are read-only: they are created at intake and move
only through ``tickets.services.request_transition``, which keeps the timeline."""

from __future__ import annotations

from django.contrib import admin

from .models import Attachment, ServiceRequest, ServiceRequestEvent


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = ServiceRequestEvent
    fields = ("at", "actor", "kind", "action", "from_status", "to_status", "reason")
    readonly_fields = fields
    ordering = ("at", "id")


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("original_name", "kind", "content_type", "size", "uploaded_by", "created_at")
    readonly_fields = fields


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = ("number", "status", "service_type", "priority", "customer", "assigned_technician", "created_at")
    list_filter = ("status", "service_type", "priority", "channel", "region_class")
    list_select_related = ("customer", "assigned_technician")
    search_fields = ("^number",)
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    inlines = [EventInline, AttachmentInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "customer", "unit", "product", "address", "region", "assigned_organization", "assigned_technician"
            )
        )

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.strip().upper())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
