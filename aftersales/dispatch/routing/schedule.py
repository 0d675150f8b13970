"""Timing of one technician's ordered visits, with the break placed in the best gap.

Used by the solver (to turn PyVRP's visit order into a timed day with the break) and by urgent insertion. The
independent checker (``check.py``) does not use this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .model import DayProblem, Job, Point, Technician, TechnicianRoute, Visit, skills_match
from .travel import TravelMatrix, TravelTimeProvider


@dataclass
class DayNetwork:
    """Travel matrix over every technician home and job location, with index lookup."""

    matrix: TravelMatrix
    index: dict[str, int]  # "T:<id>" / "J:<id>" -> row

    @classmethod
    def build(cls, problem: DayProblem, provider: TravelTimeProvider, extra_jobs: Sequence[Job] = ()) -> DayNetwork:
        points: list[Point] = []
        index: dict[str, int] = {}
        for tech in problem.technicians:
            index[f"T:{tech.id}"] = len(points)
            points.append(tech.home)
        for job in (*problem.jobs, *extra_jobs):
            index[f"J:{job.id}"] = len(points)
            points.append(job.location)
        return cls(matrix=provider.matrix(points), index=index)

    def seconds(self, frm: str, to: str) -> int:
        return int(self.matrix.seconds[self.index[frm], self.index[to]])

    def metres(self, frm: str, to: str) -> int:
        return int(self.matrix.metres[self.index[frm], self.index[to]])


def within_capacity(tech: Technician, jobs: Sequence[Job]) -> bool:
    if tech.max_jobs is not None and len(jobs) > tech.max_jobs:
        return False
    return tech.max_work_seconds is None or sum(j.duration for j in jobs) <= tech.max_work_seconds


def schedule_route(tech: Technician, jobs: Sequence[Job], net: DayNetwork) -> TechnicianRoute | None:
    """Earliest feasible timing of ``jobs`` in this order, or None if skills, capacity, windows, shift or break
    cannot all be met. With a break rule, every gap is tried and the one giving the earliest return home wins."""
    if not within_capacity(tech, jobs) or not all(skills_match(tech, j) for j in jobs):
        return None
    if tech.break_rule is None:
        return _forward(tech, jobs, net, None)
    best: TechnicianRoute | None = None
    for gap in range(len(jobs) + 1):
        route = _forward(tech, jobs, net, gap)
        if route is not None and (best is None or route.return_arrival < best.return_arrival):
            best = route
    return best


def _forward(tech: Technician, jobs: Sequence[Job], net: DayNetwork, break_gap: int | None) -> TechnicianRoute | None:
    home = f"T:{tech.id}"
    rule = tech.break_rule
    route = TechnicianRoute(technician_id=tech.id, departure=tech.shift_start)
    t, here = tech.shift_start, home
    for i, job in enumerate([*jobs, None]):
        there = home if job is None else f"J:{job.id}"
        tt = net.seconds(here, there)
        earliest = 0 if job is None else job.earliest
        if break_gap == i:
            assert rule is not None
            # A: break where we are, then travel.  B: travel, then break on arrival (waiting absorbs it).
            a_start = max(t, rule.window_start)
            a_arrival = a_start + rule.duration + tt
            a_ready = max(a_arrival, earliest)
            b_arrival = t + tt
            b_start = max(b_arrival, rule.window_start)
            b_ready = max(b_start + rule.duration, earliest)
            options = [
                (ready, arrival, bstart)
                for ready, arrival, bstart in ((a_ready, a_arrival, a_start), (b_ready, b_arrival, b_start))
                if bstart + rule.duration <= rule.window_end
            ]
            if not options:
                return None
            ready, arrival, bstart = min(options)
            route.break_start, route.break_end, route.break_after = bstart, bstart + rule.duration, i
            if job is None:
                ready = arrival  # home: the day ends at arrival or at the end of a break taken at home
                if bstart >= arrival:
                    ready = bstart + rule.duration
        else:
            arrival = t + tt
            ready = max(arrival, earliest)
        if job is None:
            if ready > tech.shift_end:
                return None
            route.return_travel_seconds = tt
            route.return_travel_metres = net.metres(here, there)
            route.return_arrival = arrival
            break
        if ready > job.latest or ready + job.duration > tech.shift_end:
            return None
        route.visits.append(Visit(job.id, arrival, ready, ready + job.duration, tt, net.metres(here, there)))
        t, here = ready + job.duration, there
    if route.visits and break_gap != 0:
        # Leave home just in time for the first visit instead of waiting on site.
        first = route.visits[0]
        route.departure = max(tech.shift_start, first.start - first.travel_seconds)
        first.arrival = route.departure + first.travel_seconds
    return route
