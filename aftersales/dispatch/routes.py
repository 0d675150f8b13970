"""Day route plans from the database (R-DSP-5): build the routing problem, solve, store, tell changed customers.

One technician's day is one problem: his held jobs for the day (appointment windows, coordinates from the
address, visit length by service type, priority and SLA due time), his shift, break and capacity. Jobs that
cannot be planned are kept in ``RoutePlan.unplanned`` with the reason. Travel comes from the provider named by
``conf`` (straight line × road factor by default; OSRM when ``DISPATCH_OSRM_URL`` is set).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts.models import User
from aftersales.core.audit import audit_record, person
from aftersales.core.errors import ValidationFailed
from aftersales.sla.models import ClockState, SlaClock, TargetKind
from aftersales.tickets.models import ServiceRequest

from . import notify, routing
from .choices import HELD_STATUSES, ROUTE_PRIORITY, VISIT_MINUTES, AppointmentStatus
from .conf import conf
from .models import Appointment, RoutePlan, RouteStop, TechnicianProfile
from .selectors import day_bounds, local_day, works_on

NOTIFY_THRESHOLD_SECONDS = 15 * 60
REASON_NO_COORDINATES = "no_coordinates"
REASON_NOT_WORKING = "not_working"
REASON_LABELS = {
    REASON_NO_COORDINATES: gettext_lazy("The address has no coordinates."),
    REASON_NOT_WORKING: gettext_lazy("Not working that day."),
    routing.model.REASON_CAPACITY: gettext_lazy("The day is full."),
    routing.model.REASON_UNREACHABLE: gettext_lazy("The window cannot be reached in the shift."),
    routing.model.REASON_NO_SKILLED_TECHNICIAN: gettext_lazy("No qualified technician."),
    routing.model.REASON_FIXED_TECHNICIAN: gettext_lazy("The technician is not available."),
    routing.model.REASON_DISPLACED: gettext_lazy("Moved out by urgent work."),
}


def travel_provider():
    url = conf.osrm_url
    if url:
        return routing.OsrmTableTravel(base_url=url)
    return routing.StraightLineTravel(
        road_factor=conf.road_factor,
        speed_kmh=conf.speed_kmh,
    )


def _secs(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass
class DayInput:
    problem: routing.DayProblem
    requests: dict[str, ServiceRequest]
    skipped: list[dict]
    midnight: dt.datetime


def routing_technician(
    profile: TechnicianProfile, day: dt.date, *, now, skills: frozenset[str] = frozenset()
) -> routing.Technician:
    """A technician's day for the optimiser: shift (from now on when planning today), break, capacity."""
    midnight, _next = day_bounds(day)
    shift_start, shift_end = _secs(profile.shift_start), _secs(profile.shift_end)
    brk = None
    if profile.break_minutes:
        brk = routing.BreakRule(_secs(profile.break_earliest), _secs(profile.break_latest), profile.break_minutes * 60)
    if day == local_day(now):
        # Re-planning during the day: nobody leaves before now.
        now_secs = int((now - midnight).total_seconds())
        shift_start = max(shift_start, min(now_secs, shift_end))
        if brk is not None and now_secs > brk.window_end - brk.duration:
            brk = None
    if brk is not None and (brk.window_start < shift_start or brk.window_end > shift_end):
        ws, we = max(brk.window_start, shift_start), min(brk.window_end, shift_end)
        brk = routing.BreakRule(ws, we, brk.duration) if we - ws >= brk.duration else None
    return routing.Technician(
        id=str(profile.user_id),
        home=routing.Point(float(profile.home_latitude), float(profile.home_longitude)),
        shift_start=shift_start,
        shift_end=shift_end,
        skills=skills,
        break_rule=brk,
        max_jobs=profile.capacity_jobs,
        max_work_seconds=profile.capacity_minutes * 60 if profile.capacity_minutes else None,
    )


def visit_facts(rows: list[ServiceRequest]) -> tuple[dict[int, Appointment], dict[int, dt.datetime]]:
    """Confirmed appointments and the nearest running SLA due time (arrival, appointment contact) per request."""
    ids = [r.pk for r in rows]
    appts = {
        a.request_id: a for a in Appointment.objects.filter(request_id__in=ids, status=AppointmentStatus.CONFIRMED)
    }
    due: dict[int, dt.datetime] = {}
    for rid, at in SlaClock.objects.filter(
        request_id__in=ids,
        kind__in=[TargetKind.ARRIVAL, TargetKind.APPOINTMENT_CONTACT],
        state=ClockState.RUNNING,
    ).values_list("request_id", "due_at"):
        due[rid] = min(at, due.get(rid, at))
    return appts, due


def counts_on(appt: Appointment | None, day: dt.date, *, now) -> bool:
    """A held job is planned on the day of its confirmed visit; one not booked yet, on the current day only."""
    if appt is None:
        return day == local_day(now)
    midnight, next_midnight = day_bounds(day)
    return midnight <= appt.window_start < next_midnight


def routing_job(
    r: ServiceRequest,
    *,
    day: dt.date,
    appt: Appointment | None,
    due_at: dt.datetime | None,
    fixed_technician: str | None,
    required_skills: frozenset[str] = frozenset(),
) -> routing.Job | None:
    """A held job for the optimiser (window from its confirmed visit, length by service type, priority, SLA due);
    None when its address has no coordinates."""
    address = r.address
    if address is None or address.latitude is None or address.longitude is None:
        return None
    midnight, next_midnight = day_bounds(day)
    earliest, latest = 0, 24 * 3600
    if appt is not None:
        earliest = max(0, int((appt.window_start - midnight).total_seconds()))
        latest = min(24 * 3600, int((appt.window_end - midnight).total_seconds()))
    sla = None
    if due_at is not None and due_at < next_midnight:
        sla = max(0, int((due_at - midnight).total_seconds()))
    return routing.Job(
        id=str(r.pk),
        location=routing.Point(float(address.latitude), float(address.longitude)),
        duration=VISIT_MINUTES.get(r.service_type, 60) * 60,
        earliest=earliest,
        latest=max(earliest, latest),
        required_skills=required_skills,
        priority=ROUTE_PRIORITY.get(r.priority, 3),
        sla_deadline=sla,
        fixed_technician=fixed_technician,
    )


def day_input(profile: TechnicianProfile, day: dt.date, *, now=None, exclude_ids=()) -> DayInput:
    """The routing problem of one technician's day, from the database."""
    now = now or timezone.now()
    midnight, _next = day_bounds(day)
    tech = routing_technician(profile, day, now=now)
    rows = list(
        ServiceRequest.objects.filter(assigned_technician_id=profile.user_id, status__in=HELD_STATUSES)
        .exclude(pk__in=list(exclude_ids))
        .select_related("address", "customer")
        .order_by("priority_rank", "id")
    )
    appts, due = visit_facts(rows)
    jobs, requests, skipped = [], {}, []
    working = works_on(profile, day)
    for r in rows:
        appt = appts.get(r.pk)
        if not counts_on(appt, day, now=now):
            continue
        if not working:
            skipped.append({"request": r.pk, "number": r.number, "reason": REASON_NOT_WORKING})
            continue
        job = routing_job(r, day=day, appt=appt, due_at=due.get(r.pk), fixed_technician=tech.id)
        if job is None:
            skipped.append({"request": r.pk, "number": r.number, "reason": REASON_NO_COORDINATES})
            continue
        requests[job.id] = r
        jobs.append(job)
    return DayInput(routing.DayProblem(technicians=(tech,), jobs=tuple(jobs)), requests, skipped, midnight)


@dataclass
class PlanResult:
    plan: RoutePlan
    violations: list
    changed: list[int]  # request ids whose visit time moved beyond the threshold


def _store(profile, day, data: DayInput, plan: routing.Plan, network, *, actor, method: str) -> PlanResult:
    violations = routing.check_plan(data.problem, plan, network.matrix, network.index)
    if violations:
        raise ValidationFailed(_("The optimiser returned an invalid plan; the previous plan is kept."))
    tech_id = str(profile.user_id)
    route = plan.routes.get(tech_id)
    at = lambda s: data.midnight + dt.timedelta(seconds=int(s))  # noqa: E731
    row = RoutePlan.objects.select_for_update().filter(technician_id=profile.user_id, day=day).first()
    old_starts = {}
    if row is not None:
        old_starts = dict(row.stops.values_list("request_id", "start"))
        row.stops.all().delete()
    else:
        row = RoutePlan(technician_id=profile.user_id, day=day)
    unplanned = list(data.skipped) + [
        {"request": int(u.job_id), "number": data.requests[u.job_id].number, "reason": u.reason}
        for u in plan.unassigned
    ]
    row.computed_at = timezone.now()
    row.computed_by = person(actor)
    row.method = method
    row.unplanned = unplanned
    has_visits = route is not None and route.visits
    row.departure = at(route.departure) if has_visits else None
    row.return_at = at(route.return_arrival) if has_visits else None
    row.break_start = at(route.break_start) if has_visits and route.break_start is not None else None
    row.break_end = at(route.break_end) if has_visits and route.break_end is not None else None
    row.break_after = route.break_after if has_visits else None
    row.travel_seconds = route.travel_seconds if route else 0
    row.travel_metres = route.travel_metres if route else 0
    row.return_travel_seconds = route.return_travel_seconds if has_visits else 0
    row.return_travel_metres = route.return_travel_metres if has_visits else 0
    row.save()
    stops = []
    changed = []
    for i, v in enumerate(route.visits if route else [], start=1):
        rid = int(v.job_id)
        stops.append(
            RouteStop(
                plan=row,
                request_id=rid,
                order=i,
                arrival=at(v.arrival),
                start=at(v.start),
                end=at(v.end),
                travel_seconds=v.travel_seconds,
                travel_metres=v.travel_metres,
            )
        )
        old = old_starts.get(rid)
        if old is not None and abs((at(v.start) - old).total_seconds()) > NOTIFY_THRESHOLD_SECONDS:
            changed.append(rid)
    RouteStop.objects.bulk_create(stops)
    audit_record(
        actor=person(actor),
        action=f"route_plan.{method}",
        obj=row,
        changes={"stops": [len(old_starts), len(stops)], "unplanned": [None, len(unplanned)]},
    )
    for rid in changed:
        stop = next(s for s in stops if s.request_id == rid)
        sr = data.requests[str(rid)]
        notify.customer_tell(sr, "dispatch.customer_new_eta", time=stop.start)
    return PlanResult(plan=row, violations=violations, changed=changed)


def _profile(technician_id: int) -> TechnicianProfile:
    profile = (
        TechnicianProfile.objects.select_related("user", "calendar")
        .prefetch_related("absences")
        .filter(user_id=technician_id)
        .first()
    )
    if profile is None:
        raise ValidationFailed(fields={"technician": [_("This technician has no dispatch profile.")]})
    return profile


@transaction.atomic
def route_plan_build(*, actor, technician: User, day: dt.date, seconds: float | None = None, now=None) -> PlanResult:
    """(Re-)optimise one technician's day and store it."""
    profile = _profile(technician.pk)
    data = day_input(profile, day, now=now)
    seconds = seconds if seconds is not None else conf.solver_seconds
    if data.problem.jobs:
        solution = routing.plan_day(data.problem, travel_provider(), seconds=seconds)
        plan, network = solution.plan, solution.network
    else:
        plan = routing.Plan(routes={})
        network = routing.DayNetwork.build(data.problem, travel_provider())
    return _store(profile, day, data, plan, network, actor=actor, method="optimise")


def route_replan_all(*, day: dt.date, actor_id: int | None = None) -> int:
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    n = 0
    for tech_id in TechnicianProfile.objects.filter(user__is_active=True).values_list("user_id", flat=True):
        route_plan_build(actor=actor, technician=User(pk=tech_id), day=day)
        n += 1
    return n


def _stored_plan(row: RoutePlan, data: DayInput) -> routing.Plan:
    """The stored plan as a routing plan, for jobs still in the problem (re-timed; empty if that fails)."""
    tech = data.problem.technicians[0]
    jobs = {j.id: j for j in data.problem.jobs}
    order = [str(rid) for rid in row.stops.order_by("order").values_list("request_id", flat=True) if str(rid) in jobs]
    net = routing.DayNetwork.build(data.problem, travel_provider())
    timed = routing.schedule_route(tech, [jobs[j] for j in order], net)
    if timed is None:
        return routing.Plan(routes={})
    return routing.Plan(routes={tech.id: timed})


@transaction.atomic
def route_insert_urgent(*, request_id: int, actor=None, now=None) -> PlanResult | None:
    """An urgent job given to a technician during the day goes into today's plan with the least disruption
    (``routing.insert_urgent``); customers whose visit time moves are told. Without a plan for today nothing
    is done (the next optimisation includes the job)."""
    now = now or timezone.now()
    sr = ServiceRequest.objects.filter(pk=request_id, status__in=HELD_STATUSES).first()
    if sr is None or sr.assigned_technician_id is None:
        return None
    day = local_day(now)
    row = RoutePlan.objects.select_for_update().filter(technician_id=sr.assigned_technician_id, day=day).first()
    if row is None:
        return None
    profile = _profile(sr.assigned_technician_id)
    base = day_input(profile, day, now=now, exclude_ids=[sr.pk])
    full = day_input(profile, day, now=now)
    job = next((j for j in full.problem.jobs if j.id == str(sr.pk)), None)
    if job is None:
        return _store(
            profile,
            day,
            full,
            routing.Plan(routes={}),
            routing.DayNetwork.build(full.problem, travel_provider()),
            actor=actor,
            method="insert",
        )
    old = _stored_plan(row, base)
    previously_out = {str(u["request"]) for u in row.unplanned}
    if {j.id for j in base.problem.jobs} - set(old.job_ids()) - previously_out:
        # The stored plan is out of date (other jobs arrived since): optimise the whole day instead.
        return route_plan_build(actor=actor, technician=User(pk=sr.assigned_technician_id), day=day, now=now)
    result = routing.insert_urgent(base.problem, old, job, travel_provider(), notify_threshold=NOTIFY_THRESHOLD_SECONDS)
    data = DayInput(result.problem, {**base.requests, job.id: sr}, base.skipped, base.midnight)
    planned = set(result.plan.job_ids()) | {u.job_id for u in result.plan.unassigned}
    for j in base.problem.jobs:
        if j.id not in planned:  # left out of the stored plan before: still out
            result.plan.unassigned.append(routing.Unassigned(j.id, routing.model.REASON_CAPACITY))
    return _store(profile, day, data, result.plan, result.network, actor=actor, method="insert")


def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))
