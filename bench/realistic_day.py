"""A realistic dispatch day around Shanghai: plan it, check it, insert an urgent job, print the figures.

60 technicians (2-3 of 5 trades each, home bases within ~20 km of People's Square, 8 h shifts 08:00-17:00 or
09:00-18:00 with a 60 min lunch break inside 11:30-13:30, at most 12 jobs), 600 jobs (30-60 min, morning / afternoon
/ all-day windows, priorities 1-4, SLA deadlines, 2 % fixed to a technician). Travel: haversine x 1.3 at 25 km/h.
The offered work (on-site time plus the plan's own mean travel per visit, times all jobs) is printed against the
shift capacity; the generator aims at 10-20 % more work than capacity.

Usage: .venv/bin/python bench/realistic_day.py [--seconds 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aftersales.dispatch.routing import (  # noqa: E402
    BreakRule,
    DayNetwork,
    DayProblem,
    Job,
    Point,
    StraightLineTravel,
    Technician,
    check_plan,
    insert_urgent,
    plan_day,
)

H = 3600
CENTRE = Point(31.2304, 121.4737)
TRADES = ("air_conditioner", "washer", "refrigerator", "water_heater", "tv")


def around(rng: random.Random, radius_km: float) -> Point:
    r = radius_km * math.sqrt(rng.random())
    a = rng.random() * 2 * math.pi
    dlat = r * math.cos(a) / 111.0
    dlng = r * math.sin(a) / (111.0 * math.cos(math.radians(CENTRE.lat)))
    return Point(CENTRE.lat + dlat, CENTRE.lng + dlng)


def make_day(seed: int, n_techs: int = 60, n_jobs: int = 600) -> DayProblem:
    rng = random.Random(seed)
    techs = []
    for i in range(n_techs):
        start = 8 * H if i % 3 else 9 * H
        techs.append(
            Technician(
                id=f"T{i:02d}",
                home=around(rng, 20),
                shift_start=start,
                shift_end=start + 9 * H,
                skills=frozenset(rng.sample(TRADES, rng.choice((2, 2, 3)))),
                break_rule=BreakRule(int(11.5 * H), int(13.5 * H), H),
                max_jobs=12,
            )
        )
    jobs = []
    for i in range(n_jobs):
        priority = rng.choices((1, 2, 3, 4), weights=(10, 20, 40, 30))[0]
        kind = rng.choices(("am", "pm", "day"), weights=(40, 40, 20))[0]
        earliest, latest = {"am": (8 * H, 12 * H), "pm": (13 * H, 17 * H), "day": (8 * H, 17 * H)}[kind]
        if priority == 1:
            sla = rng.randrange(12 * H, 18 * H, 900)
        elif priority == 2 and rng.random() < 0.5:
            sla = rng.randrange(15 * H, 20 * H, 900)
        else:
            sla = 24 * H + rng.randrange(9 * H, 18 * H, 900)  # due tomorrow
        fixed = rng.choice(techs) if rng.random() < 0.02 else None
        trade = rng.choice(sorted(fixed.skills)) if fixed else rng.choice(TRADES)
        jobs.append(
            Job(
                id=f"J{i:03d}",
                location=around(rng, 22),
                duration=rng.choice((30, 30, 45, 45, 60, 60)) * 60,
                earliest=earliest,
                latest=latest,
                required_skills=frozenset({trade}),
                priority=priority,
                sla_deadline=sla,
                fixed_technician=fixed.id if fixed else None,
            )
        )
    return DayProblem(tuple(techs), tuple(jobs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="PyVRP time limit")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    problem = make_day(args.seed)
    provider = StraightLineTravel(road_factor=1.3, speed_kmh=25.0)
    started = time.perf_counter()
    net = DayNetwork.build(problem, provider)
    sol = plan_day(problem, provider, seconds=args.seconds, seed=args.seed, network=net)
    plan_time = time.perf_counter() - started
    plan = sol.plan
    violations = check_plan(problem, plan, net.matrix, net.index)

    served = set(plan.job_ids())
    visits = [v for r in plan.routes.values() for v in r.visits]
    capacity = sum(t.shift_end - t.shift_start - t.break_rule.duration for t in problem.technicians)
    travel_per_visit = plan.travel_seconds / max(1, len(visits))
    offered = sum(j.duration for j in problem.jobs) + travel_per_visit * len(problem.jobs)
    print(f"# realistic day: {len(problem.technicians)} technicians, {len(problem.jobs)} jobs, seed {args.seed}")
    print(
        f"offered work {offered / H:.0f} h (on-site + {travel_per_visit / 60:.1f} min travel per job) vs shift "
        f"capacity {capacity / H:.0f} h: {100 * (offered / capacity - 1):+.1f} %"
    )
    print(
        f"plan: {plan_time:.1f} s total (PyVRP {sol.pyvrp_seconds:.1f} s limit {args.seconds:g} s), PyVRP feasible: "
        f"{sol.pyvrp_feasible}, checker violations: {len(violations)}"
    )
    for v in violations[:10]:
        print(f"  violation: {v}")
    print(
        f"served {len(served)}/{len(problem.jobs)} jobs, travel {plan.travel_seconds / H:.1f} h, "
        f"{plan.travel_metres / 1000:.0f} km, {len(visits) / len(problem.technicians):.1f} jobs per technician"
    )
    for p in (1, 2, 3, 4):
        jobs = [j for j in problem.jobs if j.priority == p]
        n = sum(j.id in served for j in jobs)
        print(f"  priority {p}: served {n}/{len(jobs)} = {100 * n / len(jobs):.1f} %")
    sla_due = [j for j in problem.jobs if j.sla_deadline is not None and j.sla_deadline <= 18 * H]
    sla_met = sum(
        1
        for r in plan.routes.values()
        for v in r.visits
        if (j := problem.job(v.job_id)).sla_deadline is not None
        and j.sla_deadline <= 18 * H
        and v.end <= j.sla_deadline
    )
    print(f"  SLA due today: {len(sla_due)} jobs, finished before the deadline: {sla_met}")
    reasons: dict[str, int] = {}
    for u in plan.unassigned:
        reasons[u.reason] = reasons.get(u.reason, 0) + 1
    print(f"  unassigned by reason: {reasons}")

    rng = random.Random(args.seed + 1000)
    urgent = Job(
        id="URGENT",
        location=around(rng, 15),
        duration=45 * 60,
        earliest=10 * H,
        latest=14 * H,
        required_skills=frozenset({"air_conditioner"}),
        priority=1,
        sla_deadline=15 * H,
    )
    started = time.perf_counter()
    res = insert_urgent(problem, plan, urgent, provider)
    insert_time = time.perf_counter() - started
    after = check_plan(res.problem, res.plan, res.network.matrix, res.network.index)
    route = res.plan.route_of(urgent.id)
    kinds: dict[str, int] = {}
    for c in res.changes:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    where = f"technician {route.technician_id}" if route else "not placed"
    print(
        f"urgent insert: {insert_time:.2f} s (incl. travel matrix rebuild), inserted: {res.inserted} ({where}), "
        f"changed visits: {kinds}, checker violations after: {len(after)}"
    )
    print(f"# reproduce: .venv/bin/python bench/realistic_day.py --seconds {args.seconds:g} --seed {args.seed}")
    return 0 if not violations and not after else 1


if __name__ == "__main__":
    sys.exit(main())
