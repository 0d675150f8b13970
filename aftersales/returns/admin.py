"""Admin: returns and exchanges are records of the services, only shown here (the RMA page and the API
change them); the policies are edited on the "Return policies" page (audited)."""

from __future__ import annotations

from django.contrib import admin

from aftersales.core.admin import ReadOnlyAdmin

from .models import EligibilityCheck, ReturnPolicy, Rma, RmaEvent


@admin.register(ReturnPolicy)
class ReturnPolicyAdmin(ReadOnlyAdmin):
    list_display = ("name", "product_category", "return_days", "exchange_days", "repair_days", "parts_wait_days")
    list_select_related = ("product_category",)


class EventInline(admin.TabularInline):
    model = RmaEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "action", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Rma)
class RmaAdmin(ReadOnlyAdmin):
    list_display = ("number", "status", "customer", "unit", "reason", "resolution", "requested_on", "refund_due")
    list_filter = ("status", "reason", "resolution")
    search_fields = ("number", "unit__serial_number", "customer__name")
    list_select_related = ("customer", "unit", "unit__product")
    inlines = [EventInline]


@admin.register(EligibilityCheck)
class EligibilityCheckAdmin(ReadOnlyAdmin):
    list_display = ("rma", "at", "stage", "rule", "provisional")
    list_filter = ("stage", "rule")
    list_select_related = ("rma",)
