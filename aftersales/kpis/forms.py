from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import OrganizationKind
from aftersales.accounts.models import Organization
from aftersales.catalog.models import ProductCategory
from aftersales.core.formfields import DayField
from aftersales.core.forms import BootstrapMixin
from aftersales.core.ranges import EARLIEST_DAY, LATEST_DAY
from aftersales.customers.models import Region
from aftersales.tickets.choices import Channel, ServiceType

from .definitions import DIMENSION_KEYS
from .selectors import GRAINS, MAX_DAYS

GRAIN_CHOICES = [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))]
ID_MAX = 2**63 - 1


class FilterForm(BootstrapMixin, forms.Form):
    """The period, the grain and the dimension filters every panel of the dashboard shares."""

    control_size = "sm"
    start = DayField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = DayField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    grain = forms.ChoiceField(label=_("Trend by"), choices=GRAIN_CHOICES, required=False)
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)
    category = forms.TypedChoiceField(label=_("Product category"), required=False, coerce=int, empty_value=None)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    service_type = forms.ChoiceField(label=_("Service type"), required=False)
    partner = forms.TypedChoiceField(label=_("Partner"), required=False, coerce=int, empty_value=None)
    # Set by a click on a chart (no select of their own): team, technician, agent.
    team = forms.IntegerField(required=False, min_value=0, max_value=ID_MAX, widget=forms.HiddenInput)
    technician = forms.IntegerField(required=False, min_value=0, max_value=ID_MAX, widget=forms.HiddenInput)
    agent = forms.IntegerField(required=False, min_value=0, max_value=ID_MAX, widget=forms.HiddenInput)

    def __init__(self, *args, partner_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        anyone = [("", _("All"))]
        self.fields["region"].choices = anyone + list(Region.objects.order_by("name").values_list("pk", "name"))
        self.fields["category"].choices = anyone + list(
            ProductCategory.objects.order_by("name").values_list("pk", "name")
        )
        self.fields["channel"].choices = anyone + list(Channel.choices)
        self.fields["service_type"].choices = anyone + list(ServiceType.choices)
        if partner_locked:
            del self.fields["partner"]
        else:
            self.fields["partner"].choices = anyone + list(
                Organization.objects.filter(kind=OrganizationKind.PARTNER).order_by("name").values_list("pk", "name")
            )

    def clean(self):
        data = super().clean()
        for name in ("start", "end"):
            day = data.get(name)
            if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
                self.add_error(name, _("Enter a date between %(a)s and %(b)s.") % {"a": EARLIEST_DAY, "b": LATEST_DAY})
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end is before the start."))
        elif start and end and (end - start).days > MAX_DAYS:
            self.add_error("start", _("The period is too long."))
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        """[start, end], both included (default: the last 30 days, today included)."""
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - dt.timedelta(days=29)
        return start, end

    def grain_value(self) -> str:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("grain") in GRAINS:
            return data["grain"]
        start, end = self.period()
        return "day" if (end - start).days <= 62 else "week" if (end - start).days <= 200 else "month"

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {k: data[k] for k in DIMENSION_KEYS if data.get(k) not in (None, "")}
