"""Problem and plan data for the daily technician route optimiser (R-DSP-5).

Plain dataclasses, no Django. All times are integer seconds since midnight of the planned day (local time);
the caller converts datetimes. Coordinates are ``Point(lat, lng)`` in degrees for the haversine travel model;
for planar data (``StraightLineTravel(metric="euclidean")``) ``lat`` is y and ``lng`` is x, in metres.
"""

from __future__ import annotations

from dataclasses import dataclass, field

URGENT, HIGH, NORMAL, LOW = 1, 2, 3, 4
PRIORITIES = (URGENT, HIGH, NORMAL, LOW)


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float


@dataclass(frozen=True)
class BreakRule:
    """A break of ``duration`` seconds lying entirely inside [window_start, window_end]."""

    window_start: int
    window_end: int
    duration: int


@dataclass(frozen=True)
class Technician:
    id: str
    home: Point
    shift_start: int
    shift_end: int
    skills: frozenset[str] = frozenset()
    break_rule: BreakRule | None = None
    max_jobs: int | None = None
    max_work_seconds: int | None = None  # on-site work (sum of job durations), travel excluded


@dataclass(frozen=True)
class Job:
    """A visit. ``earliest``/``latest`` bound the start of work on site (the window the customer is told)."""

    id: str
    location: Point
    duration: int
    earliest: int = 0
    latest: int = 24 * 3600
    required_skills: frozenset[str] = frozenset()
    priority: int = NORMAL
    sla_deadline: int | None = None  # seconds since midnight of the day; None = not due today
    fixed_technician: str | None = None
    hard_window: bool = True  # appointment windows are always hard; kept for callers that mark promises

    def __post_init__(self) -> None:
        if self.priority not in PRIORITIES:
            raise ValueError(f"job {self.id}: priority must be 1..4, got {self.priority}")
        if self.duration < 0 or self.earliest > self.latest:
            raise ValueError(f"job {self.id}: bad duration or window")


@dataclass(frozen=True)
class DayProblem:
    technicians: tuple[Technician, ...]
    jobs: tuple[Job, ...]

    def __post_init__(self) -> None:
        for kind, items in (("technician", self.technicians), ("job", self.jobs)):
            ids = [i.id for i in items]
            if len(ids) != len(set(ids)):
                raise ValueError(f"duplicate {kind} ids")

    def technician(self, tech_id: str) -> Technician:
        return next(t for t in self.technicians if t.id == tech_id)

    def job(self, job_id: str) -> Job:
        return next(j for j in self.jobs if j.id == job_id)


def skills_match(tech: Technician, job: Job) -> bool:
    """Hard compatibility: every required skill held, and the fixed technician (if any) is this one."""
    if job.fixed_technician is not None and job.fixed_technician != tech.id:
        return False
    return job.required_skills <= tech.skills


@dataclass
class Visit:
    job_id: str
    arrival: int
    start: int
    end: int
    travel_seconds: int  # from the previous stop (home or job)
    travel_metres: int


@dataclass
class TechnicianRoute:
    technician_id: str
    departure: int
    visits: list[Visit] = field(default_factory=list)
    return_travel_seconds: int = 0
    return_travel_metres: int = 0
    return_arrival: int = 0
    break_start: int | None = None
    break_end: int | None = None
    break_after: int | None = None  # number of visits done before the break

    @property
    def travel_seconds(self) -> int:
        return sum(v.travel_seconds for v in self.visits) + (self.return_travel_seconds if self.visits else 0)

    @property
    def travel_metres(self) -> int:
        return sum(v.travel_metres for v in self.visits) + (self.return_travel_metres if self.visits else 0)

    @property
    def job_ids(self) -> list[str]:
        return [v.job_id for v in self.visits]


# Reasons a job is left out of the plan.
REASON_NO_SKILLED_TECHNICIAN = "no_skilled_technician"
REASON_FIXED_TECHNICIAN = "fixed_technician_unavailable"
REASON_UNREACHABLE = "window_unreachable"  # no compatible technician can serve it even with an empty day
REASON_CAPACITY = "capacity"  # feasible alone, left out because the day is full (lowest priority goes first)
REASON_DISPLACED = "displaced_by_urgent"


@dataclass
class Unassigned:
    job_id: str
    reason: str


@dataclass
class Plan:
    routes: dict[str, TechnicianRoute]
    unassigned: list[Unassigned] = field(default_factory=list)

    def job_ids(self) -> list[str]:
        return [jid for r in self.routes.values() for jid in r.job_ids]

    def route_of(self, job_id: str) -> TechnicianRoute | None:
        for route in self.routes.values():
            if job_id in route.job_ids:
                return route
        return None

    @property
    def travel_seconds(self) -> int:
        return sum(r.travel_seconds for r in self.routes.values())

    @property
    def travel_metres(self) -> int:
        return sum(r.travel_metres for r in self.routes.values())


@dataclass
class VisitChange:
    """What a customer (or technician) must be told after a re-plan."""

    job_id: str
    kind: str  # "added", "moved" (technician changed), "retimed", "removed"
    old_technician: str | None
    new_technician: str | None
    old_start: int | None
    new_start: int | None
