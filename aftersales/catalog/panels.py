"""What catalog adds to the pages of the apps below it (``customers.slots``); registered in ``apps.py``."""

from __future__ import annotations

from .selectors import unit_list_for, unit_warranty


def customer_units_context(request, customer) -> dict:
    """The products the customer owns that the user may see, newest first, with their warranty."""
    units = unit_list_for(request.user).filter(owner=customer).select_related("address").order_by("-created_at", "-id")
    return {"units": [{"unit": unit, "w": unit_warranty(unit)} for unit in units]}
