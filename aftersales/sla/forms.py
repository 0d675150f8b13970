from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.models import ProductCategory
from aftersales.core.formfields import DayField, MomentField
from aftersales.customers.choices import CustomerTier, RegionClass
from aftersales.tickets.choices import Channel, Priority, ServiceType

from .models import TargetKind
from .rules import RequestFacts


class PreviewForm(forms.Form):
    """A request that does not exist: which rules would apply and when it would be due."""

    service_type = forms.ChoiceField(label=_("Service type"), choices=ServiceType.choices, initial=ServiceType.REPAIR)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    customer_tier = forms.TypedChoiceField(
        label=_("Customer tier"), choices=CustomerTier.choices, coerce=int, initial=CustomerTier.RETURNING
    )
    region_class = forms.ChoiceField(label=_("Region class"), choices=RegionClass.choices, initial=RegionClass.REMOTE)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    product_category = forms.ModelChoiceField(
        label=_("Product category"),
        queryset=ProductCategory.objects.order_by("name"),
        required=False,
        empty_label=_("Any / not known"),
    )
    filed_at = MomentField(
        label=_("Filed at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["filed_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def facts(self) -> RequestFacts:
        data = self.cleaned_data
        category = data.get("product_category")
        return RequestFacts(
            service_type=data["service_type"],
            priority=data["priority"],
            customer_tier=data["customer_tier"],
            region_class=data["region_class"],
            channel=data["channel"],
            product_category_id=category.pk if category else None,
        )


class EscalationFilterForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All"))] + [(str(n), str(n) if n else _("0 (warning)")) for n in range(0, 10)],
    )
    kind = forms.ChoiceField(label=_("Target"), required=False, choices=[("", _("All"))] + list(TargetKind.choices))
    date_from = DayField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = DayField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ClockFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Target"), required=False, choices=[("", _("All"))] + list(TargetKind.choices))
