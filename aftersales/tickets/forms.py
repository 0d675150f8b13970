"""Forms for the service-request pages. They check the shape of the input; the rules live
in the services, whose ``DomainError`` messages are put back on the right fields by
``form_add_domain_error``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.accounts.permissions import user_is_partner
from aftersales.accounts.selectors import user_list_with_role
from aftersales.catalog.choices import PurchaseChannel
from aftersales.catalog.selectors import product_list, unit_list_for
from aftersales.core.formfields import DayField
from aftersales.customers.choices import CustomerKind
from aftersales.customers.models import CustomerAddress
from aftersales.customers.selectors import customer_list_for, region_list

from .choices import Action, Channel, Priority, ServiceType

TEXTAREA = {"rows": 3}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type=file multiple>``; cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,video/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
            if self.required and not files:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return files
        if not data:
            single(data, initial)  # raises "required" when the field is required
            return []
        return [single(data, initial)]


def technicians_for(user):
    """Who ``user`` may assign: active technicians; a partner only his organization's."""
    qs = user_list_with_role(Role.TECHNICIAN).order_by("organization__name", "last_name", "first_name", "id")
    if user_is_partner(user):
        qs = qs.filter(organization_id=user.organization_id)
    return qs


class IntakeForm(forms.Form):
    ACKNOWLEDGE = "acknowledge"
    ANSWER = "answer"

    customer = forms.ModelChoiceField(
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={"required": _("Pick a customer or create a new one first.")},
    )
    unit = forms.ModelChoiceField(queryset=None, required=False, label=_("Product unit"))
    address = forms.ModelChoiceField(queryset=None, required=False, label=_("Service address"))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    service_type = forms.ChoiceField(label=_("Service type"), choices=ServiceType.choices, initial=ServiceType.REPAIR)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    description = forms.CharField(label=_("Problem description"), widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("Photos / videos"), required=False)
    answer = forms.CharField(
        label=_("Answer given to the customer"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    submit = forms.ChoiceField(
        choices=[(ACKNOWLEDGE, _("File and acknowledge")), (ANSWER, _("Answered on the spot"))],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        customers = customer_list_for(user)
        self.fields["customer"].queryset = customers
        self.fields["unit"].queryset = unit_list_for(user)
        self.fields["address"].queryset = CustomerAddress.objects.filter(customer__in=customers)

    def clean(self):
        data = super().clean()
        if data.get("submit") == self.ANSWER and not (data.get("answer") or "").strip():
            self.add_error("answer", _("Write down the answer given to the customer."))
        if data.get("submit") != self.ANSWER:
            data["answer"] = ""
        return data


class CustomerInlineForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=32)
    kind = forms.ChoiceField(label=_("Kind"), choices=CustomerKind.choices, initial=CustomerKind.PERSON)
    company_name = forms.CharField(label=_("Company name"), max_length=200, required=False)
    province = forms.CharField(label=_("Province"), max_length=50)
    city = forms.CharField(label=_("City"), max_length=50)
    district = forms.CharField(label=_("District"), max_length=50, required=False)
    street = forms.CharField(label=_("Street address"), max_length=200)
    region = forms.ModelChoiceField(queryset=None, required=False, label=_("Service region"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = region_list()


class UnitRegisterForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    product = forms.ModelChoiceField(queryset=None, label=_("Product"))
    serial_number = forms.CharField(label=_("Serial number"), max_length=64)
    purchase_date = DayField(label=_("Purchase date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    purchase_channel = forms.ChoiceField(
        label=_("Purchase channel"), choices=PurchaseChannel.choices, initial=PurchaseChannel.STORE
    )
    store_name = forms.CharField(label=_("Store / seller"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customer_list_for(user)
        self.fields["product"].queryset = product_list().filter(is_active=True)


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=Action.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs=TEXTAREA))
    technician = forms.ModelChoiceField(queryset=None, required=False, label=_("Technician"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians_for(user)
        self.fields["technician"].label_from_instance = lambda u: (
            f"{u.display_name} · {u.organization}" if u.organization_id else u.display_name
        )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=4000, widget=forms.Textarea(attrs=TEXTAREA))


class AttachmentForm(forms.Form):
    files = MultipleFileField(label=_("Photos / videos"), required=True)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
