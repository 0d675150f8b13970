"""Route optimiser for daily technician plans (R-DSP-5). Pure Python + PyVRP; no Django models.

Entry points: ``plan_day`` (solver), ``insert_urgent`` (re-plan for urgent work), ``check_plan`` (independent
validation). See ``solver.py`` for the modelling choices (skills, breaks, priorities).
"""

from .check import Violation, check_plan
from .insertion import InsertResult, diff_plans, insert_urgent
from .model import (
    BreakRule,
    DayProblem,
    Job,
    Plan,
    Point,
    Technician,
    TechnicianRoute,
    Unassigned,
    Visit,
    VisitChange,
)
from .schedule import DayNetwork, schedule_route
from .solver import DaySolution, plan_day
from .travel import OsrmTableTravel, StraightLineTravel, TravelMatrix, TravelTimeProvider

__all__ = [
    "BreakRule",
    "DayNetwork",
    "DayProblem",
    "DaySolution",
    "InsertResult",
    "Job",
    "OsrmTableTravel",
    "Plan",
    "Point",
    "StraightLineTravel",
    "Technician",
    "TechnicianRoute",
    "TravelMatrix",
    "TravelTimeProvider",
    "Unassigned",
    "Violation",
    "Visit",
    "VisitChange",
    "check_plan",
    "diff_plans",
    "insert_urgent",
    "plan_day",
    "schedule_route",
]
