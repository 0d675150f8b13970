"""What management adds to the pages of the apps below it (through their slots)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from aftersales.core.permissions import user_has_role

from .choices import PLAN_ROLES


def raise_plan_context(request, board):
    """The kpis dashboard's "raise an improvement plan" button, carrying the measure shown and
    the dashboard's filters."""
    if not user_has_role(request.user, PLAN_ROLES):
        return None
    params = {"kpi": board.selected.key, "origin": "dashboard", **board.filters}
    return {"url": reverse("management:plan_create") + "?" + urlencode(params), "kpi": board.selected}
