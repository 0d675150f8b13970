"""The audit trail and the number sequences: visible to administrators, never editable."""

from __future__ import annotations

from django.contrib import admin

from .models import AuditEvent, Sequence


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "object_repr")
    list_filter = ("object_type",)
    search_fields = ("=object_id", "action", "actor_label", "object_repr")
    date_hierarchy = "at"
    show_full_result_count = False
    fields = ("at", "actor", "actor_label", "action", "object_type", "object_id", "object_repr", "changes")
    readonly_fields = fields


@admin.register(Sequence)
class SequenceAdmin(ReadOnlyAdmin):
    list_display = ("name", "value")
    search_fields = ("name",)
    fields = ("name", "value")
    readonly_fields = fields
