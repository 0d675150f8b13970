"""SLA pages: requests at risk and breached (scoped like the queue), the escalation log
for managers, and the policy preview. Thin: a form, a selector, a template."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aftersales.core.errors import ValidationFailed
from aftersales.core.pagination import count_capped, keyset_page
from aftersales.core.permissions import roles_required
from aftersales.customers.choices import RegionClass
from aftersales.tickets.choices import Channel, Priority, ServiceType

from .forms import ClockFilterForm, EscalationFilterForm, PreviewForm
from .models import EscalationLevel
from .permissions import CLOCK_ROLES, ESCALATION_ROLES, PREVIEW_ROLES, can_edit_settings
from .selectors import (
    escalation_levels,
    sla_clock_list_for,
    sla_escalation_counts,
    sla_escalation_list,
    sla_preview,
    sla_statuses,
)

PAGE_SIZE = 50


def _page(request, qs, order):
    try:
        return keyset_page(qs, order=order, cursor=request.GET.get("cursor") or None, size=PAGE_SIZE), None
    except ValidationFailed as exc:
        return None, exc


def _clock_view(request, view: str, template_title: str):
    form = ClockFilterForm(request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_valid() else None
    now = timezone.now()
    qs = sla_clock_list_for(request.user, view, now=now, kind=kind or None)
    page, error = _page(request, qs, ["due_at", "id"])
    rows = []
    if page is not None:
        for clock in page.items:
            (status,) = sla_statuses([clock], now=now)
            rows.append((clock, status))
    count, capped = count_capped(qs)
    context = {
        "view": view,
        "title": template_title,
        "form": form,
        "rows": rows,
        "page": page,
        "error": error,
        "count": count,
        "capped": capped,
    }
    return render(request, "sla/clock_list.html", context, status=400 if error else 200)


@require_GET
@roles_required(CLOCK_ROLES)  # service levels are internal
def at_risk(request):
    return _clock_view(request, "at_risk", _("At risk"))


@require_GET
@roles_required(CLOCK_ROLES)
def breached(request):
    return _clock_view(request, "breached", _("Breached"))


@require_GET
@roles_required(ESCALATION_ROLES)
def escalations(request):
    form = EscalationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = sla_escalation_list(
        request.user,
        level=filters.get("level"),
        kind=filters.get("kind") or None,
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    page, error = _page(request, qs, ["-at", "-id"])
    by_level = sla_escalation_counts(
        sla_escalation_list(
            request.user,
            kind=filters.get("kind") or None,
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
    )
    levels = {row.level: row.display_name for row in escalation_levels() if not row.kind}
    context = {
        "form": form,
        "page": page,
        "rows": page.items if page else [],
        "error": error,
        "by_level": sorted(by_level.items()),
        "level_names": levels,
        "warning_level": EscalationLevel.WARNING,
    }
    return render(request, "sla/escalations.html", context, status=400 if error else 200)


@require_GET
@roles_required(PREVIEW_ROLES)
def preview(request):
    form = PreviewForm(request.GET or None)
    rows, sentence = None, ""
    if form.is_valid():
        data = form.cleaned_data
        filed = timezone.localtime(data["filed_at"])
        rows = sla_preview(form.facts(), filed)
        sentence = _(
            "A %(type)s (%(priority)s) for a %(stars)s customer in a %(region)s area, by %(channel)s%(category)s, "
            "filed at %(filed)s:"
        ) % {
            "type": ServiceType(data["service_type"]).label,
            "priority": Priority(data["priority"]).label,
            "stars": "★" * int(data["customer_tier"]),
            "region": RegionClass(data["region_class"]).label,
            "channel": Channel(data["channel"]).label,
            "category": f" · {data['product_category']}" if data.get("product_category") else "",
            "filed": date_format(filed, "Y-m-d H:i, l"),
        }
    context = {"form": form, "rows": rows, "sentence": sentence, "can_edit_rules": can_edit_settings(request.user)}
    return render(request, "sla/preview.html", context)
