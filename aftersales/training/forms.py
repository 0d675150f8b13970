from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.catalog.models import ProductCategory
from aftersales.core.formfields import MomentField
from aftersales.core.forms import BootstrapMixin
from aftersales.tickets.choices import ServiceType

from .choices import CourseFormat, CourseKind, Presence, Recurrence

DT = {"type": "datetime-local"}
CHECK = {"class": "form-check-input"}  # choice lists of boxes and radios (BootstrapMixin would style them as inputs)
ROLE_CHOICES = [(r.value, r.label) for r in Role if r != Role.CUSTOMER]


class CourseForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=CourseKind.choices)
    format = forms.ChoiceField(
        label=_("Format"), choices=[("", _("The kind's usual format"))] + CourseFormat.choices, required=False
    )
    recurrence_months = forms.TypedChoiceField(
        label=_("Recurrence"),
        choices=[("", _("The kind's usual recurrence"))] + Recurrence.choices,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Service philosophy monthly, case analysis quarterly, product knowledge half-yearly (seed 002)."),
    )
    audience = forms.MultipleChoiceField(
        label=_("Audience"),
        choices=ROLE_CHOICES,
        widget=forms.CheckboxSelectMultiple(attrs=CHECK),
        initial=[Role.TECHNICIAN],
    )
    pass_score = forms.IntegerField(
        label=_("Pass score"), min_value=0, max_value=100, required=False, help_text=_("Empty: attending is passing.")
    )
    certifies_service_type = forms.ChoiceField(
        label=_("Certifies the skill"),
        choices=[("", _("No skill"))] + ServiceType.choices,
        required=False,
        help_text=_("A technician whose certification has lapsed gets no jobs of this skill."),
    )
    certifies_category = forms.ModelChoiceField(
        label=_("on products of"),
        queryset=ProductCategory.objects.order_by("code"),
        required=False,
        empty_label=_("Any product"),
    )
    validity_months = forms.IntegerField(label=_("Valid for (months)"), min_value=1, max_value=120, required=False)
    certification_required = forms.BooleanField(
        label=_("Required of every technician doing this skill"),
        required=False,
        help_text=_("Otherwise only a lapsed certification keeps the skill's jobs from its holder."),
    )
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def service_data(self) -> dict:
        d = dict(self.cleaned_data)
        d["certifies_service_type"] = d.get("certifies_service_type") or ""
        return d


class SessionForm(BootstrapMixin, forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=None)
    starts_at = MomentField(label=_("Starts at"), widget=forms.DateTimeInput(attrs=DT, format="%Y-%m-%dT%H:%M"))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=24 * 60, initial=60)
    trainer = forms.ModelChoiceField(label=_("Trainer"), queryset=None, required=False, empty_label=_("Not named"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    online = forms.BooleanField(label=_("Online"), required=False)
    cases = forms.ModelMultipleChoiceField(
        label=_("Cases analysed"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs=CHECK),
        help_text=_("Published cases of the case library."),
    )
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, courses=None, trainers=None, cases=None, edit=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses
        self.fields["trainer"].queryset = trainers
        self.fields["cases"].queryset = cases
        if edit:
            del self.fields["course"]


class AttendanceForm(BootstrapMixin, forms.Form):
    """Presence (``presence_<id>``) and score (``score_<id>``) of each person of the roster."""

    control_size = "sm"

    def __init__(self, *args, roster=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roster = list(roster)
        for row in self.roster:
            p, a = row["person"], row["attendance"]
            self.fields[f"presence_{p.pk}"] = forms.ChoiceField(
                label=p.display_name,
                choices=Presence.choices,
                widget=forms.RadioSelect(attrs=CHECK),
                initial=a.presence if a else Presence.PRESENT,
            )
            self.fields[f"score_{p.pk}"] = forms.IntegerField(
                label=_("Score"), min_value=0, max_value=100, required=False, initial=a.score if a else None
            )

    def lines(self):
        for row in self.roster:
            p = row["person"]
            yield {
                "person": p,
                "attendance": row["attendance"],
                "presence": self[f"presence_{p.pk}"],
                "score": self[f"score_{p.pk}"],
            }

    def rows(self) -> list:
        out = []
        for row in self.roster:
            p = row["person"]
            presence = self.cleaned_data[f"presence_{p.pk}"]
            score = self.cleaned_data[f"score_{p.pk}"]
            out.append((p, presence, score if presence == Presence.PRESENT else None))
        return out


class CancelForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
