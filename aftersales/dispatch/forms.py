from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.models import ProductCategory
from aftersales.core.formfields import DayField, MomentField
from aftersales.core.forms import BootstrapMixin
from aftersales.customers.models import Region
from aftersales.sla.models import Calendar
from aftersales.tickets.choices import ServiceType

from .choices import AbsenceReason, AskedBy, DispatchMode

DT = {"type": "datetime-local", "class": "form-control form-control-sm"}


class _Styled(BootstrapMixin):
    control_size = "sm"


class AssignForm(forms.Form):
    technician = forms.IntegerField(required=False, min_value=1)
    organization = forms.IntegerField(required=False, min_value=1)
    reason = forms.CharField(required=False, max_length=2000)
    reassign = forms.BooleanField(required=False)
    next = forms.CharField(required=False, max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class AppointmentForm(forms.Form):
    window_start = MomentField(label=_("From"), widget=forms.DateTimeInput(attrs=DT))
    window_end = MomentField(label=_("Until"), widget=forms.DateTimeInput(attrs=DT))
    agreed_with = forms.CharField(label=_("Agreed with"), max_length=100, required=False)
    named_technician = forms.BooleanField(label=_("The customer was promised this technician"), required=False)


class MoveForm(forms.Form):
    window_start = MomentField(label=_("New from"), widget=forms.DateTimeInput(attrs=DT))
    window_end = MomentField(label=_("New until"), widget=forms.DateTimeInput(attrs=DT))
    reason = forms.CharField(label=_("Reason"), max_length=2000)
    asked_by = forms.ChoiceField(label=_("Asked by"), choices=AskedBy.choices)


class DepartForm(forms.Form):
    eta = MomentField(label=_("Expected arrival"), widget=forms.DateTimeInput(attrs=DT))
    reason = forms.CharField(label=_("Reason if late"), max_length=2000, required=False)


class ProfileForm(_Styled, forms.Form):
    home_label = forms.CharField(label=_("Home base"), max_length=200, required=False)
    home_latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    home_longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6, min_value=-180, max_value=180
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions served"), queryset=Region.objects.order_by("code"), required=False
    )
    calendar = forms.ModelChoiceField(label=_("Working calendar"), queryset=Calendar.objects.all(), required=False)
    shift_start = forms.TimeField(label=_("Shift starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    shift_end = forms.TimeField(label=_("Shift ends"), widget=forms.TimeInput(attrs={"type": "time"}))
    break_earliest = forms.TimeField(label=_("Break not before"), widget=forms.TimeInput(attrs={"type": "time"}))
    break_latest = forms.TimeField(label=_("Break over by"), widget=forms.TimeInput(attrs={"type": "time"}))
    break_minutes = forms.IntegerField(label=_("Break (minutes)"), min_value=0, max_value=240)
    capacity_jobs = forms.IntegerField(label=_("Jobs per day"), min_value=1, max_value=50)
    capacity_minutes = forms.IntegerField(
        label=_("On-site minutes per day"), min_value=30, max_value=1440, required=False
    )
    rating = forms.DecimalField(label=_("Rating"), min_value=1, max_value=5, max_digits=3, decimal_places=2)
    is_dispatchable = forms.BooleanField(label=_("Receives jobs"), required=False)
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: service type, category code (or *), level 1–3. E.g. “repair, sofa, 3”."),
    )

    def clean_skills(self):
        out = []
        for n, line in enumerate((self.cleaned_data.get("skills") or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) != 3 or parts[0] not in ServiceType.values or parts[2] not in ("1", "2", "3"):
                raise forms.ValidationError(
                    _("Line %(n)d: write “service type, category code or *, level”.") % {"n": n}
                )
            category = None
            if parts[1] != "*":
                category = ProductCategory.objects.filter(code=parts[1]).first()
                if category is None:
                    raise forms.ValidationError(_("Line %(n)d: unknown category code.") % {"n": n})
            out.append((category, parts[0], int(parts[2])))
        return out


class _IdLists(forms.Field):
    """Repeated hidden values of ``n:n:n`` (or ``n:n,n,…`` with ``lists``), parsed to tuples of ids."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, parts: int, lists: bool = False, **kwargs):
        self.parts, self.lists = parts, lists
        super().__init__(**kwargs)

    def to_python(self, value):
        out = []
        for raw in value or []:
            bits = str(raw).split(":")
            try:
                if self.lists:
                    if len(bits) != 2:
                        raise ValueError
                    out.append((int(bits[0]), [int(x) for x in bits[1].split(",") if x]))
                else:
                    if len(bits) != self.parts:
                        raise ValueError
                    out.append(tuple(int(x) for x in bits))
            except ValueError:
                raise forms.ValidationError(_("This preview is damaged: open it again.")) from None
        return out


class RebalanceApplyForm(forms.Form):
    """The moves and routes of a previewed day-level re-optimisation, as the preview page posts them."""

    move = _IdLists(parts=3)
    route = _IdLists(parts=2, lists=True, required=False)


class PolicyForm(_Styled, forms.Form):
    """Parses the input; the rules (ranges, one policy per region and type) live in ``services.policies._check_policy``."""

    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.order_by("code"), required=False, empty_label=_("Any region")
    )
    service_type = forms.ChoiceField(
        label=_("Service type"), choices=[("", _("Any service type")), *ServiceType.choices], required=False
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=DispatchMode.choices)
    accept_minutes = forms.IntegerField(
        label=_("Answer within (minutes)"),
        widget=forms.NumberInput(attrs={"min": 1, "max": 1440}),
        help_text=_("An offer not accepted in time goes to the next candidate."),
    )

    def clean_service_type(self):
        return self.cleaned_data.get("service_type") or None


class AbsenceForm(_Styled, forms.Form):
    start = DayField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = DayField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.ChoiceField(label=_("Reason"), choices=AbsenceReason.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


def skills_text(profile) -> str:
    return "\n".join(
        f"{s.service_type}, {s.category.code if s.category else '*'}, {s.level}"
        for s in profile.skills.select_related("category")
    )
