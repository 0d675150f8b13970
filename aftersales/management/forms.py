from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.accounts.models import User
from aftersales.catalog.models import ProductCategory
from aftersales.core.formfields import DayField
from aftersales.core.forms import BootstrapMixin
from aftersales.customers.models import Region
from aftersales.kpis.definitions import HIGHER, KPIS, LOWER
from aftersales.quality.models import Inspection
from aftersales.quality.selectors import inspection_rows

from .choices import PLAN_ROLES, Method, PlanOrigin, SchemeRole
from .models import Scheme
from .periods import month_add, month_first, month_parse

ID_MAX = 2**63 - 1
INSPECTIONS_DAYS = 120  # the plan form offers the inspections of the last four months


def kpi_choices():
    return [(k.key, k.name) for k in KPIS if k.direction in (HIGHER, LOWER)]


def month_choices(count: int = 13):
    this = month_first(timezone.localdate())
    return [(f"{month_add(this, -i):%Y-%m}", f"{month_add(this, -i):%Y-%m}") for i in range(count)]


class MonthField(forms.ChoiceField):
    def clean(self, value):
        value = super().clean(value)
        return month_parse(value) if value else None


class SchemeForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    role = forms.ChoiceField(label=_("Assesses"), choices=SchemeRole.choices)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class LineForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    kpi = forms.ChoiceField(label=_("Measure"), choices=())
    weight = forms.IntegerField(label=_("Weight (%)"), min_value=1, max_value=100)
    method = forms.ChoiceField(label=_("Scoring"), choices=Method.choices, initial=Method.LINEAR)
    floor = forms.DecimalField(label=_("Floor (0 points)"), max_digits=10, decimal_places=2, required=False)
    target = forms.DecimalField(label=_("Target (all points)"), max_digits=10, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = kpi_choices()


class BaseLineFormSet(forms.BaseFormSet):
    def lines(self) -> list[dict]:
        out = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not data.get("kpi"):
                continue
            out.append({k: data.get(k) for k in ("kpi", "weight", "method", "floor", "target", "note")})
        return out


LineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=1, can_delete=True, max_num=12)


class RunForm(BootstrapMixin, forms.Form):
    scheme = forms.ModelChoiceField(label=_("Scheme"), queryset=Scheme.objects.none())
    month = MonthField(label=pgettext_lazy("management", "Month"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = Scheme.objects.filter(is_active=True).order_by("role", "name")
        self.fields["month"].choices = month_choices()
        if not self.is_bound:  # the month that has just ended
            self.initial.setdefault("month", f"{month_add(month_first(timezone.localdate()), -1):%Y-%m}")


def plan_owners():
    return User.objects.filter(is_active=True, role__in=PLAN_ROLES).order_by("last_name", "first_name", "pk")


PERIOD_CHOICES = [(14, _("14 days")), (30, _("30 days")), (60, _("60 days")), (90, _("90 days"))]


class PlanForm(BootstrapMixin, forms.Form):
    problem = forms.CharField(label=_("Problem"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    measure = forms.CharField(label=_("What will be done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    department = forms.CharField(label=_("Department"), max_length=100)
    owner = forms.ModelChoiceField(label=_("Responsible person"), queryset=User.objects.none())
    deadline = DayField(
        label=pgettext_lazy("management", "Deadline"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kpi = forms.ChoiceField(label=_("Measure to move"), choices=())
    period_days = forms.TypedChoiceField(
        label=_("Compare over"),
        choices=PERIOD_CHOICES,
        coerce=int,
        initial=30,
        help_text=_(
            "The baseline is measured over this many days before the plan starts, the effect over as many days after it is done."
        ),
    )
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)
    category = forms.TypedChoiceField(label=_("Product category"), required=False, coerce=int, empty_value=None)
    # Carried from the dashboard (no select of their own).
    channel = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)
    service_type = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)
    team = forms.IntegerField(required=False, min_value=0, max_value=ID_MAX, widget=forms.HiddenInput)
    technician = forms.IntegerField(required=False, min_value=0, max_value=ID_MAX, widget=forms.HiddenInput)
    agent = forms.IntegerField(required=False, min_value=0, max_value=ID_MAX, widget=forms.HiddenInput)
    partner = forms.IntegerField(required=False, min_value=0, max_value=ID_MAX, widget=forms.HiddenInput)
    origin = forms.ChoiceField(choices=PlanOrigin.choices, required=False, widget=forms.HiddenInput)
    complaint_number = forms.CharField(
        label=_("Complaint no."), max_length=20, required=False, help_text=_("When the plan answers a complaint.")
    )
    inspection = forms.ModelChoiceField(
        label=pgettext_lazy("management", "Inspection"),
        required=False,
        queryset=None,
        help_text=_("When the plan answers an inspection's findings."),
    )

    FILTERS = ("region", "category", "channel", "service_type", "team", "technician", "agent", "partner")

    def __init__(self, *args, started: bool = False, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = plan_owners()
        since = timezone.now() - dt.timedelta(days=INSPECTIONS_DAYS)
        field = self.fields["inspection"]
        field.queryset = (
            inspection_rows(user).filter(created_at__gte=since) if user is not None else Inspection.objects.none()
        )
        field.label_from_instance = lambda i: (
            f"{i.visit.number} · {i.technician.display_name} · {i.get_status_display()}"
        )
        self.fields["kpi"].choices = kpi_choices()
        anyone = [("", _("All"))]
        self.fields["region"].choices = anyone + list(Region.objects.order_by("name").values_list("pk", "name"))
        self.fields["category"].choices = anyone + list(
            ProductCategory.objects.order_by("name").values_list("pk", "name")
        )
        if not self.is_bound and "deadline" not in self.initial:
            self.initial["deadline"] = timezone.localdate() + dt.timedelta(days=30)
        if started:  # the baseline is measured: the measure, filters and period stay
            for name in ("kpi", "period_days", "region", "category"):
                self.fields[name].disabled = True

    def filters(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.FILTERS if self.cleaned_data.get(k) not in (None, "")}


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class ReportForm(BootstrapMixin, forms.Form):
    month = MonthField(label=pgettext_lazy("management", "Month"), choices=())
    language = forms.ChoiceField(label=_("Language"), choices=[("zh-hans", "简体中文"), ("en", "English")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = month_choices()
        if not self.is_bound:
            self.initial.setdefault("month", f"{month_add(month_first(timezone.localdate()), -1):%Y-%m}")
