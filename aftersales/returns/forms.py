"""Forms of the returns pages: they check the shape of the input; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import OrganizationKind
from aftersales.accounts.models import Organization
from aftersales.catalog.models import ProductCategory
from aftersales.core.formfields import DayField
from aftersales.core.forms import BootstrapMixin
from aftersales.field.selectors import fault_list

from .choices import Exclusion, FaultFinding, GoodsCondition, OldUnitFate, Reason, RefundMethod, Resolution
from .models import ReturnPolicy

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # ISO, whatever the language (<input type=date>)


class FaultChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.category.name} · {obj.name}"


class RmaForm(BootstrapMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices, widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("What the customer says"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    requested_on = DayField(label=_("Requested on"), widget=DATE)
    sale_date = DayField(
        label=_("Sale date"),
        widget=DATE,
        help_text=_("The unit's purchase date, or its exchange date for a unit given in exchange."),
    )
    distance_sale = forms.BooleanField(label=_("Distance sale (online, phone, mail order)"), required=False)
    delivered_on = DayField(label=_("Goods received by the customer on"), widget=DATE, required=False)
    exclusion = forms.ChoiceField(
        label=_("Excluded from no-reason return (Art. 25)"),
        choices=[("", _("Not excluded"))] + list(Exclusion.choices),
        required=False,
    )
    fault = FaultChoiceField(label=_("Fault"), queryset=fault_list(), required=False, empty_label=_("Not known yet"))
    organization = forms.ModelChoiceField(
        label=_("Handled by service partner"),
        queryset=Organization.objects.filter(kind=OrganizationKind.PARTNER).order_by("name"),
        required=False,
        empty_label=_("Our own staff"),
    )

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit is not None and not self.is_bound:
            self.initial.setdefault("sale_date", unit.warranty_start)
            self.initial.setdefault("distance_sale", unit.purchase_channel == "online")
            self.initial.setdefault("requested_on", timezone.localdate())
            self.initial.setdefault("reason", Reason.FAULT)


class ReceiveForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    returned_on = DayField(label=_("Received on"), widget=DATE)


class InspectForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    fault_finding = forms.ChoiceField(label=_("Finding"), choices=FaultFinding.choices, widget=forms.RadioSelect)
    goods_condition = forms.ChoiceField(label=_("Goods"), choices=GoodsCondition.choices, widget=forms.RadioSelect)
    fault = FaultChoiceField(label=_("Fault"), queryset=fault_list(), required=False, empty_label=_("As on the claim"))
    returned_on = DayField(label=_("Returned unit received on"), widget=DATE, required=False)
    notes = forms.CharField(
        label=_("Inspection notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecideForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    resolution = forms.ChoiceField(label=_("Decision"), choices=Resolution.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason (required to refuse)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, remedies=(), **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [(v, label) for v, label in Resolution.choices if v in remedies or v == Resolution.REFUSE]
        self.fields["resolution"].choices = allowed


class RefundForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=12, decimal_places=2, min_value=0)
    method = forms.ChoiceField(label=_("Refund method"), choices=RefundMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=64, required=False)
    refunded_on = DayField(label=_("Refunded on"), widget=DATE)
    old_unit_fate = forms.ChoiceField(label=_("Old unit"), choices=OldUnitFate.choices)
    old_unit_note = forms.CharField(label=_("Note on the old unit"), max_length=300, required=False)


class ExchangeForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    serial_number = forms.CharField(label=_("New unit's serial number"), max_length=64)
    exchanged_on = DayField(label=_("Exchanged on"), widget=DATE)
    old_unit_fate = forms.ChoiceField(label=_("Old unit"), choices=OldUnitFate.choices)
    old_unit_note = forms.CharField(label=_("Note on the old unit"), max_length=300, required=False)


class CancelForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class ChoiceForm(BootstrapMixin, forms.Form):
    remedy = forms.ChoiceField(label=_("Your choice"), widget=forms.RadioSelect)

    def __init__(self, *args, remedies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remedy"].choices = [(v, label) for v, label in Resolution.choices if v in remedies]


POLICY_FIELDS = [
    "name",
    "return_days",
    "exchange_days",
    "repeat_repairs",
    "repair_days",
    "parts_wait_days",
    "extend_by_repair",
    "no_reason_return",
    "no_reason_days",
    "refund_days",
    "at_risk_days",
]


class PolicyForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ReturnPolicy
        fields = POLICY_FIELDS


class PolicyCreateForm(PolicyForm):
    product_category = forms.ModelChoiceField(
        label=_("Product category"), queryset=ProductCategory.objects.order_by("code"), required=True
    )

    class Meta(PolicyForm.Meta):
        fields = ["product_category", *POLICY_FIELDS]
