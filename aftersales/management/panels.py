"""What management adds to the pages of the apps below it (through their slots)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.core.permissions import user_has_role

from .choices import PLAN_ROLES


def raise_plan_context(request, board):
    """The kpis dashboard's "raise an improvement plan" button, carrying the measure shown and
    the dashboard's filters."""
    if not user_has_role(request.user, PLAN_ROLES):
        return None
    params = {"kpi": board.selected.key, "origin": "dashboard", **board.filters}
    return {"url": reverse("management:plan_create") + "?" + urlencode(params), "kpi": board.selected}


def _plan_link(request, params: dict, title) -> dict | None:
    if not user_has_role(request.user, PLAN_ROLES):
        return None
    return {"url": reverse("management:plan_create") + "?" + urlencode(params), "title": title}


def plan_from_complaint_context(request, complaint):
    """The complaint page's "raise an improvement plan" button (the plan's form starts from it)."""
    return _plan_link(request, {"complaint": complaint.number}, _("An improvement plan for what this complaint showed"))


def plan_from_inspection_context(request, inspection):
    """The inspection page's "raise an improvement plan" button (the plan's form starts from it)."""
    return _plan_link(request, {"inspection": inspection.pk}, _("An improvement plan for what this inspection found"))
