"""What tickets adds to the apps below it (``customers.slots``, ``catalog.slots``): who sees which
customers and units through the requests he holds, what counts towards a customer's tier, and the
customer page's requests. Registered in ``apps.py``."""

from __future__ import annotations

from .selectors import request_count_for_customer, request_list_for

# The newest requests shown on a customer's page; the queue has the rest.
DETAIL_REQUESTS = 50


def customer_scope(user):
    return request_list_for(user).values("customer_id")


def unit_scope(user):
    return request_list_for(user).exclude(unit=None).values("unit_id")


def customer_history_count(customer) -> int:
    """His requests that were not cancelled, counted only as far as the tier rule looks."""
    from aftersales.customers.services import RETURNING_AFTER_REQUESTS

    return request_count_for_customer(customer, up_to=RETURNING_AFTER_REQUESTS + 1)


def customer_requests_context(request, customer) -> dict:
    service_requests = list(
        request_list_for(request.user)
        .filter(customer=customer)
        .select_related("product", "unit", "assigned_technician")
        .order_by("-created_at", "-id")[:DETAIL_REQUESTS]
    )
    return {"service_requests": service_requests, "requests_truncated": len(service_requests) == DETAIL_REQUESTS}
