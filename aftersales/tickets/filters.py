"""The one filter set for service requests: the queue page, the API list and exports."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.models import ProductUnit
from aftersales.core.phones import phone_search_key
from aftersales.customers.models import Customer, Region

from .choices import Channel, Priority, ServiceType, Status

# Sort keys -> keyset order (always ending with a unique column).
SORTS = {
    "-created": ["-created_at", "-id"],
    "created": ["created_at", "id"],
    "priority": ["priority_rank", "created_at", "id"],
    "-updated": ["-updated_at", "-id"],
}
SORT_LABELS = {
    "-created": _("Newest first"),
    "created": _("Oldest first"),
    "priority": _("Most urgent first"),
    "-updated": _("Recently changed"),
}
DEFAULT_SORT = "-created"
# Dates outside this range cannot be turned into aware datetimes safely (year 1 / 9999).
DATE_RANGE = [
    MinValueValidator(datetime.date(1970, 1, 1)),
    MaxValueValidator(datetime.date(2999, 12, 31)),
]


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def search_condition(text: str) -> Q:
    """Number (SR…), phone (full, or ≥4 trailing digits), serial number or customer name."""
    text = text.strip()
    upper = text.upper()
    cond = Q(number=upper)
    if upper.startswith("SR") and len(upper) >= 6:
        cond |= Q(number__startswith=upper)
    customers = Customer.objects.none()
    e164 = phone_search_key(text)
    digits = text.replace(" ", "").replace("-", "")
    if e164:
        cond |= Q(contact_phone=e164)
        customers = Customer.objects.filter(Q(phone=e164) | Q(phone_alt=e164))
    elif digits.isdigit() and len(digits) >= 4:
        customers = Customer.objects.filter(phone__endswith=digits)
    else:
        customers = Customer.objects.filter(Q(name__startswith=text) | Q(company_name__startswith=text))
    cond |= Q(customer_id__in=customers.values("id"))
    cond |= Q(unit_id__in=ProductUnit.objects.filter(serial_number=upper).values("id"))
    return cond


class ServiceRequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("Status"))
    service_type = django_filters.MultipleChoiceFilter(choices=ServiceType.choices, label=_("Service type"))
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, label=_("Priority"))
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, label=_("Channel"))
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.all(), label=_("Region"))
    created_from = django_filters.DateFilter(
        method="filter_created_from",
        label=_("Created from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=DATE_RANGE,
    )
    created_to = django_filters.DateFilter(
        method="filter_created_to",
        label=_("Created to"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=DATE_RANGE,
    )
    in_warranty = django_filters.BooleanFilter(label=_("In warranty"))
    technician = django_filters.NumberFilter(field_name="assigned_technician_id", label=_("Technician"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"))
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("Unit"))

    def filter_q(self, qs, name, value):
        return qs.filter(search_condition(value)) if value and value.strip() else qs

    def filter_created_from(self, qs, name, value):
        return qs.filter(created_at__gte=_day_start(value))

    def filter_created_to(self, qs, name, value):
        return qs.filter(created_at__lt=_day_start(value + datetime.timedelta(days=1)))
