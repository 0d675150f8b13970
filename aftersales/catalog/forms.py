"""Catalog forms: shape only; the rules (unique model code, warranty range, upload type
and size) are checked by ``catalog.services`` and shown with ``core.forms.form_add_domain_error``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import BootstrapMixin

from .selectors import category_list


class ProductFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Model or name"), required=False, max_length=100)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=category_list(), required=False, empty_label=_("All categories")
    )


class ProductForm(BootstrapMixin, forms.Form):
    model_code = forms.CharField(label=_("Model code"), max_length=64, required=False)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    brand = forms.CharField(label=_("Brand"), max_length=100, required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=category_list())
    warranty_months = forms.IntegerField(
        label=_("Warranty (months)"), initial=12, help_text=_("Counted from the purchase date.")
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, product=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        if product is None:
            del self.fields["is_active"]
        else:
            # The model code identifies the product on units and requests; it is fixed.
            del self.fields["model_code"]

    @staticmethod
    def initial_for(product) -> dict:
        return {
            "name": product.name,
            "brand": product.brand,
            "category": product.category_id,
            "warranty_months": product.warranty_months,
            "is_active": product.is_active,
        }


class ManualForm(BootstrapMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Leave empty to use the file name.")
    )
    file = forms.FileField(label=_("File"), help_text=_("PDF, photo or video."))
