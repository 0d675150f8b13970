"""Solomon VRPTW instances (1987, 100 customers): reader, independent double-precision checker, PyVRP data.

Used by ``bench/solomon.py`` to measure the solver against best-known solutions. Customer 0 is the depot;
distances are Euclidean in double precision and travel time equals distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SCALE = 10_000  # PyVRP works in integers: times and distances x SCALE


@dataclass(frozen=True)
class SolomonInstance:
    name: str
    vehicles: int
    capacity: int
    x: np.ndarray
    y: np.ndarray
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray

    @property
    def num_customers(self) -> int:
        return len(self.x) - 1

    def distances(self) -> np.ndarray:
        return np.hypot(self.x[:, None] - self.x[None, :], self.y[:, None] - self.y[None, :])


def read_solomon(path: str | Path) -> SolomonInstance:
    lines = [ln.split() for ln in Path(path).read_text().splitlines()]
    name = next(ln[0] for ln in lines if ln)
    vehicles = capacity = None
    rows: list[list[float]] = []
    for i, parts in enumerate(lines):
        if parts[:1] == ["NUMBER"] and vehicles is None:
            nums = next(p for p in lines[i + 1 :] if p)
            vehicles, capacity = int(nums[0]), int(nums[1])
        elif len(parts) == 7 and all(_is_number(p) for p in parts):
            rows.append([float(p) for p in parts])
    if vehicles is None or not rows:
        raise ValueError(f"{path}: not a Solomon instance")
    data = np.array(sorted(rows, key=lambda r: r[0]))
    if list(data[:, 0].astype(int)) != list(range(len(data))):
        raise ValueError(f"{path}: customer numbers are not 0..n")
    return SolomonInstance(
        name=name,
        vehicles=vehicles,
        capacity=capacity,
        x=data[:, 1],
        y=data[:, 2],
        demand=data[:, 3].astype(int),
        ready=data[:, 4],
        due=data[:, 5],
        service=data[:, 6],
    )


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def check_solomon(
    inst: SolomonInstance, routes: list[list[int]], max_vehicles: int | None = None, eps: float = 1e-9
) -> tuple[list[str], float]:
    """Violations (empty if feasible) and total distance of ``routes`` (customer numbers, depot excluded)."""
    d = inst.distances()
    problems: list[str] = []
    seen: dict[int, int] = {}
    total = 0.0
    used = [r for r in routes if r]
    limit = inst.vehicles if max_vehicles is None else max_vehicles
    if len(used) > limit:
        problems.append(f"{len(used)} routes > {limit} vehicles")
    for k, route in enumerate(used):
        load, t, here = 0, 0.0, 0
        for c in route:
            if not 1 <= c <= inst.num_customers:
                problems.append(f"route {k}: unknown customer {c}")
                continue
            seen[c] = seen.get(c, 0) + 1
            load += int(inst.demand[c])
            total += d[here, c]
            t = max(t + d[here, c], inst.ready[c])
            if t > inst.due[c] + eps:
                problems.append(f"route {k}: customer {c} starts at {t:.4f} after due {inst.due[c]:g}")
            t += inst.service[c]
            here = c
        total += d[here, 0]
        if t + d[here, 0] > inst.due[0] + eps:
            problems.append(f"route {k}: back at depot at {t + d[here, 0]:.4f} after {inst.due[0]:g}")
        if load > inst.capacity:
            problems.append(f"route {k}: load {load} > capacity {inst.capacity}")
    for c in range(1, inst.num_customers + 1):
        if seen.get(c, 0) != 1:
            problems.append(f"customer {c} visited {seen.get(c, 0)} times")
    return problems, total


def solomon_problem_data(inst: SolomonInstance, vehicles: int, fixed_cost: int = 0):
    """PyVRP ``ProblemData``: costs are rounded scaled distances; travel durations are rounded *up*, so any
    schedule PyVRP finds feasible is also feasible in double precision."""
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType

    d = inst.distances() * SCALE
    dist = np.rint(d).astype(np.int64)
    dur = np.ceil(d - 1e-9).astype(np.int64)
    np.fill_diagonal(dur, 0)
    locations = [Location(x=float(inst.x[i]), y=float(inst.y[i])) for i in range(len(inst.x))]
    depot = Depot(location=0, tw_early=0, tw_late=round(inst.due[0] * SCALE))
    clients = [
        Client(
            location=i,
            delivery=[int(inst.demand[i])],
            service_duration=round(inst.service[i] * SCALE),
            tw_early=round(inst.ready[i] * SCALE),
            tw_late=round(inst.due[i] * SCALE),
        )
        for i in range(1, len(inst.x))
    ]
    vt = VehicleType(num_available=vehicles, capacity=[inst.capacity], fixed_cost=fixed_cost)
    return ProblemData(locations, clients, [depot], [vt], [dist], [dur])


def gap(distance: float, best_known: float) -> float:
    return 100.0 * (distance / best_known - 1.0)


def routes_of(solution) -> list[list[int]]:
    """Customer numbers per route of a PyVRP solution built by ``solomon_problem_data`` (client k is customer k + 1)."""
    return [[act.idx + 1 for act in route.schedule() if act.is_client()] for route in solution.routes()]
