"""Forms check the shape of the input; the services check the rules (see ``core.forms``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import BootstrapMixin

from .choices import CustomerKind, CustomerTier, RegionClass
from .selectors import region_list


def _tier_choices():
    return [("", _("Automatic (from service history)")), *CustomerTier.choices]


class CustomerForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CustomerKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Person's name, or the company's contact."))
    company_name = forms.CharField(label=_("Company name"), max_length=200, required=False)
    # Phones are checked and normalised by the service (phone_normalize), not here.
    phone = forms.CharField(label=_("Phone"), max_length=32, help_text=_("e.g. 13812345678 or +44 20 7946 0958"))
    phone_alt = forms.CharField(label=_("Other phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    tier_override = forms.TypedChoiceField(
        label=_("Tier override"),
        choices=_tier_choices,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Set ★★★ VIP here; leave automatic to derive ★/★★ from the service history."),
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    @classmethod
    def initial_for(cls, customer) -> dict:
        return {name: getattr(customer, name) for name in cls.base_fields}


# Required in the browser; the service checks it again and names the field.
_REQUIRED = forms.TextInput(attrs={"required": True})


class AddressForm(BootstrapMixin, forms.Form):
    label = forms.CharField(label=_("Label"), max_length=50, required=False, help_text=_("e.g. home, office"))
    province = forms.CharField(label=_("Province"), max_length=50, required=False, widget=_REQUIRED)
    city = forms.CharField(label=_("City"), max_length=50, required=False, widget=_REQUIRED)
    district = forms.CharField(label=_("District"), max_length=50, required=False)
    street = forms.CharField(label=_("Street address"), max_length=200, required=False, widget=_REQUIRED)
    region = forms.ModelChoiceField(label=_("Service region"), queryset=region_list(), required=False)
    region_class = forms.ChoiceField(
        label=_("Region class"),
        choices=[("", _("From the service region")), *RegionClass.choices],
        required=False,
    )
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False)
    is_default = forms.BooleanField(label=_("Default address"), required=False)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["region_class"] = data.get("region_class") or None
        return data
