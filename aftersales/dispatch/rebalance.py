"""Re-optimising a whole day across technicians (R-DSP-5): jobs may move from one technician to another.

The per-technician planner (``routes.route_plan_build``) re-orders each technician's own jobs. Here every
technician working that day is planned at once with the same PyVRP model (shifts, breaks, capacity, windows,
priorities and SLA due times, built by the same ``routes`` helpers), and a job may go to another technician when
that saves travel or lets more jobs be done.

Which jobs may move (``DayState.pinned`` says why one may not):
* held and not started: assigned, accepted or scheduled (in progress never is, nor anything else);
* its technician has not confirmed leaving for the visit (``Appointment.departed_at``);
* its visit was not promised with a named technician (``Appointment.named_technician``, set when booking);
* it counts on the day (a confirmed visit that day, or not booked yet and the day is today) and has coordinates.

Who may take a movable job: a working, dispatchable technician of the same organization as its holder (a partner's
job stays with the partner), with the skill for its service type and product category, serving its region (when it
has one), who has not declined it or let its offer expire before. The holder may always keep it. Pinned jobs stay
with their holder. These rules become per-job skill tokens, so the independent checker verifies them.

Preview first: the day is solved twice, each job pinned to its holder (the baseline) and then free to move
(warm-started from the baseline), and the moves are offered only when the free plan is better by at least
``DISPATCH_REBALANCE_MIN_SAVING_SECONDS`` of travel per move (or plans more jobs). Applying re-checks every move
against the current state, reassigns through ``services.dispatch_assign`` (offers, notifications, timeline, audit as
for any reassignment, with the reason) and stores the plans of the technicians concerned in the previewed order.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts.models import User
from aftersales.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from aftersales.core.messages import msg
from aftersales.tickets.models import ServiceRequest

from . import notify, routing
from .choices import HELD_STATUSES, AppointmentStatus, OfferStatus
from .conf import conf
from .models import Appointment, DispatchOffer, RouteStop, TechnicianAbsence
from .permissions import is_dispatcher
from .routes import (
    NOTIFY_THRESHOLD_SECONDS,
    DayInput,
    _profile,
    _store,
    counts_on,
    day_input,
    route_plan_build,
    routing_job,
    routing_technician,
    travel_provider,
    visit_facts,
)
from .selectors import profile_list, request_category_id, request_skill, skill_level, technician_blocks, works_on

PINNED_DEPARTED = "departed"
PINNED_NAMED = "named_technician"
PINNED_NO_COORDINATES = "no_coordinates"
PINNED_HOLDER_AWAY = "holder_not_working"
PINNED_NOBODY_ELSE = "nobody_else"
PINNED_LABELS = {
    PINNED_DEPARTED: gettext_lazy("The technician has left for it."),
    PINNED_NAMED: gettext_lazy("The customer was promised this technician."),
    PINNED_NO_COORDINATES: gettext_lazy("The address has no coordinates."),
    PINNED_HOLDER_AWAY: gettext_lazy("Its technician is not working that day."),
    PINNED_NOBODY_ELSE: gettext_lazy("No other technician may take it."),
}


def _token(request_id) -> str:
    return f"job:{request_id}"


@dataclass
class DayState:
    """Everything the preview and the apply step decide from: who holds what, who may take what."""

    day: dt.date
    now: dt.datetime
    profiles: dict[int, object]  # technician id -> TechnicianProfile (working that day)
    requests: dict[int, ServiceRequest]  # held jobs that count on the day
    holder: dict[int, int]  # request id -> technician id
    eligible: dict[int, set[int]]  # movable request id -> technicians (other than the holder) who may take it
    pinned: dict[int, str]  # request id -> reason it stays
    appts: dict[int, Appointment]
    due: dict[int, dt.datetime]

    def movable(self, request_id: int) -> bool:
        return bool(self.eligible.get(request_id))


def day_state(day: dt.date, *, now=None) -> DayState:
    """The day's technicians and held jobs, with the movement rules applied (a fixed number of queries)."""
    now = now or timezone.now()
    all_profiles = list(
        profile_list().prefetch_related(
            "skills",
            "regions",
            Prefetch("absences", queryset=TechnicianAbsence.objects.filter(start__lte=day, end__gte=day)),
        )
    )
    by_id = {p.user_id: p for p in all_profiles}
    working = {p.user_id: p for p in all_profiles if works_on(p, day)}
    rows = list(
        ServiceRequest.objects.filter(assigned_technician_id__in=list(by_id), status__in=HELD_STATUSES)
        .select_related("address", "customer", "product", "unit__product")
        .order_by("priority_rank", "id")
    )
    appts, due = visit_facts(rows)
    rows = [r for r in rows if counts_on(appts.get(r.pk), day, now=now)]
    open_visits = defaultdict(list)
    for a in Appointment.objects.filter(
        request_id__in=[r.pk for r in rows], status__in=[AppointmentStatus.PROPOSED, AppointmentStatus.CONFIRMED]
    ):
        open_visits[a.request_id].append(a)
    tried = defaultdict(set)
    for rid, tid in DispatchOffer.objects.filter(
        request_id__in=[r.pk for r in rows],
        status__in=[OfferStatus.DECLINED, OfferStatus.EXPIRED],
        technician__isnull=False,
    ).values_list("request_id", "technician_id"):
        tried[rid].add(tid)

    blocked = technician_blocks(list(working), [request_skill(r) for r in rows], day=day)
    state = DayState(day, now, working, {}, {}, {}, {}, appts, due)
    for r in rows:
        holder = r.assigned_technician_id
        state.requests[r.pk] = r
        state.holder[r.pk] = holder
        address = r.address
        if address is None or address.latitude is None or address.longitude is None:
            state.pinned[r.pk] = PINNED_NO_COORDINATES
            continue
        visits = open_visits.get(r.pk, [])
        if any(a.departed_at is not None for a in visits):
            state.pinned[r.pk] = PINNED_DEPARTED
            continue
        if any(a.named_technician for a in visits):
            state.pinned[r.pk] = PINNED_NAMED
            continue
        org = by_id[holder].user.organization_id
        category = request_category_id(r)
        others = {
            tid
            for tid, p in working.items()
            if tid != holder
            and p.is_dispatchable
            and p.user.organization_id == org
            and tid not in tried[r.pk]
            and (r.region_id is None or any(reg.pk == r.region_id for reg in p.regions.all()))
            and skill_level(p, r.service_type, category) > 0
            and (tid, r.service_type, category) not in blocked
        }
        if not others:
            state.pinned[r.pk] = PINNED_HOLDER_AWAY if holder not in working else PINNED_NOBODY_ELSE
            continue
        state.eligible[r.pk] = others
    return state


@dataclass
class Problems:
    baseline: routing.DayProblem  # every job with its holder
    free: routing.DayProblem  # movable jobs may go to anyone eligible


def problems(state: DayState) -> Problems:
    tokens: dict[int, set[str]] = defaultdict(set)
    for rid, others in state.eligible.items():
        for tid in (*others, state.holder[rid]):
            tokens[tid].add(_token(rid))
    techs = tuple(
        routing_technician(p, state.day, now=state.now, skills=frozenset(tokens.get(tid, ())))
        for tid, p in state.profiles.items()
    )
    base_jobs, free_jobs = [], []
    for rid, r in state.requests.items():
        holder = str(state.holder[rid])
        facts = {"day": state.day, "appt": state.appts.get(rid), "due_at": state.due.get(rid)}
        if state.pinned.get(rid) == PINNED_NO_COORDINATES:
            continue
        if state.pinned.get(rid) == PINNED_HOLDER_AWAY or (rid in state.pinned and int(holder) not in state.profiles):
            continue  # stays with someone who is not working: not in this day's plan
        base = routing_job(r, fixed_technician=holder, **facts)
        base_jobs.append(base)
        if rid in state.eligible:
            free_jobs.append(routing_job(r, fixed_technician=None, required_skills=frozenset({_token(rid)}), **facts))
        else:
            free_jobs.append(base)
    return Problems(routing.DayProblem(techs, tuple(base_jobs)), routing.DayProblem(techs, tuple(free_jobs)))


@dataclass
class Move:
    request: ServiceRequest
    from_id: int
    to_id: int
    from_name: str
    to_name: str


@dataclass
class TechRow:
    technician_id: int
    name: str
    jobs_before: int
    jobs_after: int
    metres_before: int
    metres_after: int
    seconds_before: int
    seconds_after: int


@dataclass
class Preview:
    day: dt.date
    moves: list[Move] = field(default_factory=list)
    technicians: list[TechRow] = field(default_factory=list)
    pinned: list[tuple[ServiceRequest, str, str]] = field(default_factory=list)  # request, holder name, reason
    seconds_before: int = 0
    seconds_after: int = 0
    metres_before: int = 0
    metres_after: int = 0
    planned_before: int = 0
    planned_after: int = 0
    routes: dict[int, list[int]] = field(default_factory=dict)  # technician id -> request ids, in order (free plan)
    improved: bool = False
    movable: int = 0

    @property
    def seconds_saved(self) -> int:
        return self.seconds_before - self.seconds_after

    @property
    def km_saved(self) -> float:
        return (self.metres_before - self.metres_after) / 1000

    @property
    def minutes_saved(self) -> int:
        return round(self.seconds_saved / 60)


def _value(problem: routing.DayProblem, plan: routing.Plan) -> int:
    """What the solver maximises: prizes of the jobs done minus travel seconds."""
    day_end = max((t.shift_end for t in problem.technicians), default=0)
    jobs = {j.id: j for j in problem.jobs}
    return sum(routing.solver.job_prize(jobs[jid], day_end) for jid in plan.job_ids()) - plan.travel_seconds


def _require_dispatcher(actor) -> None:
    if actor is None or not is_dispatcher(actor):
        raise PermissionDeniedError()


def rebalance_preview(*, actor, day: dt.date, seconds: float | None = None, now=None) -> Preview:
    """What a day-level re-optimisation would move (nothing is written)."""
    _require_dispatcher(actor)
    now = now or timezone.now()
    seconds = seconds if seconds is not None else conf.rebalance_seconds
    state = day_state(day, now=now)
    names = {tid: p.user.display_name for tid, p in state.profiles.items()}
    holders = {p.user_id: p.user.display_name for p in profile_list().filter(user_id__in=set(state.holder.values()))}
    out = Preview(day=day, movable=len(state.eligible))
    for rid, reason in state.pinned.items():
        out.pinned.append((state.requests[rid], holders.get(state.holder[rid], "?"), str(PINNED_LABELS[reason])))
    if not state.profiles:
        return out
    probs = problems(state)
    provider = travel_provider()
    network = routing.DayNetwork.build(probs.baseline, provider)
    if probs.baseline.jobs:
        base = routing.plan_day(probs.baseline, provider, seconds=seconds, network=network).plan
    else:
        base = routing.Plan(routes={})
    free = base
    if state.eligible:
        free = routing.plan_day(probs.free, provider, seconds=seconds, network=network, initial=base).plan
    for problem, plan in ((probs.baseline, base), (probs.free, free)):
        if routing.check_plan(problem, plan, network.matrix, network.index):
            raise ValidationFailed(_("The optimiser returned an invalid plan; nothing was changed."))
    moves = []
    for tid, route in free.routes.items():
        for jid in route.job_ids:
            rid = int(jid)
            if state.holder[rid] != int(tid):
                moves.append((rid, state.holder[rid], int(tid)))
    gain = _value(probs.free, free) - _value(probs.baseline, base)
    min_saving = conf.rebalance_min_saving_seconds
    out.improved = bool(moves) and gain >= min_saving * len(moves)
    chosen = free if out.improved else base
    out.moves = (
        [Move(state.requests[r], f, t, holders.get(f, "?"), names[t]) for r, f, t in moves] if out.improved else []
    )
    out.seconds_before, out.metres_before = base.travel_seconds, base.travel_metres
    out.seconds_after, out.metres_after = chosen.travel_seconds, chosen.travel_metres
    out.planned_before, out.planned_after = len(base.job_ids()), len(chosen.job_ids())
    out.routes = {int(tid): [int(j) for j in r.job_ids] for tid, r in chosen.routes.items()}
    for tid, name in names.items():
        b, a = base.routes.get(str(tid)), chosen.routes.get(str(tid))
        out.technicians.append(
            TechRow(
                tid,
                name,
                len(b.visits) if b else 0,
                len(a.visits) if a else 0,
                b.travel_metres if b else 0,
                a.travel_metres if a else 0,
                b.travel_seconds if b else 0,
                a.travel_seconds if a else 0,
            )
        )
    return out


@dataclass
class ApplyResult:
    moved: list[int]
    plans: list


def _ordered_plan(data: DayInput, order: list[int] | None) -> tuple[routing.Plan, routing.DayNetwork] | None:
    """The technician's day in the previewed order, re-timed now; None when the order no longer covers exactly his
    jobs or no longer fits (the caller re-optimises instead)."""
    tech = data.problem.technicians[0]
    jobs = {j.id: j for j in data.problem.jobs}
    if order is None or not jobs or sorted(map(str, order)) != sorted(jobs):
        return None
    net = routing.DayNetwork.build(data.problem, travel_provider())
    timed = routing.schedule_route(tech, [jobs[str(rid)] for rid in order], net)
    if timed is None:
        return None
    return routing.Plan(routes={tech.id: timed}), net


@transaction.atomic
def rebalance_apply(
    *, actor, day: dt.date, moves: list[tuple[int, int, int]], routes: dict[int, list[int]] | None = None, now=None
) -> ApplyResult:
    """Carry out previewed moves ``(request id, from technician, to technician)``: each is checked against the
    current state (still held by ``from``, still movable, ``to`` still eligible) and all or none happen. Each is a
    reassignment through ``dispatch_assign`` with the reason; then the plans of the technicians concerned are
    stored, in the previewed ``routes`` order when it still fits (re-optimised otherwise)."""
    from .services import dispatch_assign

    _require_dispatcher(actor)
    now = now or timezone.now()
    routes = routes or {}
    if not moves:
        raise ValidationFailed(_("Nothing to move."), fields={"move": [_("Choose at least one move.")]})
    if len({m[0] for m in moves}) != len(moves):
        raise ValidationFailed(fields={"move": [_("A job is listed twice.")]})
    state = day_state(day, now=now)
    for rid, frm, to in moves:
        if state.holder.get(rid) != frm or to not in state.eligible.get(rid, ()):
            raise ConflictError(
                _("The day changed since the preview (a job was reassigned, started or pinned): preview again."),
                code="rebalance_stale",
            )
    old_starts = dict(
        RouteStop.objects.filter(plan__day=day, request_id__in=[m[0] for m in moves]).values_list("request_id", "start")
    )
    users = {u.pk: u for u in User.objects.filter(pk__in={m[1] for m in moves} | {m[2] for m in moves})}
    for rid, frm, to in moves:
        reason = msg(
            "dispatch.route_moved",
            day=day.isoformat(),
            **{"from": users[frm].display_name, "to": users[to].display_name},
        )
        dispatch_assign(
            actor=actor, request=state.requests[rid], technician=users[to], reason=reason, reassign=True, now=now
        )
    plans = []
    for tid in sorted({m[1] for m in moves} | {m[2] for m in moves}):
        if tid not in state.profiles:
            continue  # not working that day: nothing to plan
        profile = _profile(tid)
        data = day_input(profile, day, now=now)
        ordered = _ordered_plan(data, routes.get(tid))
        if ordered is None:
            result = route_plan_build(actor=actor, technician=profile.user, day=day, now=now)
        else:
            plan, net = ordered
            result = _store(profile, day, data, plan, net, actor=actor, method="rebalance")
        plans.append(result.plan)
    new_starts = dict(
        RouteStop.objects.filter(plan__day=day, request_id__in=[m[0] for m in moves]).values_list("request_id", "start")
    )
    for rid, start in new_starts.items():
        old = old_starts.get(rid)
        if old is None or abs((start - old).total_seconds()) > NOTIFY_THRESHOLD_SECONDS:
            notify.customer_tell(state.requests[rid], "dispatch.customer_new_eta", time=start)
    return ApplyResult(moved=[m[0] for m in moves], plans=plans)
