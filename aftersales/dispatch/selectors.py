"""Dispatch reads with rules: who may see what, candidate facts for ranking, the pool, the board and a day's jobs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.accounts.models import Organization
from aftersales.accounts.permissions import user_partner_org_id
from aftersales.core.compiled import CompiledLookup
from aftersales.core.errors import PermissionDeniedError
from aftersales.core.states import transition_allowed
from aftersales.sla.models import ClockState, SlaClock, TargetKind
from aftersales.sla.selectors import sla_headline, sla_prefetch, sla_statuses
from aftersales.tickets.choices import PRIORITY_RANK, TRANSITIONS, Action, Status
from aftersales.tickets.models import ServiceRequest

from .choices import (
    ACTIVE_OFFER_STATUSES,
    DEPART_ETA_AHEAD,
    DEPART_TRAVEL_DEFAULT,
    DEPART_TRAVEL_MIN,
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
from .slots import TECHNICIAN_BLOCKS

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


def request_skill(request: ServiceRequest) -> tuple[str, int | None]:
    """The skill a job needs: its service type, on its product's category (None: unknown)."""
    return request.service_type, request_category_id(request)


def technician_blocks(technician_ids, skills, *, day: dt.date) -> dict[tuple[int, str, int | None], str]:
    """Who must not get jobs of which skill on ``day``, with the reason: the answers of the apps above
    (``slots.TECHNICIAN_BLOCKS``; training: a lapsed certification). Empty when no app blocks anybody."""
    ids, wanted = list(technician_ids), list(dict.fromkeys(skills))
    out: dict[tuple[int, str, int | None], str] = {}
    if not ids or not wanted:
        return out
    for answer in TECHNICIAN_BLOCKS.call(ids, wanted, day=day):
        for key, reason in (answer or {}).items():
            out.setdefault(key, str(reason))
    return out


def technician_block_reason(technician_id: int, request: ServiceRequest, *, day: dt.date) -> str:
    """Why this technician may not take this job on ``day`` ("" when nothing blocks him)."""
    st, category = request_skill(request)
    return technician_blocks([technician_id], [(st, category)], day=day).get((technician_id, st, category), "")


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


OPEN_APPOINTMENT_STATUSES = (AppointmentStatus.PROPOSED, AppointmentStatus.CONFIRMED)


def _held_jobs_by_tech(tech_ids, day: dt.date) -> dict[int, list[ServiceRequest]]:
    """Jobs each technician holds that count on ``day``: confirmed visit that day, or none confirmed yet.

    Each row carries ``booking``: its open appointment (proposed or confirmed; at most one), or None."""
    start, end = day_bounds(day)
    out: dict[int, list[ServiceRequest]] = defaultdict(list)
    rows = (
        ServiceRequest.objects.filter(
            assigned_technician_id__in=tech_ids, status__in=[*HELD_STATUSES, Status.IN_PROGRESS]
        )
        .select_related("address", "customer")
        .prefetch_related(
            Prefetch(
                "appointments",
                queryset=Appointment.objects.filter(status__in=OPEN_APPOINTMENT_STATUSES),
                to_attr="open_bookings",
            )
        )
        .order_by("priority_rank", "created_at", "id")
    )
    for r in rows:
        r.booking = r.open_bookings[0] if r.open_bookings else None
        appt = r.booking if r.booking is not None and r.booking.status == AppointmentStatus.CONFIRMED else None
        if appt is None or start <= appt.window_start < end:
            out[r.assigned_technician_id].append(r)
    return out


def _visited_by_tech(tech_ids, day: dt.date) -> dict[int, list[Appointment]]:
    """The visits each technician made on ``day`` (appointments visited, windows that day), with their requests."""
    start, end = day_bounds(day)
    out: dict[int, list[Appointment]] = defaultdict(list)
    rows = (
        Appointment.objects.filter(
            technician_id__in=tech_ids,
            status=AppointmentStatus.VISITED,
            window_start__gte=start,
            window_start__lt=end,
        )
        .select_related("request__address", "request__customer")
        .order_by("window_start", "id")
    )
    for a in rows:
        out[a.technician_id].append(a)
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
    st, category = request_skill(request)
    blocked = technician_blocks([p.user_id for p in profiles], [(st, category)], day=today)
    profiles = [p for p in profiles if (p.user_id, st, category) not in blocked]
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


# At most one (constraint dispatch_one_active_offer): no ORDER BY. Compiled once (core.compiled):
# on every request page of a held job.
_ACTIVE_OFFER = CompiledLookup(
    lambda pk: (
        DispatchOffer.objects.filter(request_id=pk, status__in=ACTIVE_OFFER_STATUSES)
        .select_related("technician", "organization")
        .order_by()[:1]
    )
)


def active_offer(request: ServiceRequest) -> DispatchOffer | None:
    return _ACTIVE_OFFER.first(request.pk, known={"request": request})


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
    blocked = technician_blocks([user.pk], [request_skill(r) for r in out], day=local_day(now))
    return [r for r in out if (user.pk, *request_skill(r)) not in blocked]


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
    """Jobs waiting for a technician: most urgent first (priority, then the most pressing SLA target: overdue
    first, then the nearest due time). Each row carries ``sla``: that target (``sla.selectors.TargetStatus``, its
    time left or how long overdue), or None when the request has no SLA clock; its clocks are prefetched."""
    rows = list(
        ServiceRequest.objects.filter(status__in=UNASSIGNED_STATUSES)
        .select_related("customer", "address", "region", "product")
        .order_by("priority_rank", "created_at", "id")[:limit]
    )
    sla_prefetch(rows)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    for r in rows:
        r.sla = sla_headline(sla_statuses(r.sla_clocks.all()))
    rows.sort(key=lambda r: (PRIORITY_RANK.get(r.priority, 3), _sla_urgency(r.sla, far), r.created_at, r.pk))
    return rows


def _sla_urgency(head, far: dt.datetime) -> tuple:
    if head is None or head.colour in ("met", "paused"):
        return (1, far)
    return (0, head.due_at)


@dataclass
class DayVisit:
    """A visit on a technician's day: a stop of the stored plan, or a visit booked for that day which the plan
    does not hold yet (shown at its agreed window until the day is re-optimised)."""

    request: ServiceRequest
    start: dt.datetime  # planned start of work, or the start of the window
    end: dt.datetime
    appointment: Appointment | None = None  # the open booking (window agreed with the customer)
    stop: RouteStop | None = None

    @property
    def planned(self) -> bool:
        return self.stop is not None

    @property
    def booked(self) -> bool:
        """A time agreed with the customer (or the visit is under way or done)."""
        return self.appointment is not None or self.request.status not in HELD_STATUSES

    @property
    def awaiting_answer(self) -> bool:
        return self.request.status == Status.ASSIGNED

    @property
    def visited(self) -> bool:
        """A visit made (its appointment visited): shown as done, not to route or book."""
        return self.appointment is not None and self.appointment.status == AppointmentStatus.VISITED


@dataclass
class TechDay:
    profile: TechnicianProfile
    plan: RoutePlan | None
    stops: list[RouteStop] = field(default_factory=list)
    jobs: list[ServiceRequest] = field(default_factory=list)  # held on that day, planned or not
    working: bool = True
    visits: list[DayVisit] = field(default_factory=list)  # in time order: plan stops and booked windows

    @property
    def booked(self) -> int:
        """Visits booked with the customer for the day (the load the board shows against capacity)."""
        return sum(1 for v in self.visits if v.booked)

    @property
    def capacity(self) -> int:
        return self.profile.capacity_jobs

    @property
    def full(self) -> bool:
        return self.booked >= self.capacity

    @cached_property
    def off_timeline(self) -> list[ServiceRequest]:
        """Held jobs of the day that have no place on the timeline (not planned, no visit that day), each with
        ``reason``: why the stored plan left it out (empty when the plan is older than the job)."""
        on = {v.request.pk for v in self.visits}
        out = [j for j in self.jobs if j.pk not in on]
        for j in out:
            j.reason = self.unplanned_reason(j.pk)
        return out

    @property
    def awaiting(self) -> list[ServiceRequest]:
        """Offered to him, not accepted yet."""
        return [j for j in self.jobs if j.status == Status.ASSIGNED]

    @property
    def to_book(self) -> list[ServiceRequest]:
        """Jobs he holds with no visit agreed yet, which can be booked now (accepted)."""
        return [j for j in self.jobs if j.booking is None and transition_allowed(j, TRANSITIONS, Action.SCHEDULE)]

    @cached_property
    def to_book_ids(self) -> set[int]:
        return {j.pk for j in self.to_book}

    def unplanned_reason(self, request_id: int) -> str:
        """Why the stored plan left the job out (empty when it did not)."""
        from .routes import reason_label

        for u in self.plan.unplanned if self.plan else []:
            if u.get("request") == request_id:
                return reason_label(u.get("reason", ""))
        return ""


def _day_visits(
    day: dt.date, stops: list[RouteStop], jobs: list[ServiceRequest], visited: list[Appointment] = ()
) -> list[DayVisit]:
    """The stored plan's stops plus the visits booked for ``day`` that the plan does not hold, and the visits
    made that day of jobs no longer held (``visited``: a past day's board, a job finished off the plan), in
    time order."""
    start, end = day_bounds(day)
    held = {j.pk: j for j in jobs}
    visits = []
    for s in stops:
        job = held.get(s.request_id)
        if job is not None:
            s.request = job  # the same row as ``jobs`` (with its booking)
        appt = getattr(job, "booking", None) if job is not None else None
        visits.append(DayVisit(request=s.request, start=s.start, end=s.end, appointment=appt, stop=s))
    planned = {s.request_id for s in stops}
    for j in jobs:
        appt = j.booking
        if j.pk in planned or appt is None or not (start <= appt.window_start < end):
            continue
        visits.append(DayVisit(request=j, start=appt.window_start, end=appt.window_end, appointment=appt))
    shown = planned | {v.request.pk for v in visits}
    for a in visited:
        if a.request_id not in shown and a.request_id not in held:
            visits.append(DayVisit(request=a.request, start=a.window_start, end=a.window_end, appointment=a))
            shown.add(a.request_id)
    visits.sort(key=lambda v: (v.start, v.stop.order if v.stop else 999, v.request.pk))
    return visits


def board_points(jobs: list[ServiceRequest], days: list[TechDay]) -> list[dict]:
    """The board's location view: waiting jobs (by priority), visits of the day and technicians' home bases as
    ``{"kind", "name", "value": [lng, lat]}``; names are text (the page escapes them)."""
    points = []
    for j in jobs:
        point = request_point(j)
        if point is not None:
            points.append({"kind": "job", "name": j.number, "value": [point[1], point[0]], "priority": j.priority})
    for d in days:
        p = d.profile
        points.append(
            {"kind": "tech", "name": p.user.display_name, "value": [float(p.home_longitude), float(p.home_latitude)]}
        )
        for v in d.visits:
            point = request_point(v.request)
            if point is not None:
                points.append(
                    {
                        "kind": "stop",
                        "name": f"{v.request.number} · {p.user.display_name}",
                        "value": [point[1], point[0]],
                    }
                )
    return points


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
    visited = _visited_by_tech(ids, day)
    out = []
    for p in profiles:
        plan = plans.get(p.user_id)
        stops = list(plan.stops.all()) if plan else []
        jobs = held.get(p.user_id, [])
        out.append(
            TechDay(
                profile=p,
                plan=plan,
                stops=stops,
                jobs=jobs,
                working=works_on(p, day),
                visits=_day_visits(day, stops, jobs, visited.get(p.user_id, [])),
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


_APPOINTMENTS = CompiledLookup(lambda pk: Appointment.objects.filter(request_id=pk).order_by("created_at", "id"))


def appointment_history(request: ServiceRequest) -> list[Appointment]:
    """The request's visit windows in order (the dispatch card: who booked them is not shown)."""
    return _APPOINTMENTS.rows(request.pk, known={"request": request})


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


# --- "Leaving now" -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Departure:
    """What "Leaving now" offers for a booked visit: the arrival estimate, and whether it is after the window
    (then a reason is needed and the visit moves)."""

    eta: dt.datetime
    late: bool
    window_end: dt.datetime


def _ceil_minutes(moment: dt.datetime, step: int = 5) -> dt.datetime:
    moment = moment.replace(second=0, microsecond=0) + (dt.timedelta(minutes=1) if moment.second else dt.timedelta())
    return moment + dt.timedelta(minutes=-moment.minute % step)


def drive_estimate(origin: tuple[float, float] | None, request: ServiceRequest) -> dt.timedelta:
    """Straight line × road factor at the planning speed (settings); a default when a point is unknown."""
    km = haversine_km(origin, request_point(request))
    if km is None:
        return DEPART_TRAVEL_DEFAULT
    return dt.timedelta(hours=km * conf.road_factor / conf.speed_kmh)


def departure_estimate(
    appointment: Appointment, *, drive: dt.timedelta, now: dt.datetime | None = None
) -> Departure | None:
    """The arrival "Leaving now" pre-fills: now plus the drive (at least ``DEPART_TRAVEL_MIN``), never before the
    window opens, so the service (``appointment_depart``) accepts it as it stands. None when the window opens
    beyond what the service allows (``DEPART_ETA_AHEAD``): that visit is not left for now."""
    now = now or timezone.now()
    if appointment.window_start > now + DEPART_ETA_AHEAD:
        return None
    arrive = _ceil_minutes(now + max(drive, DEPART_TRAVEL_MIN))
    if arrive > now + DEPART_ETA_AHEAD:
        arrive = now + DEPART_ETA_AHEAD - dt.timedelta(minutes=1)
    eta = max(arrive, appointment.window_start.replace(second=0, microsecond=0))
    return Departure(eta=eta, late=eta > appointment.window_end, window_end=appointment.window_end)


def departure_for(appointment: Appointment, *, now: dt.datetime | None = None) -> Departure | None:
    """``departure_estimate`` for one confirmed visit not left for yet (else None): the drive of today's plan when
    it holds the visit, else the straight line from the technician's home base."""
    if appointment.status != AppointmentStatus.CONFIRMED or appointment.departed_at is not None:
        return None
    now = now or timezone.now()
    stop = (
        RouteStop.objects.filter(
            request_id=appointment.request_id,
            plan__technician_id=appointment.technician_id,
            plan__day=local_day(now),
        )
        .only("travel_seconds")
        .first()
    )
    if stop is not None:
        drive = dt.timedelta(seconds=stop.travel_seconds)
    else:
        profile = TechnicianProfile.objects.filter(user_id=appointment.technician_id).first()
        home = (float(profile.home_latitude), float(profile.home_longitude)) if profile else None
        drive = drive_estimate(home, appointment.request)
    return departure_estimate(appointment, drive=drive, now=now)


# --- the technician's day ------------------------------------------------------------------------


@dataclass
class MyDay:
    """ "My day": the route (visits of the day in order), the jobs waiting for his answer, and the jobs of the
    day that have no place on the route yet (to book, or left out of the plan)."""

    techday: TechDay | None
    route: list[DayVisit]
    offers: list[DispatchOffer]
    others: list[ServiceRequest]


def my_day_for(user, day: dt.date, *, now: dt.datetime | None = None) -> MyDay:
    """The technician's day. Jobs offered to him and not accepted yet are kept apart (``offers``), never on the
    route; each visit on the route carries ``departure`` ("Leaving now"'s estimate, or None) and each other job
    ``reason`` (why the plan left it out, see ``TechDay.off_timeline``)."""
    now = now or timezone.now()
    techday = my_day(user, day)
    offers = offers_pending_for(user)
    if techday is None:
        return MyDay(techday=None, route=[], offers=offers, others=[])
    offered = {o.request_id for o in offers}
    route = [v for v in techday.visits if not v.awaiting_answer and v.request.pk not in offered]
    home = (float(techday.profile.home_latitude), float(techday.profile.home_longitude))
    for v in route:
        v.departure = None
        appt = v.appointment
        if appt is not None and appt.status == AppointmentStatus.CONFIRMED and appt.departed_at is None:
            drive = dt.timedelta(seconds=v.stop.travel_seconds) if v.stop else drive_estimate(home, v.request)
            v.departure = departure_estimate(appt, drive=drive, now=now)
    others = [j for j in techday.off_timeline if j.pk not in offered]
    return MyDay(techday=techday, route=route, offers=offers, others=others)


# --- booking from the board ------------------------------------------------------------------------


def booking_window_default(request: ServiceRequest, day: dt.date, *, now: dt.datetime | None = None):
    """A two-hour window to offer when booking ``request`` on ``day``: from the technician's shift start (today:
    the next full hour from now, if later), within his shift where it fits."""
    now = now or timezone.now()
    profile = TechnicianProfile.objects.filter(user_id=request.assigned_technician_id).first()
    shift_start = profile.shift_start if profile else dt.time(9, 0)
    shift_end = profile.shift_end if profile else dt.time(18, 0)
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(day, shift_start, tzinfo=tz)
    if day == local_day(now):
        start = max(start, timezone.localtime(now).replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1))
    end = start + dt.timedelta(hours=2)
    shift_close = dt.datetime.combine(day, shift_end, tzinfo=tz)
    if end > shift_close and start < shift_close:
        end = max(shift_close, start + dt.timedelta(hours=1))
    return start, end
