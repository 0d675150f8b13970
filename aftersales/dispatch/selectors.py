"""Dispatch reads with rules: who may see what, candidate facts for ranking, the pool, the board and a day's jobs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.accounts.models import Organization
from aftersales.accounts.permissions import user_partner_org_id
from aftersales.core.errors import PermissionDeniedError
from aftersales.sla.models import ClockState, SlaClock, TargetKind
from aftersales.tickets.choices import PRIORITY_RANK, Status
from aftersales.tickets.models import ServiceRequest

from .choices import (
    ACTIVE_OFFER_STATUSES,
    HELD_STATUSES,
    UNASSIGNED_STATUSES,
    VISIT_MINUTES,
    AppointmentStatus,
    DispatchMode,
    OfferStatus,
)
from .conf import conf
from .models import (
    Appointment,
    DispatchOffer,
    DispatchPolicy,
    RoutePlan,
    RouteStop,
    TechnicianAbsence,
    TechnicianProfile,
)
from .permissions import (  # noqa: F401  (re-exported: callers read the rules from the selectors too)
    DISPATCH_ROLES,
    appointment_list_for,
    can_dispatch,
    policy_can_edit,
    policy_list_for,
    profile_list_for,
    technicians_editable_for,
)
from .scoring import CandidateFacts, Suggestion, haversine_km, rank

DONE_STATUSES = (Status.COMPLETED, Status.FOLLOWED_UP, Status.CLOSED)


def local_day(moment: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(moment or timezone.now()).date()


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    return start, start + dt.timedelta(days=1)


# --- technicians ---------------------------------------------------------------------------


def profile_list() -> QuerySet[TechnicianProfile]:
    return (
        TechnicianProfile.objects.filter(user__is_active=True, user__role=Role.TECHNICIAN)
        .select_related("user", "user__organization", "calendar")
        .order_by("user__organization__name", "user__last_name", "user__first_name", "user_id")
    )


def profile_get_for(user, technician_id: int) -> TechnicianProfile:
    obj = profile_list_for(user).filter(user_id=technician_id).first()
    if obj is None:
        raise Http404
    return obj


def profile_of(user) -> TechnicianProfile | None:
    return TechnicianProfile.objects.filter(user=user).first()


def is_absent(profile: TechnicianProfile, day: dt.date, absences: list[TechnicianAbsence] | None = None) -> bool:
    rows = absences if absences is not None else list(profile.absences.all())
    return any(a.start <= day <= a.end for a in rows)


def works_on(profile: TechnicianProfile, day: dt.date) -> bool:
    """A working day in his calendar (no calendar: every day) and no absence."""
    if profile.calendar_id is not None:
        from aftersales.sla.selectors import calendar_snapshot

        if not calendar_snapshot(profile.calendar).local_spans(day):
            return False
    return not is_absent(profile, day)


# --- policy ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EffectivePolicy:
    mode: str
    accept_minutes: int
    policy_id: int | None


def policy_for(request: ServiceRequest) -> EffectivePolicy:
    """The most specific policy for the request's region and service type; the site default otherwise."""
    rows = DispatchPolicy.objects.filter(
        Q(region_id=request.region_id) | Q(region__isnull=True),
        Q(service_type=request.service_type) | Q(service_type__isnull=True),
    )
    best = None
    for row in rows:
        key = (row.region_id is not None, row.service_type is not None)
        if best is None or key > best[0]:
            best = (key, row)
    if best is None:
        return policy_default()
    return EffectivePolicy(mode=best[1].mode, accept_minutes=best[1].accept_minutes, policy_id=best[1].pk)


def policy_default() -> EffectivePolicy:
    """What applies where no policy row matches (settings ``DISPATCH_DEFAULT_MODE``, ``DISPATCH_ACCEPT_MINUTES``)."""
    return EffectivePolicy(
        mode=conf.default_mode,
        accept_minutes=conf.accept_minutes,
        policy_id=None,
    )


# --- ranking ---------------------------------------------------------------------------------


def request_point(request: ServiceRequest) -> tuple[float, float] | None:
    address = request.address
    if address is None or address.latitude is None or address.longitude is None:
        return None
    return float(address.latitude), float(address.longitude)


def request_category_id(request: ServiceRequest) -> int | None:
    if request.product_id:
        return request.product.category_id
    if request.unit_id:
        return request.unit.product.category_id
    return None


def skill_level(profile: TechnicianProfile, service_type: str, category_id: int | None) -> int:
    """Best matching level: a skill of this service type for the category (or for any category)."""
    levels = [
        s.level
        for s in profile.skills.all()
        if s.service_type == service_type and (s.category_id is None or s.category_id == category_id)
    ]
    return max(levels, default=0)


def sla_due(request: ServiceRequest) -> dt.datetime | None:
    """The nearest due time of a running clock that a visit stops (appointment contact, arrival)."""
    return (
        SlaClock.objects.filter(
            request=request,
            kind__in=[TargetKind.APPOINTMENT_CONTACT, TargetKind.ARRIVAL],
            state=ClockState.RUNNING,
        )
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )


def _held_jobs_by_tech(tech_ids, day: dt.date) -> dict[int, list[ServiceRequest]]:
    """Jobs each technician holds that count on ``day``: appointment that day, or none booked yet."""
    start, end = day_bounds(day)
    out: dict[int, list[ServiceRequest]] = defaultdict(list)
    rows = (
        ServiceRequest.objects.filter(
            assigned_technician_id__in=tech_ids, status__in=[*HELD_STATUSES, Status.IN_PROGRESS]
        )
        .select_related("address")
        .prefetch_related(
            Prefetch(
                "appointments",
                queryset=Appointment.objects.filter(status=AppointmentStatus.CONFIRMED),
                to_attr="open_appointments",
            )
        )
    )
    for r in rows:
        appt = r.open_appointments[0] if r.open_appointments else None
        if appt is None or start <= appt.window_start < end:
            out[r.assigned_technician_id].append(r)
    return out


def candidate_facts(request: ServiceRequest, *, now=None, profiles=None, exclude=()) -> list[CandidateFacts]:
    now = now or timezone.now()
    today = local_day(now)
    profiles = list(
        (profiles if profiles is not None else profile_list())
        .filter(is_dispatchable=True)
        .exclude(user_id__in=list(exclude))
        .prefetch_related(
            "skills",
            "regions",
            Prefetch("absences", queryset=TechnicianAbsence.objects.filter(start__lte=today, end__gte=today)),
        )
    )
    ids = [p.user_id for p in profiles]
    held = _held_jobs_by_tech(ids, today)
    last_stop = {}
    for stop in (
        RouteStop.objects.filter(plan__technician_id__in=ids, plan__day=today)
        .select_related("request__address", "plan")
        .order_by("plan_id", "order")
    ):
        last_stop[stop.plan.technician_id] = stop.request
    visits = dict(
        ServiceRequest.objects.filter(
            customer_id=request.customer_id, assigned_technician_id__in=ids, status__in=DONE_STATUSES
        )
        .values_list("assigned_technician_id")
        .annotate(n=Count("id"))
    )
    target = request_point(request)
    category_id = request_category_id(request)
    due = sla_due(request)
    due_in = (due - now).total_seconds() / 60 if due is not None else None
    out = []
    for p in profiles:
        jobs = held.get(p.user_id, [])
        last = last_stop.get(p.user_id)
        origin, origin_kind = (float(p.home_latitude), float(p.home_longitude)), "home"
        if last is not None and request_point(last) is not None:
            origin, origin_kind = request_point(last), "last_job"
        out.append(
            CandidateFacts(
                technician_id=p.user_id,
                name=p.user.display_name,
                organization=str(p.user.organization or ""),
                skill_level=skill_level(p, request.service_type, category_id),
                serves_region=request.region_id is not None and any(r.pk == request.region_id for r in p.regions.all()),
                distance_km=haversine_km(origin, target),
                distance_from=origin_kind,
                open_jobs_today=len(jobs),
                capacity_jobs=p.capacity_jobs,
                work_minutes_ahead=sum(
                    VISIT_MINUTES.get(j.service_type, 60) for j in jobs if j.status in HELD_STATUSES
                ),
                due_in_minutes=due_in,
                visits_to_customer=visits.get(p.user_id, 0),
                rating=float(p.rating),
                absent=bool(list(p.absences.all())) or not works_on(p, today),
            )
        )
    return out


def tried_technicians(request: ServiceRequest) -> set[int]:
    """Technicians who already declined or let the offer expire for this request."""
    return set(
        DispatchOffer.objects.filter(
            request=request, status__in=[OfferStatus.DECLINED, OfferStatus.EXPIRED], technician__isnull=False
        ).values_list("technician_id", flat=True)
    )


def suggestions(request: ServiceRequest, *, now=None, organization_id=None, exclude=()) -> list[Suggestion]:
    profiles = profile_list()
    if organization_id is not None:
        profiles = profiles.filter(user__organization_id=organization_id)
    return rank(candidate_facts(request, now=now, profiles=profiles, exclude=exclude))


def suggestions_for(user, request: ServiceRequest, *, now=None) -> list[Suggestion]:
    """Ranked candidates the user may choose from; partner staff see their own technicians only."""
    if not can_dispatch(user):
        raise PermissionDeniedError()
    org = user_partner_org_id(user)
    return suggestions(request, now=now, organization_id=org, exclude=tried_technicians(request))


# --- offers, pool --------------------------------------------------------------------------


def active_offer(request: ServiceRequest) -> DispatchOffer | None:
    return (
        DispatchOffer.objects.filter(request=request, status__in=ACTIVE_OFFER_STATUSES)
        .select_related("technician", "organization")
        .first()
    )


def offers_pending_for(user) -> list[DispatchOffer]:
    return list(
        DispatchOffer.objects.filter(technician=user, status=OfferStatus.PENDING)
        .select_related("request", "request__customer", "request__address", "request__product")
        .order_by("expires_at", "id")
    )


def partner_organizations() -> QuerySet[Organization]:
    return Organization.objects.filter(kind="partner", is_active=True).order_by("name")


def pool_for(user, *, now=None) -> list[ServiceRequest]:
    """Jobs in grab-pool mode this technician is qualified for (skill) and may claim."""
    if not user.is_authenticated or user.role != Role.TECHNICIAN:
        return []
    profile = (
        TechnicianProfile.objects.filter(user=user, is_dispatchable=True)
        .prefetch_related("skills", "regions", "absences")
        .first()
    )
    if profile is None or not works_on(profile, local_day(now)):
        return []
    qs = (
        ServiceRequest.objects.filter(status__in=UNASSIGNED_STATUSES)
        .exclude(dispatch_offers__status__in=ACTIVE_OFFER_STATUSES)
        .select_related("customer", "address", "product", "unit__product", "region")
        .order_by("priority_rank", "created_at", "id")
    )
    regions = {r.pk for r in profile.regions.all()}
    if regions:
        qs = qs.filter(region_id__in=regions)
    out = []
    for r in qs[:200]:
        if policy_for(r).mode != DispatchMode.POOL:
            continue
        if skill_level(profile, r.service_type, request_category_id(r)) == 0:
            continue
        out.append(r)
    return out


def pool_get_for(user, request_id: int) -> ServiceRequest:
    for r in pool_for(user):
        if r.pk == request_id:
            return r
    raise Http404


def pool_claim_target(user, request_id: int) -> ServiceRequest:
    """What a technician's claim is about: a job in his pool, or a grab-pool job somebody else took
    first (the claim then answers 409 "too late"). Anything else does not exist for him (404)."""
    if not user.is_authenticated or user.role != Role.TECHNICIAN:
        raise Http404
    try:
        return pool_get_for(user, request_id)
    except Http404:
        pass
    sr = ServiceRequest.objects.filter(pk=request_id).select_related("region").first()
    if sr is None or policy_for(sr).mode != DispatchMode.POOL:
        raise Http404
    return sr


# --- board -----------------------------------------------------------------------------------


def unassigned_jobs(*, limit: int = 100) -> list[ServiceRequest]:
    """Jobs waiting for a technician: most urgent first (priority, then the nearest SLA due time)."""
    rows = list(
        ServiceRequest.objects.filter(status__in=UNASSIGNED_STATUSES)
        .select_related("customer", "address", "region", "product")
        .order_by("priority_rank", "created_at", "id")[:limit]
    )
    due = defaultdict(list)
    for rid, at in SlaClock.objects.filter(request_id__in=[r.pk for r in rows], state=ClockState.RUNNING).values_list(
        "request_id", "due_at"
    ):
        due[rid].append(at)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    for r in rows:
        r.sla_due = min(due[r.pk]) if due[r.pk] else None
    rows.sort(key=lambda r: (PRIORITY_RANK.get(r.priority, 3), r.sla_due or far, r.created_at, r.pk))
    return rows


@dataclass
class TechDay:
    profile: TechnicianProfile
    plan: RoutePlan | None
    stops: list[RouteStop] = field(default_factory=list)
    jobs: list[ServiceRequest] = field(default_factory=list)  # held today, planned or not
    working: bool = True


def board_days(day: dt.date, profiles=None) -> list[TechDay]:
    profiles = list(
        (profiles if profiles is not None else profile_list()).prefetch_related(
            Prefetch("absences", queryset=TechnicianAbsence.objects.filter(start__lte=day, end__gte=day))
        )
    )
    ids = [p.user_id for p in profiles]
    plans = {
        p.technician_id: p
        for p in RoutePlan.objects.filter(technician_id__in=ids, day=day).prefetch_related(
            Prefetch(
                "stops",
                queryset=RouteStop.objects.select_related("request", "request__customer", "request__address").order_by(
                    "order"
                ),
            )
        )
    }
    held = _held_jobs_by_tech(ids, day)
    out = []
    for p in profiles:
        plan = plans.get(p.user_id)
        out.append(
            TechDay(
                profile=p,
                plan=plan,
                stops=list(plan.stops.all()) if plan else [],
                jobs=held.get(p.user_id, []),
                working=works_on(p, day),
            )
        )
    return out


def appointment_open(request: ServiceRequest) -> Appointment | None:
    return (
        Appointment.objects.filter(
            request=request, status__in=[AppointmentStatus.PROPOSED, AppointmentStatus.CONFIRMED]
        )
        .order_by("-created_at")
        .first()
    )


def appointment_history(request: ServiceRequest) -> list[Appointment]:
    return list(request.appointments.select_related("created_by").order_by("created_at", "id"))


def appointment_get_for(user, pk: int) -> Appointment:
    obj = appointment_list_for(user).filter(pk=pk).select_related("request", "request__customer").first()
    if obj is None:
        raise Http404
    return obj


def my_day(user, day: dt.date) -> TechDay | None:
    profile = profile_list().filter(user=user).first()
    if profile is None:
        return None
    return board_days(day, profiles=profile_list().filter(user=user))[0]
