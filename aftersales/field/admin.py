"""Admin: the fault tree (category → fault → cause) and the function-test / care checklists are
configured here; visits, quotes, payments and 三包 flags are records of the services and
only shown (read-only).

A fault, cause or check that was used on a visit cannot be deleted (the visit keeps it):
untick "active" instead and it disappears from the technician's choices.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aftersales.core.admin import ReadOnlyAdmin

from .models import (
    CheckRecord,
    Fault,
    FaultCategory,
    FaultCause,
    FunctionCheck,
    Payment,
    Quote,
    QuoteLine,
    Signature,
    UnitFlag,
    Visit,
    VisitPart,
)

# --- configuration ----------------------------------------------------------------------------


class FaultInline(admin.TabularInline):
    model = Fault
    extra = 1
    fields = ("code", "name", "sort", "is_active", "causes_link")
    readonly_fields = ("causes_link",)
    show_change_link = True

    @admin.display(description=_("causes"))
    def causes_link(self, obj):
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:field_fault_change", args=[obj.pk]),
            _("Edit the causes"),
        )


@admin.register(FaultCategory)
class FaultCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "product_category", "sort", "is_active", "fault_count")
    list_filter = ("is_active", "product_category")
    search_fields = ("code", "name")
    list_editable = ("sort", "is_active")
    list_select_related = ("product_category",)
    inlines = [FaultInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_faults=Count("faults"))

    @admin.display(description=_("faults"), ordering="_faults")
    def fault_count(self, obj):
        return obj._faults


class FaultCauseInline(admin.TabularInline):
    model = FaultCause
    extra = 1
    fields = ("code", "name", "solution_hint", "sort", "is_active")


@admin.register(Fault)
class FaultAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "sort", "is_active")
    list_filter = ("is_active", "category")
    search_fields = ("code", "name", "category__name", "causes__name")
    list_select_related = ("category",)
    inlines = [FaultCauseInline]

    def get_search_results(self, request, queryset, search_term):
        queryset, _dupes = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False


@admin.register(FunctionCheck)
class FunctionCheckAdmin(admin.ModelAdmin):
    list_display = ("text", "kind", "product_category", "sort", "is_active")
    list_filter = ("kind", "product_category", "is_active")
    search_fields = ("text",)
    list_editable = ("sort", "is_active")
    list_select_related = ("product_category",)


# --- records (read-only) ----------------------------------------------------------------------


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class QuoteInline(_ReadOnlyInline):
    model = Quote
    fields = ("status", "charge_reason", "subtotal", "covered", "total", "created_at", "decided_at")
    readonly_fields = fields
    show_change_link = True


class VisitPartInline(_ReadOnlyInline):
    model = VisitPart
    fields = ("consumption", "old_part", "old_serial", "created_at")
    readonly_fields = fields


class CheckRecordInline(_ReadOnlyInline):
    model = CheckRecord
    fields = ("kind", "text", "result", "note")
    readonly_fields = fields


class SignatureInline(_ReadOnlyInline):
    model = Signature
    fields = ("purpose", "role", "signer_name", "via", "signed_at", "user")
    readonly_fields = fields


class PaymentInline(_ReadOnlyInline):
    model = Payment
    fields = ("receipt_number", "amount", "currency", "method", "reference", "received_by", "received_at")
    readonly_fields = fields


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "request",
        "technician",
        "status",
        "outcome",
        "in_warranty",
        "checked_in_at",
        "checked_out_at",
        "customer_total",
    )
    list_filter = ("status", "outcome", "in_warranty", "first_time_fix")
    search_fields = ("=number", "=request__number")
    date_hierarchy = "checked_in_at"
    list_select_related = ("request", "technician")
    show_full_result_count = False
    fields = (
        "number",
        "form_pdf",
        "request",
        "sequence",
        "technician",
        "appointment",
        "status",
        "in_warranty",
        "checked_in_at",
        "check_in_lat",
        "check_in_lng",
        "fault",
        "fault_cause",
        "inspection_result",
        "solution",
        "charge_reason",
        "diagnosed_at",
        "work_started_at",
        "tested_at",
        "care_instructions",
        "checked_out_at",
        "outcome",
        "outcome_reason",
        "first_time_fix",
        "customer_total",
        "currency",
    )
    readonly_fields = fields
    inlines = [QuoteInline, VisitPartInline, CheckRecordInline, SignatureInline, PaymentInline]

    @admin.display(description=_("service form"))
    def form_pdf(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("field:form_pdf", args=[obj.pk]), _("Download the service form (PDF)")
        )


class QuoteLineInline(_ReadOnlyInline):
    model = QuoteLine
    fields = ("kind", "part", "description", "quantity", "unit_price", "amount", "covered", "customer_amount")
    readonly_fields = fields


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ("visit", "status", "charge_reason", "subtotal", "covered", "total", "created_at", "decided_at")
    list_filter = ("status", "charge_reason")
    search_fields = ("=visit__number",)
    list_select_related = ("visit",)
    fields = (
        "visit",
        "status",
        "charge_reason",
        "subtotal",
        "covered",
        "total",
        "created_by",
        "created_at",
        "decided_at",
        "decline_reason",
    )
    readonly_fields = fields
    inlines = [QuoteLineInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("receipt_number", "visit", "amount", "currency", "method", "received_by", "received_at")
    list_filter = ("method",)
    search_fields = ("=receipt_number", "=visit__number", "reference")
    date_hierarchy = "received_at"
    list_select_related = ("visit", "received_by")
    fields = (
        "receipt_number",
        "receipt",
        "visit",
        "amount",
        "currency",
        "method",
        "reference",
        "received_by",
        "received_at",
    )
    readonly_fields = fields

    @admin.display(description=_("receipt"))
    def receipt(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("field:receipt_pdf", args=[obj.pk]), _("Download the receipt (PDF)")
        )


@admin.register(UnitFlag)
class UnitFlagAdmin(ReadOnlyAdmin):
    list_display = ("unit", "reason", "visit", "detail_text", "flagged_at")
    list_filter = ("reason",)
    search_fields = ("=unit__serial_number", "=visit__number")
    list_select_related = ("unit", "unit__product", "visit")
    fields = ("unit", "reason", "visit", "detail_text", "facts", "flagged_at")
    readonly_fields = fields

    @admin.display(description=_("detail"))
    def detail_text(self, obj):
        return obj.detail
