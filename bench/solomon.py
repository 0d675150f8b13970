"""Solomon VRPTW benchmark for the route solver (PyVRP 0.14.1, one thread, seed 1).

Every solution is checked independently in double precision (capacity, windows, each customer once, fleet size)
before it counts. Gap = 100 * (distance / best-known - 1).

Modes
-----
distance   minimise distance with the instance's fleet (``vehicles_available``), compared with ``distance_only_bks``.
vehicles   vehicles first, then distance, compared with ``bks_vehicles`` / ``bks_distance``. Method:
           (1) PyVRP's ``minimise_fleet`` for ``--fleet-share`` of the time: starting from the instance's fleet it
               re-solves with one vehicle fewer (stopping at the first feasible solution) until a solve fails;
           (2) the rest of the time minimises distance with that fleet, keeping a fixed cost per vehicle larger than
               any route's length, so the search can still drop a further route if it finds one.
           The distance gap is reported on the instances where the best-known vehicle count was matched.

Usage: .venv/bin/python bench/solomon.py --mode distance --seconds 10 [--instances 'C1*'] [--out file.csv]
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import importlib.metadata
import platform
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from pyvrp import minimise_fleet, solve  # noqa: E402
from pyvrp.exceptions import PenaltyBoundWarning  # noqa: E402
from pyvrp.stop import MaxRuntime  # noqa: E402

from aftersales.dispatch.routing.solomon import (  # noqa: E402
    SCALE,
    check_solomon,
    gap,
    read_solomon,
    routes_of,
    solomon_problem_data,
)

DATA = Path("/work/shared/data/solomon")
# Fleet minimisation deliberately tries fleets that are too small; PyVRP then warns that its penalties hit their cap.
warnings.simplefilter("ignore", PenaltyBoundWarning)


def solve_distance(inst, seconds: float, seed: int):
    data = solomon_problem_data(inst, inst.vehicles)
    res = solve(data, MaxRuntime(seconds), seed=seed, collect_stats=False, display=False)
    return res.best


def solve_vehicles_first(inst, seconds: float, seed: int, fleet_share: float):
    # A fixed cost above any route length: one vehicle fewer always beats any distance saving.
    vehicle_cost = int(np.ceil(inst.distances().max() * 2 * (inst.num_customers + 1) * SCALE))
    data = solomon_problem_data(inst, inst.vehicles, fixed_cost=vehicle_cost)
    started = time.perf_counter()
    fleet = minimise_fleet(data, MaxRuntime(seconds * fleet_share), seed=seed)
    left = max(0.1, seconds - (time.perf_counter() - started))
    data = data.replace(vehicle_types=[fleet])
    res = solve(data, MaxRuntime(left), seed=seed, collect_stats=False, display=False)
    return res.best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", default="*", help="glob on instance names, e.g. 'R1*' or 'C101'")
    parser.add_argument("--seconds", type=float, default=10.0, help="time limit per instance")
    parser.add_argument("--mode", choices=["distance", "vehicles"], default="distance")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fleet-share", type=float, default=0.5, help="vehicles mode: share of time on the fleet")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, help="also write per-instance rows as CSV")
    args = parser.parse_args(argv)

    with open(args.data / "bks.csv") as fh:
        bks = {row["instance"]: row for row in csv.DictReader(fh)}
    names = sorted(n for n in bks if fnmatch.fnmatch(n, args.instances))
    if not names:
        print(f"no instance matches {args.instances!r}")
        return 2

    print(
        f"# Solomon VRPTW, mode={args.mode}, {args.seconds:g} s/instance, seed {args.seed}, one thread, "
        f"pyvrp {importlib.metadata.version('pyvrp')}, python {platform.python_version()}"
    )
    print(f"{'instance':9} {'veh':>4} {'bks_veh':>7} {'distance':>10} {'bks':>9} {'gap%':>7} {'sec':>6} check")
    rows = []
    for name in names:
        inst = read_solomon(args.data / f"{name}.txt")
        ref = bks[name]
        started = time.perf_counter()
        if args.mode == "distance":
            best = solve_distance(inst, args.seconds, args.seed)
            ref_veh, ref_dist = int(ref["distance_only_vehicles"]), float(ref["distance_only_bks"])
        else:
            best = solve_vehicles_first(inst, args.seconds, args.seed, args.fleet_share)
            ref_veh, ref_dist = int(ref["bks_vehicles"]), float(ref["bks_distance"])
        elapsed = time.perf_counter() - started
        routes = [r for r in routes_of(best) if r]
        problems, distance = check_solomon(inst, routes)
        ok = not problems
        g = gap(distance, ref_dist)
        rows.append(
            {
                "instance": name,
                "vehicles": len(routes),
                "bks_vehicles": ref_veh,
                "distance": round(distance, 4),
                "bks_distance": ref_dist,
                "gap_pct": round(g, 4),
                "seconds": round(elapsed, 2),
                "feasible": ok,
            }
        )
        note = "ok" if ok else f"INFEASIBLE: {problems[0]} (+{len(problems) - 1} more)"
        print(
            f"{name:9} {len(routes):4d} {ref_veh:7d} {distance:10.2f} {ref_dist:9.2f} {g:+7.2f} {elapsed:6.1f} {note}",
            flush=True,
        )

    feasible = [r for r in rows if r["feasible"]]
    print(f"# instances: {len(rows)}, feasible by the independent check: {len(feasible)}")
    if feasible:
        print(f"# mean gap (feasible): {sum(r['gap_pct'] for r in feasible) / len(feasible):+.3f} %")
    if args.mode == "vehicles":
        veh, ref = sum(r["vehicles"] for r in feasible), sum(r["bks_vehicles"] for r in feasible)
        print(f"# vehicles: {veh} vs best known {ref} ({100 * (veh / ref - 1):+.2f} %)")
        same = [r for r in feasible if r["vehicles"] == r["bks_vehicles"]]
        if same:
            mean = sum(r["gap_pct"] for r in same) / len(same)
            print(f"# distance gap on the {len(same)} instances matching the best-known fleet: {mean:+.3f} %")
    print(
        "# reproduce: .venv/bin/python bench/solomon.py "
        f"--mode {args.mode} --seconds {args.seconds:g} --instances '{args.instances}' --seed {args.seed}"
        + (f" --fleet-share {args.fleet_share:g}" if args.mode == "vehicles" else "")
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return 0 if len(feasible) == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
