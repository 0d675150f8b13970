"""Day planner: PyVRP (0.14) model of technicians and jobs, then timing with the break and a repair pass.

Modelling choices
-----------------
* Objective: travel seconds (the PyVRP "distance" matrix holds travel time) minus prizes of served jobs. Every job is
  optional (``required=False``) with a prize ``PRIORITY_PRIZE[priority]`` (x ``SLA_BOOST`` when its SLA deadline
  falls within the day). Prizes differ tenfold per priority, so when the work exceeds capacity the solver drops low
  priorities first; the lowest prize (one hour of travel) still pays for any sensible detour.
* Skills / fixed technician: PyVRP has no skills. Technicians with the same set of compatible jobs share a routing
  profile; in that profile every edge into or out of an incompatible job costs ``PROHIBITIVE`` distance and
  duration, so using it means huge time warp (infeasible) and cost. Profile 0 holds the true matrix and is used by
  no vehicle; PyVRP's neighbourhood is built from it. The independent checker verifies skills after the fact.
* Shift: one vehicle type per technician, start and end depot at the home base, ``tw_early/tw_late`` = shift,
  ``shift_duration`` = shift length minus the break.
* Capacity: two load dimensions, jobs (1 per job) and on-site seconds, against ``max_jobs``/``max_work_seconds``.
* Break: PyVRP 0.14 has no breaks (PyVRP issues #352, #415). A dummy "break client" needs a location, so it would
  either force a detour or (with zero-distance edges) hide the real travel between the jobs on either side; a
  shift split forces a trip home at lunch. We therefore reserve the break's duration in the shift length given to
  PyVRP, and afterwards place the break in the best gap of the ordered visits (``schedule.schedule_route``: taken
  before leaving or on arrival, waiting time absorbs it). If the break cannot fit without breaking a window, the
  lowest-priority job of that route is removed, and removed jobs are re-inserted elsewhere where they fit.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyvrp import Client, Depot, Location, ProblemData, Solution, VehicleType
from pyvrp import Route as PyvrpRoute
from pyvrp import solve as pyvrp_solve
from pyvrp.stop import MaxRuntime

from .model import (
    REASON_CAPACITY,
    REASON_FIXED_TECHNICIAN,
    REASON_NO_SKILLED_TECHNICIAN,
    REASON_UNREACHABLE,
    DayProblem,
    Job,
    Plan,
    Technician,
    TechnicianRoute,
    Unassigned,
    skills_match,
)
from .schedule import DayNetwork, schedule_route
from .travel import StraightLineTravel, TravelTimeProvider

PRIORITY_PRIZE = {1: 3_600_000, 2: 360_000, 3: 36_000, 4: 3_600}
SLA_BOOST = 3
PROHIBITIVE = 10**9
UNLIMITED = 10**9


def job_prize(job: Job, day_end: int) -> int:
    prize = PRIORITY_PRIZE[job.priority]
    if job.sla_deadline is not None and job.sla_deadline <= day_end:
        prize *= SLA_BOOST
    return prize


@dataclass
class DaySolution:
    plan: Plan
    network: DayNetwork
    pyvrp_seconds: float
    pyvrp_feasible: bool


def plan_day(
    problem: DayProblem,
    provider: TravelTimeProvider | None = None,
    *,
    seconds: float = 10.0,
    seed: int = 1,
    network: DayNetwork | None = None,
    initial: Plan | None = None,
) -> DaySolution:
    """Plans the day. ``initial`` warm-starts PyVRP from an existing plan (its routes, for jobs still present)."""
    provider = provider or StraightLineTravel()
    net = network or DayNetwork.build(problem, provider)
    techs = list(problem.technicians)
    unassigned: list[Unassigned] = []
    plannable: list[Job] = []
    for job in problem.jobs:
        reason = unplannable_reason(problem, job, net)
        if reason:
            unassigned.append(Unassigned(job.id, reason))
        else:
            plannable.append(job)

    data = _problem_data(problem, techs, plannable, net)
    init = _initial_solution(data, techs, plannable, initial) if initial is not None else None
    started = time.perf_counter()
    result = pyvrp_solve(
        data, MaxRuntime(seconds), seed=seed, collect_stats=False, display=False, initial_solution=init
    )
    elapsed = time.perf_counter() - started
    best = result.best

    by_tech: dict[str, list[Job]] = {t.id: [] for t in techs}
    for route in best.routes():
        tech = techs[route.vehicle_type()]
        by_tech[tech.id] = [plannable[act.idx] for act in route.schedule() if act.is_client()]

    plan = _time_and_repair(problem, techs, by_tech, plannable, net, unassigned)
    return DaySolution(plan=plan, network=net, pyvrp_seconds=elapsed, pyvrp_feasible=best.is_feasible())


def unplannable_reason(problem: DayProblem, job: Job, net: DayNetwork) -> str | None:
    """Why no technician could serve this job even with an otherwise empty day (None if someone could)."""
    compatible = [t for t in problem.technicians if skills_match(t, job)]
    if not compatible:
        if job.fixed_technician is not None and any(job.required_skills <= t.skills for t in problem.technicians):
            return REASON_FIXED_TECHNICIAN
        return REASON_NO_SKILLED_TECHNICIAN
    if not any(schedule_route(t, [job], net) is not None for t in compatible):
        return REASON_UNREACHABLE
    return None


def _problem_data(problem: DayProblem, techs: list[Technician], jobs: list[Job], net: DayNetwork) -> ProblemData:
    rows = [net.index[f"T:{t.id}"] for t in techs] + [net.index[f"J:{j.id}"] for j in jobs]
    base = np.ascontiguousarray(net.matrix.seconds[np.ix_(rows, rows)], dtype=np.int64)
    n_depots = len(techs)
    day_end = max((t.shift_end for t in techs), default=0)

    # Coordinates only guide geometric operators (e.g. SWAP* sectors); times come from the matrices.
    locations = [Location(x=t.home.lng, y=t.home.lat, name=f"T:{t.id}") for t in techs]
    locations += [Location(x=j.location.lng, y=j.location.lat, name=f"J:{j.id}") for j in jobs]
    depots = [Depot(location=i, tw_early=t.shift_start, tw_late=t.shift_end, name=t.id) for i, t in enumerate(techs)]
    clients = [
        Client(
            location=n_depots + k,
            delivery=[1, j.duration],
            service_duration=j.duration,
            tw_early=j.earliest,
            tw_late=j.latest,
            prize=job_prize(j, day_end),
            required=False,
            name=j.id,
        )
        for k, j in enumerate(jobs)
    ]

    # One profile per distinct set of compatible jobs; profile 0 is the true matrix (neighbourhood only).
    profiles: dict[tuple[int, ...], int] = {}
    matrices = [base]
    vehicle_types = []
    for i, tech in enumerate(techs):
        incompatible = tuple(k for k, j in enumerate(jobs) if not skills_match(tech, j))
        if incompatible not in profiles:
            m = base.copy()
            cols = [n_depots + k for k in incompatible]
            m[cols, :] = PROHIBITIVE
            m[:, cols] = PROHIBITIVE
            m[cols, cols] = 0
            profiles[incompatible] = len(matrices)
            matrices.append(m)
        brk = tech.break_rule.duration if tech.break_rule else 0
        vehicle_types.append(
            VehicleType(
                num_available=1,
                capacity=[
                    tech.max_jobs if tech.max_jobs is not None else UNLIMITED,
                    tech.max_work_seconds if tech.max_work_seconds is not None else UNLIMITED,
                ],
                start_depot=i,
                end_depot=i,
                tw_early=tech.shift_start,
                tw_late=tech.shift_end,
                shift_duration=max(0, tech.shift_end - tech.shift_start - brk),
                unit_distance_cost=1,
                profile=profiles[incompatible],
                name=tech.id,
            )
        )
    return ProblemData(locations, clients, depots, vehicle_types, matrices, matrices)


def _initial_solution(data: ProblemData, techs: list[Technician], jobs: list[Job], plan: Plan) -> Solution:
    client_of = {j.id: k for k, j in enumerate(jobs)}
    routes = []
    for vt, tech in enumerate(techs):
        route = plan.routes.get(tech.id)
        visits = [client_of[jid] for jid in (route.job_ids if route else []) if jid in client_of]
        if visits:
            routes.append(PyvrpRoute(data, visits, vt))
    return Solution(data, routes)


def _time_and_repair(
    problem: DayProblem,
    techs: list[Technician],
    by_tech: dict[str, list[Job]],
    plannable: Sequence[Job],
    net: DayNetwork,
    unassigned: list[Unassigned],
) -> Plan:
    routes: dict[str, TechnicianRoute] = {}
    removed: list[Job] = []
    for tech in techs:
        seq = list(by_tech[tech.id])
        timed = schedule_route(tech, seq, net)
        while timed is None and seq:
            # Drop the job whose removal makes the day feasible, lowest priority first; else the least valuable.
            order = sorted(seq, key=lambda j: (-j.priority, -j.duration))
            for cand in order:
                rest = [j for j in seq if j is not cand]
                timed = schedule_route(tech, rest, net)
                if timed is not None:
                    seq = rest
                    removed.append(cand)
                    break
            else:
                seq.remove(order[0])
                removed.append(order[0])
                timed = schedule_route(tech, seq, net)
        routes[tech.id] = timed if timed is not None else TechnicianRoute(tech.id, departure=tech.shift_start)
    plan = Plan(routes=routes, unassigned=unassigned)

    from .insertion import best_insertion  # local import: insertion builds on this module's plan

    planned = set(plan.job_ids())
    for job in sorted(removed, key=lambda j: j.priority):
        found = best_insertion(problem, plan, job, net)
        if found is not None:
            plan.routes[found.technician_id] = found
            planned.add(job.id)
    for job in plannable:
        if job.id not in planned:
            plan.unassigned.append(Unassigned(job.id, REASON_CAPACITY))
    return plan
