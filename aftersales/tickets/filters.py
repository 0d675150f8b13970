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
from .models import ServiceRequest
from .search import description_condition

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
NUMBER_PREFIX = re.compile(r"^SR(\d{2})(\d{2})(-\d*)?$")
NUMBER_FULL = re.compile(r"^SR\d{4}-\d{6,}$")
# Up to this many matching customers (or numbers) are passed as an id list, which the
# database combines with its indexes; beyond it the condition joins the customer and the
# newest matching requests are found walking the sort's index (the matches are common).
CUSTOMER_ID_LIST_MAX = 500
NUMBER_ID_LIST_MAX = 500
DESCRIPTION_ID_LIST_MAX = 500


def _customer_ids(customers):
    ids = list(customers.values_list("id", flat=True)[: CUSTOMER_ID_LIST_MAX + 1])
    return ids if len(ids) <= CUSTOMER_ID_LIST_MAX else None


def _unjoin(cond: Q) -> Q:
    """A condition on ``customer__x`` as one on the customer itself (``x``)."""
    out = Q(*[_unjoin(c) if isinstance(c, Q) else (c[0].removeprefix("customer__"), c[1]) for c in cond.children])
    out.connector, out.negated = cond.connector, cond.negated
    return out


def _month_span(yy: str, mm: str) -> Q | None:
    """The months a number SRyymm-… was issued in: its request was created then (local time)."""
    try:
        start = datetime.date(2000 + int(yy), int(mm), 1)
    except ValueError:
        return None
    end = datetime.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return Q(created_at__gte=_day_start(start), created_at__lt=_day_start(end))


def _number_condition(upper: str, match) -> Q:
    """A number prefix: the ids when few match (the unique number index), else the prefix
    within its month, so walking the created index stays inside that month."""
    prefix = prefix_condition("number", upper)
    ids = list(ServiceRequest.objects.filter(prefix).values_list("id", flat=True)[: NUMBER_ID_LIST_MAX + 1])
    if len(ids) <= NUMBER_ID_LIST_MAX:
        return Q(id__in=ids)
    month = _month_span(match.group(1), match.group(2))
    if month is None:
        return prefix
    # SRyymm or SRyymm-: every number of that month, i.e. every request created in it
    # (one index range, which the count can stop early in); a longer prefix is matched
    # within the month.
    return month if len(upper) <= len("SRyymm-") else prefix & month


def search_condition(text: str, statuses=None) -> Q:
    """Number (SR…), phone (full, or ≥4 trailing digits), serial number, customer name,
    or words of the problem description (see ``tickets.search``).

    Only the branches the text can match are searched, each through an index;
    ``statuses`` (the status filter) narrows the description terms' index ranges."""
    text = text.strip()
    upper = text.upper()
    if NUMBER_FULL.match(upper):
        return Q(number=upper)
    if match := NUMBER_PREFIX.match(upper):
        return _number_condition(upper, match)
    e164 = phone_search_key(text)
    digits = text.replace(" ", "").replace("-", "")
    cond = Q()
    if e164:
        cond |= Q(contact_phone=e164)
        joined = Q(customer__phone=e164) | Q(customer__phone_alt=e164)
    elif digits.isdigit() and len(digits) >= 4:
        joined = Q(customer__phone__endswith=digits)
    else:
        joined = prefix_condition("customer__name", text) | prefix_condition("customer__company_name", text)
    customers = Customer.objects.filter(_unjoin(joined))
    ids = _customer_ids(customers)
    if ids is None:
        cond |= joined
    elif ids:
        cond |= Q(customer_id__in=ids)
    units = list(ProductUnit.objects.filter(serial_number=upper).values_list("id", flat=True)[:10])
    if units:
        cond |= Q(unit_id__in=units)
    if not (e164 or digits.isdigit()):
        described = description_condition(text, statuses)
        if described is not None and cond and len(described) > 1:
            # Beside a name or serial match, the description's few matches (a word checked
            # in the text too) as an id list: "ids OR ids" is a union of index scans, where
            # "ids OR (subquery)" is a scan of everything. A common word keeps the subquery.
            ids = list(
                ServiceRequest.objects.filter(described).values_list("id", flat=True)[: DESCRIPTION_ID_LIST_MAX + 1]
            )
            if len(ids) <= DESCRIPTION_ID_LIST_MAX:
                described = Q(id__in=ids)
        if described is not None and described != Q(id__in=[]):
            cond |= described
    return cond if cond else Q(pk__in=[])


class ServiceRequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("Status"), method="filter_in", distinct=False
    )
    service_type = django_filters.MultipleChoiceFilter(
        choices=ServiceType.choices, label=_("Service type"), method="filter_in", distinct=False
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=Priority.choices, label=_("Priority"), method="filter_priority", distinct=False
    )
    channel = django_filters.MultipleChoiceFilter(
        choices=Channel.choices, label=_("Channel"), method="filter_in", distinct=False
    )
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

    def filter_in(self, qs, name, value):
        # One ``IN (…)``: the planner reads it as one index condition, not N ORs.
        return qs.filter(**{f"{name}__in": sorted(set(value))}) if value else qs

    def filter_priority(self, qs, name, value):
        # The rank is what the indexes hold (status, priority_rank, created_at).
        return qs.filter(priority_rank__in=[PRIORITY_RANK[p] for p in value]) if value else qs

    def filter_q(self, qs, name, value):
        if not (value and value.strip()):
            return qs
        return qs.filter(search_condition(value, self.form.cleaned_data.get("status") or None))

    def filter_created_from(self, qs, name, value):
        return qs.filter(created_at__gte=_day_start(value))

    def filter_created_to(self, qs, name, value):
        return qs.filter(created_at__lt=_day_start(value + datetime.timedelta(days=1)))
