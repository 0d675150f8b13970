"""Reads with rules. Who sees which customers (R-ROLE-1):
back office all; a technician or partner the customers of requests they hold; a
customer himself."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from aftersales.core.phones import phone_search_key
from aftersales.core.search import prefix_condition

from .models import Customer, CustomerAddress, Region
from .permissions import customer_can_see, customer_list_for  # noqa: F401  (customer_can_see re-exported)


def customer_get_for(user, pk: int) -> Customer:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(customer_list_for(user), pk=pk)


def customer_search(user, text: str, *, limit: int = 10) -> list[Customer]:
    """Intake lookup as you type: a phone (full or last digits) or a name prefix."""
    text = (text or "").strip()
    if not text:
        return []
    qs = customer_list_for(user)
    e164 = phone_search_key(text)
    digits = text.replace(" ", "").replace("-", "").lstrip("+")
    if e164:
        cond = Q(phone=e164) | Q(phone_alt=e164)
    elif digits.isdigit() and len(digits) >= 4:
        cond = Q(phone__endswith=digits) | Q(phone_alt__endswith=digits)
    else:
        cond = prefix_condition("name", text) | prefix_condition("company_name", text)
    return list(qs.filter(cond).order_by("name", "id")[:limit])


def address_list_for_customer(customer: Customer) -> QuerySet[CustomerAddress]:
    return customer.addresses.select_related("region")


def region_list() -> QuerySet[Region]:
    return Region.objects.all()
