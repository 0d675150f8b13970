"""Forms for the complaint pages. They check the shape of the input; the rules live in the
services, whose ``DomainError`` messages are put back on the right fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import BootstrapMixin
from aftersales.tickets.choices import Channel

from .choices import Category, Severity
from .selectors import investigator_choices, partner_choices, technician_choices

TEXT_MAX = 4000


def _area(rows: int = 3, **attrs):
    return forms.Textarea(attrs={"rows": rows, "maxlength": TEXT_MAX, **attrs})


def _person(user) -> str:
    return user.display_name if hasattr(user, "display_name") else str(user)


class _PeopleMixin:
    def _people(self):
        if "investigator" in self.fields:
            self.fields["investigator"].queryset = investigator_choices()
            self.fields["investigator"].label_from_instance = lambda u: f"{_person(u)} · {u.get_role_display()}"
        if "technician" in self.fields:
            self.fields["technician"].queryset = technician_choices()
            self.fields["technician"].label_from_instance = lambda u: (
                f"{_person(u)} · {u.organization}" if u.organization_id else _person(u)
            )
        if "partner" in self.fields:
            self.fields["partner"].queryset = partner_choices()


class IntakeForm(_PeopleMixin, BootstrapMixin, forms.Form):
    """Take a complaint: what happened, the demand, category and severity, who complains (or
    anonymous), what it is about."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL)
    description = forms.CharField(label=_("What happened"), max_length=TEXT_MAX, widget=_area(4))
    demand = forms.CharField(label=_("Customer's demand"), max_length=TEXT_MAX, required=False, widget=_area(2))
    anonymous = forms.BooleanField(
        label=_("Anonymous: the complainant gives no name or phone (a tracking code instead)"), required=False
    )
    request_number = forms.CharField(
        label=_("Service request number"),
        max_length=20,
        required=False,
        help_text=_("The customer, technician and partner are taken from the request."),
    )
    contact_name = forms.CharField(label=_("Complainant's name"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Complainant's phone"), max_length=32, required=False)
    technician = forms.ModelChoiceField(queryset=None, required=False, label=_("Technician concerned"))
    partner = forms.ModelChoiceField(queryset=None, required=False, label=_("Partner concerned"))
    investigator = forms.ModelChoiceField(queryset=None, required=False, label=_("Investigator"))

    IDENTITY = ("request_number", "contact_name", "contact_phone")

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("anonymous") not in (None, "", "off", "false", "0"):
            # Anonymous: whatever identity was typed (the page hides those fields) is dropped here,
            # so it is neither stored nor shown again if the form comes back with an error.
            data = data.copy()
            for name in self.IDENTITY:
                data[name] = ""
        super().__init__(data, *args, **kwargs)
        self._people()


class EditForm(_PeopleMixin, BootstrapMixin, forms.Form):
    control_size = "sm"
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    demand = forms.CharField(label=_("Customer's demand"), max_length=TEXT_MAX, required=False, widget=_area(2))
    technician = forms.ModelChoiceField(queryset=None, required=False, label=_("Technician concerned"))
    partner = forms.ModelChoiceField(queryset=None, required=False, label=_("Partner concerned"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._people()


class AssignForm(_PeopleMixin, BootstrapMixin, forms.Form):
    control_size = "sm"
    investigator = forms.ModelChoiceField(queryset=None, label=_("Investigator"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._people()


class NoteForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    text = forms.CharField(label=_("Investigation note"), max_length=TEXT_MAX, widget=_area(2))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,video/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
            if self.required and not files:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return files
        if not data:
            single(data, initial)
            return []
        return [single(data, initial)]


class EvidenceForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    files = MultipleFileField(label=_("Photos, videos or PDF"))
    note = forms.CharField(label=_("What it shows"), max_length=200, required=False)


class ProposeForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    investigation = forms.CharField(
        label=_("Investigation findings"), max_length=TEXT_MAX, required=False, widget=_area(3)
    )
    solution = forms.CharField(label=_("Proposed solution"), max_length=TEXT_MAX, widget=_area(3))


class RespondForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    ACCEPT, REJECT = "accept", "reject"
    answer = forms.ChoiceField(
        label=_("Customer's answer"),
        choices=[(ACCEPT, _("Accepts the solution")), (REJECT, _("Rejects the solution"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(label=_("Customer's words"), max_length=TEXT_MAX, required=False, widget=_area(2))

    def clean(self):
        data = super().clean()
        if data.get("answer") == self.REJECT and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the solution is rejected."))
        return data


class FollowUpForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    note = forms.CharField(label=_("Follow-up result"), max_length=TEXT_MAX, widget=_area(2))


class CloseForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    lessons = forms.CharField(label=_("Lessons learned"), max_length=TEXT_MAX, widget=_area(3))


class DecideForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    decision = forms.CharField(label=_("Manager's decision"), max_length=TEXT_MAX, widget=_area(3))
    lessons = forms.CharField(label=_("Lessons learned"), max_length=TEXT_MAX, required=False, widget=_area(2))


class TrackRespondForm(RespondForm):
    """The complainant's own answer on the tracking page."""

    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[(RespondForm.ACCEPT, _("I accept this solution")), (RespondForm.REJECT, _("I do not accept it"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(label=_("Your comments"), max_length=TEXT_MAX, required=False, widget=_area(3))
