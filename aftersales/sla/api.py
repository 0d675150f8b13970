"""/api/sla: a request's targets (time left, state, rule and why) and the preview.

Reads only, scoped like every request read (``request_get_for``): a request the caller
may not see answers 404."""

from __future__ import annotations

import datetime

from django.utils import timezone
from ninja import Query, Router, Schema

from aftersales.core.errors import ValidationFailed
from aftersales.core.permissions import api_roles
from aftersales.core.schemas import ERRORS, Id, Integer, Moment, text
from aftersales.tickets.selectors import request_get_for

from .forms import PreviewForm
from .permissions import PREVIEW_ROLES
from .selectors import sla_preview, sla_status_for

router = Router(tags=["sla"])


class TargetOut(Schema):
    kind: str
    label: str
    state: str
    colour: str
    due_at: datetime.datetime
    seconds_left: int | None
    met_at: datetime.datetime | None
    breached_at: datetime.datetime | None
    breach_by_seconds: int | None
    rule_id: int | None
    rule: str
    reason: str


class PreviewIn(Schema):
    service_type: text(32)
    priority: text(32) = "normal"
    customer_tier: Integer = 1
    region_class: text(32) = "urban"
    channel: text(32) = "phone"
    product_category: Id | None = None
    filed_at: Moment


class PreviewOut(Schema):
    kind: str
    label: str
    rule_id: int
    rule: str
    reason: str
    due_at: datetime.datetime | None
    warning_at: datetime.datetime | None
    business_time: bool
    calendar: str


def _seconds(value):
    return int(value.total_seconds()) if value is not None else None


@router.get("/requests/{int:request_id}", response={200: list[TargetOut], **ERRORS}, summary="A request's SLA targets")
def request_targets(request, request_id: int):
    service_request = request_get_for(request.user, pk=request_id)
    return [
        {
            "kind": s.kind,
            "label": s.label,
            "state": s.state,
            "colour": s.colour,
            "due_at": s.due_at,
            "seconds_left": _seconds(s.time_left),
            "met_at": s.met_at,
            "breached_at": s.breached_at,
            "breach_by_seconds": _seconds(s.breach_by),
            "rule_id": s.policy_id,
            "rule": s.policy_name,
            "reason": s.reason,
        }
        for s in sla_status_for(service_request)
    ]


@router.get(
    "/preview",
    response={200: list[PreviewOut], **ERRORS},
    summary="Which rules and deadlines would apply",
    auth=api_roles(PREVIEW_ROLES),
)
def preview(request, query: Query[PreviewIn]):
    """For a request that does not exist: per target, the rule, why, and the due time.
    ``filed_at`` without a zone is local time. Back-office staff only; writes nothing."""
    filed = query.filed_at if query.filed_at.tzinfo else timezone.make_aware(query.filed_at)
    data = {k: v for k, v in query.dict().items() if v is not None}
    data["filed_at"] = timezone.localtime(filed).strftime("%Y-%m-%dT%H:%M:%S")
    form = PreviewForm(data)
    if not form.is_valid():
        raise ValidationFailed(fields={k: [str(m) for m in v] for k, v in form.errors.items()})
    return [
        {
            "kind": r.kind,
            "label": r.label,
            "rule_id": r.rule.pk,
            "rule": r.rule.display_name,
            "reason": r.reason,
            "due_at": r.due_at,
            "warning_at": r.warning_at,
            "business_time": r.business,
            "calendar": r.calendar_name,
        }
        for r in sla_preview(form.facts(), filed)
    ]
