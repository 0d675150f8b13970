"""What field adds to the pages of the apps below it (``catalog.slots``, ``tickets.slots``); registered in
``apps.py``."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.html import format_html
from django.utils.translation import gettext as _

from aftersales.tickets.choices import Status
from aftersales.tickets.selectors import request_history_for_unit

from .models import UnitFlag, Visit
from .sanbao import DAYS_LIMIT, REPEAT_LIMIT, unit_counters
from .selectors import VISIT_CARD_FIELDS, visits_of_request

UNIT_HISTORY = 50
VISIT_STATUSES = frozenset({Status.ACCEPTED, Status.SCHEDULED, Status.IN_PROGRESS, Status.WAITING_QUOTE})


def unit_history_context(request, unit) -> dict:
    """The unit's requests the user may see, newest first, each with its visits and their forms."""
    visits = Visit.objects.select_related("technician", "fault", "fault_cause").order_by("sequence", "id")
    history = list(
        request_history_for_unit(request.user, unit)
        .select_related("assigned_technician")
        .prefetch_related(Prefetch("visits", queryset=visits))
        .order_by("-created_at", "-id")[:UNIT_HISTORY]
    )
    return {"history": history, "history_truncated": len(history) == UNIT_HISTORY}


def unit_sanbao_context(request, unit) -> dict:
    return {"sanbao": unit_counters(unit), "sanbao_repeat_limit": REPEAT_LIMIT, "sanbao_days_limit": DAYS_LIMIT}


def unit_sanbao_badge(request, unit) -> str:
    if not UnitFlag.objects.filter(unit=unit).exists():
        return ""
    return format_html(
        '<a href="#sanbao" class="badge text-bg-danger text-decoration-none"><i class="bi bi-exclamation-octagon"></i> {}</a>',
        _("Eligible for exchange or refund"),
    )


def request_visits_context(request, sr) -> dict:
    """The visits (service forms) of a request on its page, with the job page for its technician."""
    user = request.user
    return {
        "sr": sr,
        "visits": visits_of_request(sr, fields=VISIT_CARD_FIELDS),
        "is_technician": user.role == "technician" and sr.assigned_technician_id == user.pk,
        "visit_due": sr.status in VISIT_STATUSES,
    }
