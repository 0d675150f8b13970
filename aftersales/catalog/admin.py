"""Admin for product categories, products (with their manuals) and product units.

Products go through ``product_create`` / ``product_update``; manuals through the checked
upload of ``manual_add``; units through ``unit_register`` / ``unit_update`` so the
serial is normalised, the dates are checked and the warranty end is computed.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.errors import ValidationFailed
from aftersales.core.formfields import DATE_FORMFIELDS
from aftersales.core.uploads import upload_check

from .models import Product, ProductCategory, ProductManual, ProductUnit
from .services import (
    PRODUCT_UPDATE_FIELDS,
    UNIT_UPDATE_FIELDS,
    manual_add,
    product_create,
    product_update,
    unit_register,
    unit_update,
)

MANUAL_TYPES = ("document", "image", "video")


def _adopt(obj, created) -> None:
    obj.pk = created.pk
    obj._state.adding = False
    obj.refresh_from_db()


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent")
    list_select_related = ("parent",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)


class ManualInlineForm(forms.ModelForm):
    """Runs the same byte-level type and size check as ``manual_add`` on the upload."""

    class Meta:
        model = ProductManual
        fields = ("title", "file")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        if self.instance.pk is not None:
            # A stored manual keeps its checked file; upload a new manual to replace it.
            self.fields["file"].disabled = True

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None or self.instance.pk is not None:
            return upload
        original_name = upload.name
        try:
            upload_check(upload, allowed=MANUAL_TYPES)
        except ValidationFailed as exc:
            raise forms.ValidationError([str(exc.message), *(str(m) for m in exc.fields.get("file", []))]) from None
        # manual_add checks again and picks the stored name; keep the user's name for it.
        upload.name = original_name
        return upload


class ProductManualInline(admin.TabularInline):
    model = ProductManual
    form = ManualInlineForm
    extra = 0
    fields = ("title", "file", "content_type", "size", "created_at")
    readonly_fields = ("content_type", "size", "created_at")


class ProductAdminForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ("model_code", "name", "brand", "category", "warranty_months", "is_active")

    def clean_warranty_months(self):
        months = self.cleaned_data["warranty_months"]
        if not 0 <= months <= 240:
            raise forms.ValidationError(_("Between 0 and 240 months."))
        return months


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductAdminForm
    inlines = [ProductManualInline]
    list_display = ("model_code", "name", "brand", "category", "warranty_months", "is_active")
    list_filter = ("category", "is_active", "brand")
    list_select_related = ("category",)
    search_fields = ("model_code", "name", "brand")
    autocomplete_fields = ("category",)

    def get_readonly_fields(self, request, obj=None):
        # The model code identifies the product on units and requests; product_update keeps it.
        return ("model_code",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changed = {f: data[f] for f in form.changed_data if f in PRODUCT_UPDATE_FIELDS}
            if changed:
                product_update(actor=request.user, product=obj, **changed)
            return
        created = product_create(
            actor=request.user,
            model_code=data["model_code"],
            name=data["name"],
            category=data["category"],
            warranty_months=data["warranty_months"],
            brand=data.get("brand", ""),
        )
        if not data.get("is_active", True):
            product_update(actor=request.user, product=created, is_active=False)
        _adopt(obj, created)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProductManual:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for manual in formset.deleted_objects:
            manual.delete()
        form_of = {id(f.instance): f for f in formset.forms}
        for manual in instances:
            if manual.pk is not None:
                manual.save()
                continue
            manual_form = form_of[id(manual)]
            manual_add(
                actor=request.user,
                product=form.instance,
                title=manual_form.cleaned_data.get("title") or "",
                upload=manual_form.cleaned_data["file"],
            )


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = ProductUnit
        fields = (
            "product",
            "serial_number",
            "owner",
            "address",
            "purchase_date",
            "purchase_channel",
            "store_name",
            "invoice_number",
            "installation_date",
            "warranty_months",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "warranty_months" in self.fields and self.instance.pk is None:
            self.fields["warranty_months"].required = False
            self.fields["warranty_months"].help_text = _("Leave empty to use the product's warranty.")

    def clean_serial_number(self):
        serial = (self.cleaned_data.get("serial_number") or "").strip().upper()
        if ProductUnit.objects.filter(serial_number=serial).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A unit with this serial number is already registered."))
        return serial

    def clean(self):
        cleaned = super().clean()
        purchase = cleaned.get("purchase_date", self.instance.purchase_date)
        installation = cleaned.get("installation_date")
        if purchase and purchase > timezone.localdate():
            self.add_error("purchase_date", _("The purchase date cannot be in the future."))
        if purchase and installation and installation < purchase:
            self.add_error("installation_date", _("Installation cannot be before purchase."))
        owner = cleaned.get("owner", self.instance.owner if self.instance.pk else None)
        address = cleaned.get("address")
        if address is not None and owner is not None and address.customer_id != owner.pk:
            self.add_error("address", _("The address must belong to the owner."))
        return cleaned


@admin.register(ProductUnit)
class ProductUnitAdmin(admin.ModelAdmin):
    formfield_overrides = DATE_FORMFIELDS
    form = UnitAdminForm
    list_display = ("serial_number", "product", "owner", "purchase_date", "warranty_end", "created_at")
    list_filter = ("purchase_channel", "product__category")
    list_select_related = ("product", "owner")
    search_fields = ("=serial_number", "serial_number")
    autocomplete_fields = ("product", "owner")
    raw_id_fields = ("address",)
    readonly_fields = ("warranty_end", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # unit_update does not change what the unit is.
        return ("product", "serial_number", *self.readonly_fields)

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.strip().upper())

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changed = {f: data[f] for f in form.changed_data if f in UNIT_UPDATE_FIELDS}
            if changed:
                unit_update(actor=request.user, unit=obj, **changed)
            return
        created = unit_register(
            actor=request.user,
            product=data["product"],
            serial_number=data["serial_number"],
            owner=data["owner"],
            purchase_date=data.get("purchase_date"),
            purchase_channel=data["purchase_channel"],
            store_name=data.get("store_name", ""),
            invoice_number=data.get("invoice_number", ""),
            installation_date=data.get("installation_date"),
            address=data.get("address"),
            warranty_months=data.get("warranty_months"),
        )
        _adopt(obj, created)
