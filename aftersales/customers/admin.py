"""Admin for service regions and customers.

New customers go through ``customers.services.customer_create`` (phone normalisation,
duplicate check, audit); changes through ``customer_update``; new addresses through
``address_create``. Regions are plain master data.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.core.errors import ValidationFailed
from aftersales.core.phones import phone_normalize, phone_search_key

from .models import Customer, CustomerAddress, Region
from .services import address_create, customer_create, customer_find_by_phone, customer_update

CUSTOMER_UPDATE_FIELDS = ("name", "kind", "company_name", "phone", "phone_alt", "email", "notes", "tier_override")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "province", "city", "region_class")
    list_filter = ("region_class", "province")
    search_fields = ("code", "name", "city")


class CustomerAdminForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ("kind", "name", "company_name", "phone", "phone_alt", "email", "tier_override", "notes", "user")

    def _phone(self, field: str) -> str:
        raw = self.cleaned_data.get(field, "")
        if not raw and field == "phone_alt":
            return ""
        try:
            return phone_normalize(raw, field=field)
        except ValidationFailed as exc:
            raise forms.ValidationError([str(m) for m in exc.fields.get(field, [exc.message])]) from None

    def clean_phone(self):
        phone = self._phone("phone")
        if self.instance.pk is None:
            existing = customer_find_by_phone(phone)
            if existing is not None:
                raise forms.ValidationError(
                    _("A customer with this phone number already exists: %(name)s.") % {"name": existing}
                )
        return phone

    def clean_phone_alt(self):
        return self._phone("phone_alt")

    def clean_user(self):
        user = self.cleaned_data.get("user")
        if user is not None and user.role != Role.CUSTOMER:
            raise forms.ValidationError(_("Only a customer login can be linked to a customer."))
        return user


class CustomerAddressInline(admin.StackedInline):
    model = CustomerAddress
    extra = 0
    autocomplete_fields = ("region",)
    fields = (
        ("label", "is_default"),
        ("province", "city", "district"),
        "street",
        ("region", "region_class"),
        ("latitude", "longitude"),
    )


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
    inlines = [CustomerAddressInline]
    list_display = ("name", "company_name", "phone", "stars", "tier_override", "created_at")
    list_filter = ("kind", "tier", "tier_override")
    search_fields = ("name", "company_name", "phone", "phone_alt", "email")
    readonly_fields = ("tier", "created_at", "updated_at")
    raw_id_fields = ("user",)
    fieldsets = (
        (None, {"fields": ("kind", "name", "company_name")}),
        (_("Contact"), {"fields": ("phone", "phone_alt", "email")}),
        (_("Tier"), {"fields": ("tier", "tier_override")}),
        (None, {"fields": ("notes", "user", "created_at", "updated_at")}),
    )

    @admin.display(description=_("tier"), ordering="tier")
    def stars(self, obj):
        return obj.stars

    def get_readonly_fields(self, request, obj=None):
        # The portal login is linked when the customer is created; customer_update does not change it.
        return self.readonly_fields + (("user",) if obj is not None else ())

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        e164 = phone_search_key(search_term)
        if e164:
            queryset |= self.model.objects.filter(phone=e164) | self.model.objects.filter(phone_alt=e164)
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changed = {f: data[f] for f in form.changed_data if f in CUSTOMER_UPDATE_FIELDS}
            if changed:
                customer_update(actor=request.user, customer=obj, **changed)
            return
        created = customer_create(
            actor=request.user,
            name=data["name"],
            phone=data["phone"],
            kind=data["kind"],
            company_name=data.get("company_name", ""),
            phone_alt=data.get("phone_alt", ""),
            email=data.get("email", ""),
            notes=data.get("notes", ""),
            tier_override=data.get("tier_override"),
            user=data.get("user"),
        )
        obj.pk = created.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        if formset.model is not CustomerAddress:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for address in formset.deleted_objects:
            address.delete()
        for address in instances:
            if address.pk is not None:
                address.save()
                continue
            address_create(
                actor=request.user,
                customer=form.instance,
                province=address.province,
                city=address.city,
                street=address.street,
                district=address.district,
                label=address.label,
                region=address.region,
                region_class=address.region_class,
                latitude=address.latitude,
                longitude=address.longitude,
                is_default=address.is_default,
            )
