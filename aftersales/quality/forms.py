from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.core.formfields import DayField
from aftersales.core.forms import BootstrapMixin

from .choices import CaseKind, InspectionMethod


class CaseForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices)
    summary = forms.CharField(label=_("What happened"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    analysis = forms.CharField(
        label=_("Analysis"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lessons = forms.CharField(label=_("Lessons"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    tags = forms.CharField(
        label=_("Tags"), max_length=300, required=False, help_text=_("Separated by commas, e.g. 漏水, 热水器")
    )
    request_number = forms.CharField(label=_("Service request no."), max_length=20, required=False)


class FromComplaintForm(BootstrapMixin, forms.Form):
    complaint_number = forms.CharField(label=_("Complaint no."), max_length=20)


class RecordForm(BootstrapMixin, forms.Form):
    """Pass/fail for every item of an inspection's checklist (``item_<id>``), method and findings."""

    method = forms.ChoiceField(label=_("Method"), choices=InspectionMethod.choices, widget=forms.RadioSelect)
    findings = forms.CharField(
        label=_("Findings"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.TypedChoiceField(
                label=str(item),
                choices=[("1", _("Pass")), ("0", _("Fail"))],
                coerce=lambda v: v == "1",
                widget=forms.RadioSelect,
            )

    def item_fields(self):
        return [self[f"item_{item.pk}"] for item in self.items]

    def results(self) -> dict:
        return {item.pk: self.cleaned_data[f"item_{item.pk}"] for item in self.items}


class CorrectiveForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("Corrective action"), max_length=300)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None)
    due_date = DayField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class CancelForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
