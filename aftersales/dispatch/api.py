"""/api/dispatch: suggestions, assignment, the grab pool, offers, appointments and day route plans (R-DSP-1..5).

Same scoping as the pages: a request the caller may not see answers 404; a step the role may not take, 403;
someone else already holding the job, 409 ``already_assigned``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import Http404
from ninja import Field, Router, Schema
from ninja.responses import Status as Reply

from aftersales.accounts.choices import Role
from aftersales.accounts.permissions import STAFF_ROLES
from aftersales.accounts.selectors import user_list_with_role
from aftersales.core.errors import ValidationFailed
from aftersales.core.permissions import api_roles
from aftersales.core.schemas import ERRORS, Day, Id, InputSchema, Integer, Moment, text
from aftersales.tickets.selectors import request_get_for

from . import routes, services
from .choices import AskedBy
from .permissions import BOOKING_ROLES, CREW_ROLES, DISPATCH_ROLES, POLICY_EDIT_ROLES, TECHNICIAN_ROLES
from .selectors import (
    appointment_get_for,
    partner_organizations,
    policy_list_for,
    pool_claim_target,
    pool_for,
    profile_get_for,
    suggestions_for,
)

router = Router(tags=["dispatch"])


class PartOut(Schema):
    key: str
    label: str
    value: float
    weight: float
    points: float


class SuggestionOut(Schema):
    technician_id: int
    name: str
    organization: str
    score: float
    distance_km: float | None
    distance_from: str
    open_jobs_today: int
    capacity_jobs: int
    parts: list[PartOut]
    notes: list[str]


class OfferOut(Schema):
    id: int
    request_id: int
    technician_id: int | None
    organization_id: int
    status: str
    via: str
    expires_at: dt.datetime | None
    score: dict


class AssignIn(InputSchema):
    technician_id: Id | None = None
    organization_id: Id | None = None
    reason: text(2000) = ""
    reassign: bool = False


class ReasonIn(InputSchema):
    reason: text(2000)


class PoolJobOut(Schema):
    id: int
    number: str
    service_type: str
    priority: str
    address: str
    description: str

    @staticmethod
    def resolve_address(obj) -> str:
        return str(obj.address or "")


class AppointmentIn(InputSchema):
    window_start: Moment
    window_end: Moment
    agreed_with: text(100) = ""
    confirm: bool = True
    named_technician: bool = False  # the customer was promised this technician: optimisation keeps him


class MoveIn(InputSchema):
    window_start: Moment
    window_end: Moment
    reason: text(2000)
    asked_by: AskedBy


class DepartIn(InputSchema):
    eta: Moment
    reason: text(2000) = ""


class AppointmentOut(Schema):
    id: int
    request_id: int
    technician_id: int | None
    window_start: dt.datetime
    window_end: dt.datetime
    status: str
    agreed_with: str
    asked_by: str
    reason: str
    previous_id: int | None
    named_technician: bool
    departed_at: dt.datetime | None
    eta: dt.datetime | None


class StopOut(Schema):
    order: int
    request_id: int
    number: str
    arrival: dt.datetime
    start: dt.datetime
    end: dt.datetime
    travel_seconds: int
    travel_metres: int

    @staticmethod
    def resolve_number(obj) -> str:
        return obj.request.number


class PlanOut(Schema):
    technician_id: int
    day: dt.date
    computed_at: dt.datetime | None = None
    method: str = ""
    departure: dt.datetime | None = None
    return_at: dt.datetime | None = None
    break_start: dt.datetime | None = None
    break_end: dt.datetime | None = None
    travel_seconds: int = 0
    travel_metres: int = 0
    stops: list[StopOut] = []
    unplanned: list[dict] = []


def _suggestion_out(s) -> dict:
    f = s.facts
    return {
        "technician_id": f.technician_id,
        "name": f.name,
        "organization": f.organization,
        "score": s.score,
        "distance_km": round(f.distance_km, 2) if f.distance_km is not None else None,
        "distance_from": f.distance_from,
        "open_jobs_today": f.open_jobs_today,
        "capacity_jobs": f.capacity_jobs,
        "parts": s.rows(),
        "notes": s.notes,
    }


def _ref(qs, pk, field):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise ValidationFailed(fields={field: ["Unknown id."]})
    return obj


@router.get(
    "/requests/{int:request_id}/suggestions", response={200: list[SuggestionOut], **ERRORS}, auth=api_roles(CREW_ROLES)
)
def suggestions_api(request, request_id: int):
    """Ranked candidates with each part of the score (office dispatch roles; partners: their technicians)."""
    sr = request_get_for(request.auth, pk=request_id)
    return [_suggestion_out(s) for s in suggestions_for(request.auth, sr)]


@router.post("/requests/{int:request_id}/assign", response={200: OfferOut, **ERRORS}, auth=api_roles(CREW_ROLES))
def assign_api(request, request_id: int, payload: AssignIn):
    """Give the job to a technician (or a partner organization). Not the top suggestion: ``reason`` required.
    Someone already holds it: 409 unless ``reassign`` with a reason."""
    sr = request_get_for(request.auth, pk=request_id)
    technician = organization = None
    if payload.technician_id:
        technician = _ref(user_list_with_role(Role.TECHNICIAN), payload.technician_id, "technician_id")
    if payload.organization_id:
        organization = _ref(partner_organizations(), payload.organization_id, "organization_id")
    return services.dispatch_assign(
        actor=request.auth,
        request=sr,
        technician=technician,
        organization=organization,
        reason=payload.reason,
        reassign=payload.reassign,
    )


@router.get("/pool", response={200: list[PoolJobOut], **ERRORS}, auth=api_roles(TECHNICIAN_ROLES))
def pool_api(request):
    """Grab-pool jobs the caller (a technician) is qualified for."""
    return pool_for(request.auth)


@router.post("/pool/{int:request_id}/claim", response={200: OfferOut, **ERRORS}, auth=api_roles(TECHNICIAN_ROLES))
def claim_api(request, request_id: int):
    """Take a pool job: the first claim wins; later ones get 409 ``already_assigned``."""
    sr = pool_claim_target(request.auth, request_id)
    return services.pool_claim(actor=request.auth, request=sr)


@router.post("/requests/{int:request_id}/accept", response={200: OfferOut, **ERRORS}, auth=api_roles(TECHNICIAN_ROLES))
def accept_api(request, request_id: int):
    return services.offer_accept(actor=request.auth, request=request_get_for(request.auth, pk=request_id))


@router.post("/requests/{int:request_id}/decline", response={200: OfferOut, **ERRORS}, auth=api_roles(TECHNICIAN_ROLES))
def decline_api(request, request_id: int, payload: ReasonIn):
    return services.offer_decline(
        actor=request.auth, request=request_get_for(request.auth, pk=request_id), reason=payload.reason
    )


@router.post(
    "/requests/{int:request_id}/appointments", response={201: AppointmentOut, **ERRORS}, auth=api_roles(BOOKING_ROLES)
)
def appointment_create_api(request, request_id: int, payload: AppointmentIn):
    """Book a visit window; ``confirm`` (agreed with the customer) schedules the request."""
    sr = request_get_for(request.auth, pk=request_id)
    appt = services.appointment_create(
        actor=request.auth,
        request=sr,
        window_start=payload.window_start,
        window_end=payload.window_end,
        agreed_with=payload.agreed_with,
        confirm=payload.confirm,
        named_technician=payload.named_technician,
    )
    return Reply(201, appt)


@router.post("/appointments/{int:appointment_id}/confirm", response={200: AppointmentOut, **ERRORS})
def appointment_confirm_api(request, appointment_id: int):
    appt = appointment_get_for(request.auth, appointment_id)
    return services.appointment_confirm(actor=request.auth, appointment=appt)


@router.post("/appointments/{int:appointment_id}/move", response={201: AppointmentOut, **ERRORS})
def appointment_move_api(request, appointment_id: int, payload: MoveIn):
    """A new window: reason and who asked (customer/company) required; the old one stays as "moved"."""
    appt = appointment_get_for(request.auth, appointment_id)
    new = services.appointment_move(
        actor=request.auth,
        appointment=appt,
        window_start=payload.window_start,
        window_end=payload.window_end,
        reason=payload.reason,
        asked_by=str(payload.asked_by),
    )
    return Reply(201, new)


@router.post(
    "/appointments/{int:appointment_id}/depart",
    response={200: AppointmentOut, **ERRORS},
    auth=api_roles(TECHNICIAN_ROLES),
)
def appointment_depart_api(request, appointment_id: int, payload: DepartIn):
    """The technician leaves for the visit; the customer is told the expected arrival."""
    appt = appointment_get_for(request.auth, appointment_id)
    return services.appointment_depart(actor=request.auth, appointment=appt, eta=payload.eta, reason=payload.reason)


def _plan_out(technician_id: int, day: dt.date):
    from .models import RoutePlan

    plan = RoutePlan.objects.filter(technician_id=technician_id, day=day).prefetch_related("stops__request").first()
    if plan is None:
        return {"technician_id": technician_id, "day": day}
    return {
        "technician_id": technician_id,
        "day": day,
        "computed_at": plan.computed_at,
        "method": plan.method,
        "departure": plan.departure,
        "return_at": plan.return_at,
        "break_start": plan.break_start,
        "break_end": plan.break_end,
        "travel_seconds": plan.travel_seconds,
        "travel_metres": plan.travel_metres,
        "stops": sorted(plan.stops.all(), key=lambda s: s.order),
        "unplanned": plan.unplanned,
    }


@router.get("/plans/{int:technician_id}/{day}", response={200: PlanOut, **ERRORS}, auth=api_roles(STAFF_ROLES))
def plan_get_api(request, technician_id: int, day: Day):
    """A technician's stored day plan (empty when never planned)."""
    profile_get_for(request.auth, technician_id)
    return _plan_out(technician_id, day)


@router.post(
    "/plans/{int:technician_id}/{day}/optimise", response={200: PlanOut, **ERRORS}, auth=api_roles(DISPATCH_ROLES)
)
def plan_optimise_api(request, technician_id: int, day: Day):
    """Re-optimise one technician's day now: dispatch roles only (dispatcher, manager, admin), as on
    the dispatcher board. Whoever may read the plan and is not one of them gets 403."""
    user = request.auth
    profile = profile_get_for(user, technician_id)
    routes.route_plan_build(actor=user, technician=profile.user, day=day)
    return _plan_out(technician_id, day)


# --- policies ------------------------------------------------------------------------------------


class PolicyOut(Schema):
    id: int
    region_id: int | None
    region_code: str | None = None
    service_type: str | None
    mode: str
    accept_minutes: int

    @staticmethod
    def resolve_region_code(obj):
        return obj.region.code if obj.region_id else None


class PolicyIn(InputSchema):
    region_id: Id | None = None
    service_type: text(16) | None = None
    mode: text(8)
    accept_minutes: Integer = 30


def _policy_for(user, policy_id: int):
    policy = policy_list_for(user).filter(pk=policy_id).first()
    if policy is None:
        raise Http404
    return policy


def _policy_data(payload: PolicyIn) -> dict:
    from aftersales.customers.selectors import region_list

    region = _ref(region_list(), payload.region_id, "region_id") if payload.region_id else None
    return {
        "region": region,
        "service_type": payload.service_type or None,
        "mode": payload.mode,
        "accept_minutes": payload.accept_minutes,
    }


@router.get("/policies", response={200: list[PolicyOut], **ERRORS}, auth=api_roles(DISPATCH_ROLES))
def policies_api(request):
    """Dispatch policies (region × service type → mode, answer time). Dispatch roles read; others 403."""
    return list(policy_list_for(request.auth))


@router.post("/policies", response={201: PolicyOut, **ERRORS}, auth=api_roles(POLICY_EDIT_ROLES))
def policy_create_api(request, payload: PolicyIn):
    """Managers and administrators write policies; one per region × service type (a second one: 409)."""
    return Reply(201, services.policy_create(actor=request.auth, **_policy_data(payload)))


@router.put("/policies/{int:policy_id}", response={200: PolicyOut, **ERRORS}, auth=api_roles(POLICY_EDIT_ROLES))
def policy_update_api(request, policy_id: int, payload: PolicyIn):
    policy = _policy_for(request.auth, policy_id)
    return services.policy_update(actor=request.auth, policy=policy, **_policy_data(payload))


@router.delete("/policies/{int:policy_id}", response={204: None, **ERRORS}, auth=api_roles(POLICY_EDIT_ROLES))
def policy_delete_api(request, policy_id: int):
    services.policy_delete(actor=request.auth, policy=_policy_for(request.auth, policy_id))
    return Reply(204, None)


# --- re-optimising a day across technicians ----------------------------------------------------


class MoveOut(Schema):
    request_id: int
    number: str
    from_technician_id: int
    to_technician_id: int
    from_name: str
    to_name: str


class RebalanceOut(Schema):
    day: dt.date
    improved: bool
    movable: int
    moves: list[MoveOut]
    metres_before: int
    metres_after: int
    seconds_before: int
    seconds_after: int
    planned_before: int
    planned_after: int
    routes: dict[int, list[int]]


class RebalanceMoveIn(InputSchema):
    request_id: Id
    from_technician_id: Id
    to_technician_id: Id


class RebalanceApplyIn(InputSchema):
    moves: list[RebalanceMoveIn] = Field(max_length=10_000)
    routes: dict[Id, Annotated[list[Id], Field(max_length=1000)]] = Field({}, max_length=10_000)


class RebalanceAppliedOut(Schema):
    moved: list[int]


@router.get("/rebalance/{day}", response={200: RebalanceOut, **ERRORS}, auth=api_roles(DISPATCH_ROLES))
def rebalance_preview_api(request, day: Day):
    """Which jobs a day-level re-optimisation would move, from whom to whom, and the travel before and after.
    Nothing changes. Takes a few seconds (two solver runs). Dispatch roles."""
    from . import rebalance

    p = rebalance.rebalance_preview(actor=request.auth, day=day)
    return {
        "day": p.day,
        "improved": p.improved,
        "movable": p.movable,
        "moves": [
            {
                "request_id": m.request.pk,
                "number": m.request.number,
                "from_technician_id": m.from_id,
                "to_technician_id": m.to_id,
                "from_name": m.from_name,
                "to_name": m.to_name,
            }
            for m in p.moves
        ],
        "metres_before": p.metres_before,
        "metres_after": p.metres_after,
        "seconds_before": p.seconds_before,
        "seconds_after": p.seconds_after,
        "planned_before": p.planned_before,
        "planned_after": p.planned_after,
        "routes": p.routes,
    }


@router.post("/rebalance/{day}/apply", response={200: RebalanceAppliedOut, **ERRORS}, auth=api_roles(DISPATCH_ROLES))
def rebalance_apply_api(request, day: Day, payload: RebalanceApplyIn):
    """Carry out previewed moves (all or none; 409 ``rebalance_stale`` when the day changed since the preview):
    each is a reassignment with the reason "route optimisation"; the plans are stored."""
    from . import rebalance

    result = rebalance.rebalance_apply(
        actor=request.auth,
        day=day,
        moves=[(m.request_id, m.from_technician_id, m.to_technician_id) for m in payload.moves],
        routes=payload.routes,
    )
    return {"moved": result.moved}
