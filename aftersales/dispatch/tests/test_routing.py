"""Route optimiser (R-DSP-5): checker, solver, urgent insertion, Solomon reader/checker, OSRM adapter.

No database. Solves are capped at 1 s on small instances; no timing is asserted.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import numpy as np
import pytest

from aftersales.dispatch.routing import (
    BreakRule,
    DayNetwork,
    DayProblem,
    Job,
    OsrmTableTravel,
    Plan,
    Point,
    StraightLineTravel,
    Technician,
    Unassigned,
    check_plan,
    insert_urgent,
    plan_day,
    schedule_route,
)
from aftersales.dispatch.routing.solomon import check_solomon, read_solomon
from aftersales.dispatch.routing.travel import UNREACHABLE_SECONDS, OsrmError

DATA = Path(__file__).parent / "data"
H = 3600
# Planar metres at 10 m/s, no road factor: 1 km = 100 s.
FLAT = StraightLineTravel(road_factor=1.0, speed_kmh=36.0, metric="euclidean")


def xy(x_km: float, y_km: float) -> Point:
    return Point(lat=y_km * 1000, lng=x_km * 1000)


def small_problem() -> DayProblem:
    lunch = BreakRule(12 * H, 14 * H, 1800)
    techs = (
        Technician("ann", xy(0, 0), 8 * H, 17 * H, frozenset({"ac"}), lunch, max_jobs=4),
        Technician("bob", xy(10, 0), 8 * H, 17 * H, frozenset({"wash", "ac"}), lunch, max_work_seconds=4 * H),
    )
    jobs = (
        Job("j1", xy(1, 0), H, 8 * H, 12 * H, frozenset({"ac"}), priority=2),
        Job("j2", xy(2, 1), H, 13 * H, 16 * H, frozenset({"ac"}), priority=3),
        Job("j3", xy(9, 1), H, 8 * H, 17 * H, frozenset({"wash"}), priority=1),
        Job("j4", xy(11, 2), H, 9 * H, 11 * H, frozenset({"wash"}), priority=4, fixed_technician="bob"),
    )
    return DayProblem(techs, jobs)


def valid_plan(problem: DayProblem, net: DayNetwork) -> Plan:
    ann, bob = problem.technicians
    j1, j2, j3, j4 = problem.jobs
    return Plan(routes={"ann": schedule_route(ann, [j1, j2], net), "bob": schedule_route(bob, [j4, j3], net)})


def kinds(problem, plan, net) -> set[str]:
    return {v.kind for v in check_plan(problem, plan, net.matrix, net.index)}


# --- checker ---------------------------------------------------------------------------------------------------


def test_hand_made_valid_plan_passes():
    problem = small_problem()
    net = DayNetwork.build(problem, FLAT)
    plan = valid_plan(problem, net)
    assert check_plan(problem, plan, net.matrix, net.index) == []
    assert plan.routes["ann"].visits[0].travel_seconds == 100  # 1 km at 10 m/s


def _mutated(mutate):
    problem = small_problem()
    net = DayNetwork.build(problem, FLAT)
    plan = copy.deepcopy(valid_plan(problem, net))
    problem = mutate(problem, plan) or problem
    return kinds(problem, plan, net)


def test_checker_catches_missing_skill():
    def m(problem, plan):
        plan.routes["ann"].visits[1].job_id = "j3"  # wash job on a technician without washers
        plan.routes["bob"].visits.pop()
        plan.routes["bob"].break_after = min(plan.routes["bob"].break_after, 1)
        plan.unassigned.append(Unassigned("j2", "capacity"))

    assert "skills" in _mutated(m)


def test_checker_catches_fixed_technician():
    def m(problem, plan):
        r = plan.routes["ann"]
        r.visits[0].job_id = "j4"
        plan.routes["bob"].visits.pop(0)
        plan.routes["bob"].break_after = 0
        plan.unassigned.append(Unassigned("j1", "capacity"))

    assert "fixed_technician" in _mutated(m)


def test_checker_catches_window_violation():
    def m(problem, plan):
        v = plan.routes["ann"].visits[0]
        v.start, v.end = 12 * H + 60, 13 * H + 60  # j1 must start by 12:00

    assert "window" in _mutated(m)


def test_checker_catches_shift_violations():
    def early(problem, plan):
        plan.routes["ann"].departure = 7 * H

    def late(problem, plan):
        plan.routes["ann"].return_arrival = 17 * H + 1

    assert "shift" in _mutated(early)
    assert "shift" in _mutated(late)


def test_checker_catches_impossible_travel_and_short_work():
    def fast(problem, plan):
        r = plan.routes["bob"]
        r.departure = r.visits[0].arrival - 10  # 10 s for a 1.4 km leg

    def short(problem, plan):
        v = plan.routes["ann"].visits[0]
        v.end = v.start + 60

    assert "travel" in _mutated(fast)
    assert "duration" in _mutated(short)


def test_checker_catches_duplicate_and_missing_jobs():
    def dup(problem, plan):
        plan.unassigned.append(Unassigned("j1", "capacity"))

    def missing(problem, plan):
        r = plan.routes["ann"]
        r.visits.pop()
        r.break_after = min(r.break_after, 1)

    assert "duplicate" in _mutated(dup)
    assert "missing" in _mutated(missing)


def test_checker_catches_break_violations():
    def none(problem, plan):
        plan.routes["ann"].break_start = None

    def outside(problem, plan):
        r = plan.routes["ann"]
        r.break_start, r.break_end = 15 * H, 15 * H + 1800

    def overlap(problem, plan):
        r = plan.routes["ann"]
        v = r.visits[0]
        r.break_after = 1
        r.break_start, r.break_end = v.end - 600, v.end + 1200  # starts during j1

    def short(problem, plan):
        r = plan.routes["ann"]
        r.break_end = r.break_start + 600

    for mutate in (none, outside, overlap, short):
        assert "break" in _mutated(mutate), mutate.__name__


def test_checker_catches_capacity():
    def jobs_cap(problem, plan):
        ann = problem.technicians[0]
        return DayProblem((Technician(**{**ann.__dict__, "max_jobs": 1}), problem.technicians[1]), problem.jobs)

    def work_cap(problem, plan):
        bob = problem.technicians[1]
        return DayProblem((problem.technicians[0], Technician(**{**bob.__dict__, "max_work_seconds": H})), problem.jobs)

    assert "capacity" in _mutated(jobs_cap)
    assert "capacity" in _mutated(work_cap)


# --- solver ----------------------------------------------------------------------------------------------------


def random_problem(seed: int, n_techs: int = 3, n_jobs: int = 18) -> DayProblem:
    rng = random.Random(seed)
    skills = ("ac", "wash", "fridge")
    techs = tuple(
        Technician(
            f"t{i}",
            xy(rng.uniform(0, 20), rng.uniform(0, 20)),
            8 * H,
            17 * H,
            frozenset(rng.sample(skills, 2)),
            BreakRule(int(11.5 * H), int(13.5 * H), H),
            max_jobs=6,
        )
        for i in range(n_techs)
    )
    jobs = []
    for i in range(n_jobs):
        earliest = rng.choice((8 * H, 13 * H, 8 * H))
        jobs.append(
            Job(
                f"j{i}",
                xy(rng.uniform(0, 20), rng.uniform(0, 20)),
                rng.choice((1800, 2700, 3600)),
                earliest,
                earliest + rng.choice((3 * H, 4 * H, 9 * H)),
                frozenset({rng.choice(skills)}),
                priority=rng.randint(1, 4),
                fixed_technician=techs[0].id if i == 0 else None,
            )
        )
    return DayProblem(techs, tuple(jobs))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_small_plans_respect_hard_constraints(seed):
    problem = random_problem(seed)
    sol = plan_day(problem, FLAT, seconds=1, seed=seed)
    assert check_plan(problem, sol.plan, sol.network.matrix, sol.network.index) == []
    assert sol.plan.job_ids()  # something was planned
    for route in sol.plan.routes.values():
        tech = problem.technician(route.technician_id)
        assert all(problem.job(j).required_skills <= tech.skills for j in route.job_ids)


def test_job_nobody_can_do_is_reported():
    base = small_problem()
    odd = Job("odd", xy(1, 1), H, 8 * H, 17 * H, frozenset({"boiler"}))
    late = Job("late", xy(1, 1), H, 20 * H, 21 * H, frozenset({"ac"}))
    problem = DayProblem(base.technicians, (*base.jobs, odd, late))
    sol = plan_day(problem, FLAT, seconds=1)
    reasons = {u.job_id: u.reason for u in sol.plan.unassigned}
    assert reasons["odd"] == "no_skilled_technician"
    assert reasons["late"] == "window_unreachable"
    assert check_plan(problem, sol.plan, sol.network.matrix, sol.network.index) == []


def test_overloaded_day_drops_lowest_priority_first():
    tech = Technician("solo", xy(0, 0), 8 * H, 17 * H, frozenset({"ac"}), BreakRule(12 * H, 14 * H, H))
    # 8 h of work time, 2 h jobs, all next to home: room for 4 of 8.
    jobs = tuple(
        Job(f"p{p}-{k}", xy(0.1 * k, 0.1 * p), 2 * H - 120, 8 * H, 17 * H, frozenset({"ac"}), priority=p)
        for p in (4, 3, 2, 1)
        for k in range(2)
    )
    problem = DayProblem((tech,), jobs)
    sol = plan_day(problem, FLAT, seconds=1)
    served = {problem.job(j).priority for j in sol.plan.job_ids()}
    dropped = {problem.job(u.job_id).priority for u in sol.plan.unassigned}
    assert served == {1, 2} and dropped == {3, 4}
    assert check_plan(problem, sol.plan, sol.network.matrix, sol.network.index) == []


# --- urgent insertion ------------------------------------------------------------------------------------------


def test_urgent_insertion_returns_valid_plan_and_changes():
    problem = random_problem(7)
    sol = plan_day(problem, FLAT, seconds=1)
    urgent = Job("urgent", xy(10, 10), 2700, 10 * H, 15 * H, frozenset({"ac"}), priority=1)
    res = insert_urgent(problem, sol.plan, urgent, FLAT)
    assert res.inserted
    assert "urgent" in res.plan.job_ids()
    assert check_plan(res.problem, res.plan, res.network.matrix, res.network.index) == []
    assert any(c.job_id == "urgent" and c.kind == "added" for c in res.changes)
    assert "urgent" not in sol.plan.job_ids()  # the old plan is left alone


def test_urgent_insertion_ejects_less_urgent_work_when_full():
    tech = Technician("solo", xy(0, 0), 8 * H, 17 * H, frozenset({"ac"}), BreakRule(12 * H, 14 * H, H), max_jobs=2)
    jobs = (
        Job("low", xy(1, 0), H, 8 * H, 17 * H, frozenset({"ac"}), priority=4),
        Job("mid", xy(2, 0), H, 8 * H, 17 * H, frozenset({"ac"}), priority=3),
    )
    problem = DayProblem((tech,), jobs)
    sol = plan_day(problem, FLAT, seconds=1)
    assert sorted(sol.plan.job_ids()) == ["low", "mid"]
    res = insert_urgent(
        problem, sol.plan, Job("urgent", xy(1, 1), H, 9 * H, 12 * H, frozenset({"ac"}), priority=1), FLAT
    )
    assert sorted(res.plan.job_ids()) == ["mid", "urgent"]
    assert {(u.job_id, u.reason) for u in res.plan.unassigned} == {("low", "displaced_by_urgent")}
    assert {c.job_id: c.kind for c in res.changes}["low"] == "removed"
    assert check_plan(res.problem, res.plan, res.network.matrix, res.network.index) == []


# --- Solomon ---------------------------------------------------------------------------------------------------


def test_solomon_reader_parses_c101():
    inst = read_solomon(DATA / "C101.txt")
    assert inst.name == "C101" and inst.vehicles == 25 and inst.capacity == 200
    assert inst.num_customers == 100
    assert (inst.x[0], inst.y[0], inst.due[0]) == (40, 50, 1236)
    assert (inst.x[1], inst.y[1], inst.demand[1], inst.ready[1], inst.due[1], inst.service[1]) == (
        45,
        68,
        10,
        912,
        967,
        90,
    )


def test_solomon_checker_accepts_known_solution_and_rejects_broken_ones():
    inst = read_solomon(DATA / "C101.txt")
    known = json.loads((DATA / "c101_solution.json").read_text())
    problems, distance = check_solomon(inst, known["routes"])
    assert problems == []
    assert round(distance, 2) == 828.94  # the best-known distance

    reversed_first = [list(reversed(known["routes"][0])), *known["routes"][1:]]
    assert any("after due" in p for p in check_solomon(inst, reversed_first)[0])
    dropped = [known["routes"][0][1:], *known["routes"][1:]]
    assert any("visited 0 times" in p for p in check_solomon(inst, dropped)[0])
    merged = [known["routes"][0] + known["routes"][1], *known["routes"][2:]]
    assert any("capacity" in p for p in check_solomon(inst, merged)[0])
    singles = [[c] for c in range(1, 101)]
    assert any("vehicles" in p for p in check_solomon(inst, singles)[0])


# --- travel providers ------------------------------------------------------------------------------------------


def test_straight_line_haversine():
    m = StraightLineTravel(road_factor=1.3, speed_kmh=36.0).matrix([Point(31.0, 121.0), Point(32.0, 121.0)])
    assert m.metres[0, 1] == pytest.approx(111_195 * 1.3, rel=1e-3)
    assert m.seconds[0, 1] == pytest.approx(m.metres[0, 1] / 10, abs=1)
    assert m.seconds[0, 0] == 0


def test_osrm_adapter_parses_recorded_table():
    recorded = (DATA / "osrm_table_3.json").read_bytes()
    calls = []

    def fake_transport(url: str, timeout: float) -> bytes:
        calls.append(url)
        return recorded

    points = [Point(31.230416, 121.473701), Point(31.2281, 121.448), Point(31.2304, 121.5254)]
    osrm = OsrmTableTravel("http://osrm.local:5000/", transport=fake_transport)
    m = osrm.matrix(points)
    assert calls == [
        "http://osrm.local:5000/table/v1/driving/121.473701,31.230416;121.448000,31.228100;121.525400,31.230400"
        "?annotations=duration,distance"
    ]
    assert m.seconds.tolist() == [[0, 613, 1094], [599, 0, UNREACHABLE_SECONDS], [1121, 702, 0]]
    assert m.metres[0, 1] == 4211 and m.metres[1, 2] == UNREACHABLE_SECONDS


def test_osrm_adapter_splits_large_tables_and_reports_errors():
    rng = np.random.default_rng(1)
    points = [Point(31 + float(a), 121 + float(b)) for a, b in rng.random((5, 2))]
    truth = StraightLineTravel().matrix(points)
    key = {f"{p.lng:.6f},{p.lat:.6f}": i for i, p in enumerate(points)}

    def fake_transport(url: str, timeout: float) -> bytes:
        path, _, query = url.partition("?")
        coords = [key[c] for c in path.rsplit("/", 1)[1].split(";")]
        params = dict(kv.split("=") for kv in query.split("&"))
        src = [coords[int(i)] for i in params["sources"].split(";")] if "sources" in params else coords
        dst = [coords[int(i)] for i in params["destinations"].split(";")] if "destinations" in params else coords
        body = {
            "code": "Ok",
            "durations": [[float(truth.seconds[s, d]) for d in dst] for s in src],
            "distances": [[float(truth.metres[s, d]) for d in dst] for s in src],
        }
        return json.dumps(body).encode()

    m = OsrmTableTravel("http://osrm", max_locations=4, transport=fake_transport).matrix(points)
    assert (m.seconds == truth.seconds).all() and (m.metres == truth.metres).all()

    def failing(url: str, timeout: float) -> bytes:
        return b'{"code": "InvalidQuery", "message": "Query string malformed"}'

    with pytest.raises(OsrmError):
        OsrmTableTravel("http://osrm", transport=failing).matrix(points[:2])


def test_replan_warm_started_from_existing_plan_stays_valid():
    problem = random_problem(5)
    first = plan_day(problem, FLAT, seconds=1)
    again = plan_day(problem, FLAT, seconds=1, initial=first.plan, network=first.network)
    assert check_plan(problem, again.plan, again.network.matrix, again.network.index) == []
    assert len(again.plan.job_ids()) >= 1
