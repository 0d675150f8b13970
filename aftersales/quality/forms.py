from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import BootstrapMixin

from .choices import CaseKind


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
