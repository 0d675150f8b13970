"""Ranking technicians for a job (R-DSP-2). Pure: no database; the facts come from ``selectors``.

Each part is a number in [0, 1]; the score is ``100 × Σ weight × part``. ``WEIGHTS`` is the one place to tune
them. The parts are shown to the dispatcher so a ranking can always be explained.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

WEIGHTS = {
    "skill": 0.25,
    "region": 0.15,
    "distance": 0.20,
    "load": 0.15,
    "sla": 0.10,
    "history": 0.05,
    "rating": 0.10,
}
PART_LABELS = {
    "skill": _("Skill"),
    "region": _("Region"),
    "distance": _("Distance"),
    "load": _("Load today"),
    "sla": _("SLA slack"),
    "history": _("Knows the customer"),
    "rating": _("Rating"),
}
DISTANCE_ZERO_KM = 50.0  # at this distance (or more) the distance part is 0
SLA_COMFORT_HOURS = 8.0  # arriving this long (or more) before the due time gives the full SLA part
HISTORY_FULL = 2  # this many earlier visits to the customer give the full history part
ROAD_FACTOR = 1.3
SPEED_KMH = 30.0
EARTH_RADIUS_KM = 6371.0088


def haversine_km(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float | None:
    """Great-circle distance between (lat, lng) points in km; None when either is unknown."""
    if a is None or b is None:
        return None
    lat1, lng1, lat2, lng2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class CandidateFacts:
    """What is known about one technician for one job."""

    technician_id: int
    name: str
    organization: str
    skill_level: int  # 0 = not qualified, 1..3
    serves_region: bool
    distance_km: float | None  # from the last job of the day, or from home; None when a coordinate is missing
    distance_from: str  # "home" or "last_job"
    open_jobs_today: int
    capacity_jobs: int
    work_minutes_ahead: int  # on-site minutes of jobs he still holds today
    due_in_minutes: float | None  # time to the job's nearest SLA due time (arrival/contact); None if none runs
    visits_to_customer: int
    rating: float  # 1..5
    absent: bool = False


@dataclass
class Suggestion:
    facts: CandidateFacts
    parts: dict[str, float]
    score: float
    notes: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)  # HTML lines the apps above add (``slots.SUGGESTIONS``)

    @property
    def technician_id(self) -> int:
        return self.facts.technician_id

    def rows(self) -> list[dict]:
        """The parts for display: label, part value and weighted points."""
        return [
            {
                "key": k,
                "label": str(PART_LABELS[k]),
                "value": round(v, 3),
                "weight": WEIGHTS[k],
                "points": round(100 * WEIGHTS[k] * v, 1),
            }
            for k, v in self.parts.items()
        ]

    def as_dict(self) -> dict:
        return {"technician": self.facts.technician_id, "score": self.score, "parts": self.parts}


def travel_minutes(km: float | None) -> float:
    return 0.0 if km is None else km * ROAD_FACTOR / SPEED_KMH * 60


def score_candidate(f: CandidateFacts, weights: dict[str, float] | None = None) -> Suggestion:
    weights = weights or WEIGHTS
    notes: list[str] = []
    parts: dict[str, float] = {}
    parts["skill"] = f.skill_level / 3
    parts["region"] = 1.0 if f.serves_region else 0.0
    if f.distance_km is None:
        parts["distance"] = 0.5
        notes.append(str(_("Distance unknown (no coordinates).")))
    else:
        parts["distance"] = max(0.0, 1 - f.distance_km / DISTANCE_ZERO_KM)
    cap = max(1, f.capacity_jobs)
    parts["load"] = max(0.0, 1 - f.open_jobs_today / cap)
    if f.open_jobs_today >= cap:
        notes.append(str(_("Fully booked today.")))
    if f.due_in_minutes is None:
        parts["sla"] = 1.0
    else:
        # When could he be there: after the work he still holds today, plus the drive.
        arrive_in = f.work_minutes_ahead + travel_minutes(f.distance_km)
        slack_hours = (f.due_in_minutes - arrive_in) / 60
        parts["sla"] = min(1.0, max(0.0, slack_hours / SLA_COMFORT_HOURS))
        if slack_hours < 0:
            notes.append(str(_("Would arrive after the SLA due time.")))
    parts["history"] = min(1.0, f.visits_to_customer / HISTORY_FULL)
    parts["rating"] = min(1.0, max(0.0, (f.rating - 1) / 4))
    if not f.serves_region:
        notes.append(str(_("Outside his regions.")))
    score = round(100 * sum(weights[k] * v for k, v in parts.items()), 1)
    return Suggestion(facts=f, parts=parts, score=score, notes=notes)


def rank(candidates: list[CandidateFacts], weights: dict[str, float] | None = None) -> list[Suggestion]:
    """Qualified, present technicians best first (ties: fewer open jobs, then id for a stable order)."""
    scored = [score_candidate(f, weights) for f in candidates if f.skill_level > 0 and not f.absent]
    return sorted(scored, key=lambda s: (-s.score, s.facts.open_jobs_today, s.facts.technician_id))
