"""Urgent work during the day: insert one job with least disruption and say which visits changed.

Method (deterministic, no re-solve, so other technicians' days stay as they are):
1. Cheapest feasible insertion: every position in every compatible technician's route is timed with the break
   (``schedule_route``); cost = extra travel seconds + ``RETIME_PENALTY`` per existing visit whose start moves by
   more than ``notify_threshold``. The cheapest wins.
2. If nothing fits, ejection: in each compatible route, remove one less urgent job and insert the new one; the
   cheapest by (priority prize lost, cost) wins, and the ejected job is re-inserted elsewhere by step 1, or reported
   unassigned with ``displaced_by_urgent``.
3. Otherwise the job is reported unassigned with the reason.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .model import (
    REASON_CAPACITY,
    REASON_DISPLACED,
    DayProblem,
    Job,
    Plan,
    TechnicianRoute,
    Unassigned,
    VisitChange,
    skills_match,
)
from .schedule import DayNetwork, schedule_route
from .solver import PRIORITY_PRIZE, unplannable_reason
from .travel import StraightLineTravel, TravelTimeProvider

RETIME_PENALTY = 600


@dataclass
class InsertResult:
    problem: DayProblem  # the problem with the job added
    plan: Plan
    network: DayNetwork
    changes: list[VisitChange]
    inserted: bool


def best_insertion(
    problem: DayProblem,
    plan: Plan,
    job: Job,
    net: DayNetwork,
    notify_threshold: int = 600,
    exclude: frozenset[str] = frozenset(),
) -> TechnicianRoute | None:
    """Best feasible route (already timed) containing ``job`` at its cheapest position, or None."""
    best: tuple[int, TechnicianRoute] | None = None
    for tech in problem.technicians:
        if tech.id in exclude or not skills_match(tech, job):
            continue
        current = plan.routes.get(tech.id)
        seq = [problem_job(problem, jid, job) for jid in (current.job_ids if current else [])]
        old_starts = {v.job_id: v.start for v in current.visits} if current else {}
        old_travel = current.travel_seconds if current else 0
        for pos in range(len(seq) + 1):
            timed = schedule_route(tech, [*seq[:pos], job, *seq[pos:]], net)
            if timed is None:
                continue
            retimed = sum(
                1
                for v in timed.visits
                if v.job_id in old_starts and abs(v.start - old_starts[v.job_id]) > notify_threshold
            )
            cost = timed.travel_seconds - old_travel + RETIME_PENALTY * retimed
            if best is None or cost < best[0]:
                best = (cost, timed)
    return best[1] if best else None


def problem_job(problem: DayProblem, job_id: str, extra: Job | None = None) -> Job:
    if extra is not None and extra.id == job_id:
        return extra
    return problem.job(job_id)


def insert_urgent(
    problem: DayProblem,
    plan: Plan,
    job: Job,
    provider: TravelTimeProvider | None = None,
    *,
    network: DayNetwork | None = None,
    notify_threshold: int = 600,
) -> InsertResult:
    """Adds ``job`` to the problem and the plan. ``plan`` is not modified; a new plan is returned.

    ``network`` may be a network that already includes the job's location (e.g. built with ``extra_jobs``);
    otherwise the travel matrix is rebuilt with ``provider``."""
    new_problem = dataclasses.replace(problem, jobs=(*problem.jobs, job))
    net = network if network is not None and f"J:{job.id}" in network.index else None
    if net is None:
        net = DayNetwork.build(new_problem, provider or StraightLineTravel())
    new_plan = Plan(routes=dict(plan.routes), unassigned=list(plan.unassigned))

    reason = unplannable_reason(new_problem, job, net)
    if reason is not None:
        new_plan.unassigned.append(Unassigned(job.id, reason))
        return InsertResult(new_problem, new_plan, net, diff_plans(plan, new_plan, notify_threshold), False)

    found = best_insertion(new_problem, new_plan, job, net, notify_threshold)
    if found is not None:
        new_plan.routes[found.technician_id] = found
        return InsertResult(new_problem, new_plan, net, diff_plans(plan, new_plan, notify_threshold), True)

    # Ejection: make room by taking out one less urgent job.
    best: tuple[tuple[int, int], TechnicianRoute, Job] | None = None
    for tech in new_problem.technicians:
        route = new_plan.routes.get(tech.id)
        if route is None or not skills_match(tech, job):
            continue
        seq = [problem_job(new_problem, jid) for jid in route.job_ids]
        for victim in seq:
            if victim.priority <= job.priority:
                continue
            rest = [j for j in seq if j is not victim]
            trial = Plan(routes={**new_plan.routes, tech.id: _timed_or_empty(tech, rest, net)})
            candidate = best_insertion(
                new_problem, trial, job, net, notify_threshold, exclude=_others(new_problem, tech.id)
            )
            if candidate is None:
                continue
            key = (PRIORITY_PRIZE[victim.priority], candidate.travel_seconds - route.travel_seconds)
            if best is None or key < best[0]:
                best = (key, candidate, victim)
    if best is None:
        new_plan.unassigned.append(Unassigned(job.id, REASON_CAPACITY))
        return InsertResult(new_problem, new_plan, net, diff_plans(plan, new_plan, notify_threshold), False)

    _, route, victim = best
    new_plan.routes[route.technician_id] = route
    moved = best_insertion(new_problem, new_plan, victim, net, notify_threshold)
    if moved is not None:
        new_plan.routes[moved.technician_id] = moved
    else:
        new_plan.unassigned.append(Unassigned(victim.id, REASON_DISPLACED))
    return InsertResult(new_problem, new_plan, net, diff_plans(plan, new_plan, notify_threshold), True)


def _others(problem: DayProblem, tech_id: str) -> frozenset[str]:
    return frozenset(t.id for t in problem.technicians if t.id != tech_id)


def _timed_or_empty(tech, jobs, net) -> TechnicianRoute:
    timed = schedule_route(tech, jobs, net)
    return timed if timed is not None else TechnicianRoute(tech.id, departure=tech.shift_start)


def diff_plans(old: Plan, new: Plan, notify_threshold: int = 600) -> list[VisitChange]:
    """Visits a customer must hear about: added, moved to another technician, retimed beyond the threshold, or
    removed from the plan."""

    def where(plan: Plan) -> dict[str, tuple[str, int]]:
        return {v.job_id: (r.technician_id, v.start) for r in plan.routes.values() for v in r.visits}

    before, after = where(old), where(new)
    changes = []
    for jid in sorted(set(before) | set(after)):
        b, a = before.get(jid), after.get(jid)
        if b is None:
            changes.append(VisitChange(jid, "added", None, a[0], None, a[1]))
        elif a is None:
            changes.append(VisitChange(jid, "removed", b[0], None, b[1], None))
        elif a[0] != b[0]:
            changes.append(VisitChange(jid, "moved", b[0], a[0], b[1], a[1]))
        elif abs(a[1] - b[1]) > notify_threshold:
            changes.append(VisitChange(jid, "retimed", b[0], a[0], b[1], a[1]))
    return changes
