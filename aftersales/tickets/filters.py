"""The one filter set for service requests: the queue page, the API list and exports."""

from __future__ import annotations

import datetime
import re

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.models import ProductUnit
from aftersales.core.phones import phone_search_key
from aftersales.core.ranges import MAX_ID
from aftersales.core.search import prefix_condition
from aftersales.customers.models import Customer, Region

from .choices import PRIORITY_RANK, Channel, Priority, ServiceType, Status

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

# An id beyond 64 bits would overflow the database's integer in a foreign-key lookup.
ID_RANGE = [MinValueValidator(1), MaxValueValidator(MAX_ID)]


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# A request number, whole or its beginning: SR2611-000123, SR2611-0001, SR2611.
NUMBER_PREFIX = re.compile(r"^SR\d{4}(-\d*)?$")
NUMBER_FULL = re.compile(r"^SR\d{4}-\d{6,}$")
# Up to this many matching customers are passed as an id list, which the database
# combines with its indexes; a commoner name prefix is passed as a subquery, and the
# newest requests of those customers are found walking the created index.
CUSTOMER_ID_LIST_MAX = 500


def _customer_ids(customers):
    ids = list(customers.values_list("id", flat=True)[: CUSTOMER_ID_LIST_MAX + 1])
    return ids if len(ids) <= CUSTOMER_ID_LIST_MAX else customers.values("id")


def search_condition(text: str) -> Q:
    """Number (SR…), phone (full, or ≥4 trailing digits), serial number or customer name.

    Only the branches the text can match are searched, each through an index."""
    text = text.strip()
    upper = text.upper()
    if NUMBER_FULL.match(upper):
        return Q(number=upper)
    if NUMBER_PREFIX.match(upper):
        return prefix_condition("number", upper)
    e164 = phone_search_key(text)
    digits = text.replace(" ", "").replace("-", "")
    cond = Q()
    if e164:
        cond |= Q(contact_phone=e164)
        customers = Customer.objects.filter(Q(phone=e164) | Q(phone_alt=e164))
    elif digits.isdigit() and len(digits) >= 4:
        customers = Customer.objects.filter(phone__endswith=digits)
    else:
        customers = Customer.objects.filter(prefix_condition("name", text) | prefix_condition("company_name", text))
    cond |= Q(customer_id__in=_customer_ids(customers))
    units = list(ProductUnit.objects.filter(serial_number=upper).values_list("id", flat=True)[:10])
    if units:
        cond |= Q(unit_id__in=units)
    return cond


class ServiceRequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("Status"), distinct=False)
    service_type = django_filters.MultipleChoiceFilter(
        choices=ServiceType.choices, label=_("Service type"), distinct=False
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=Priority.choices, label=_("Priority"), method="filter_priority", distinct=False
    )
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, label=_("Channel"), distinct=False)
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
    technician = django_filters.NumberFilter(
        field_name="assigned_technician_id", label=_("Technician"), validators=ID_RANGE
    )
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"), validators=ID_RANGE)
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("Unit"), validators=ID_RANGE)

    def filter_priority(self, qs, name, value):
        # The rank is what the indexes hold (status, priority_rank, created_at).
        return qs.filter(priority_rank__in=[PRIORITY_RANK[p] for p in value]) if value else qs

    def filter_q(self, qs, name, value):
        return qs.filter(search_condition(value)) if value and value.strip() else qs

    def filter_created_from(self, qs, name, value):
        return qs.filter(created_at__gte=_day_start(value))

    def filter_created_to(self, qs, name, value):
        return qs.filter(created_at__lt=_day_start(value + datetime.timedelta(days=1)))
