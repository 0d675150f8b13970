"""Every read of the management pages and API, starting from the scoped lists in ``permissions``.
Figures come from the stored runs, plans and reports, or from ``kpis.selectors`` (a plan's
baseline before it starts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.accounts.models import User
from aftersales.core.permissions import user_has_role
from aftersales.kpis.definitions import KPI_BY_KEY
from aftersales.kpis.permissions import DASHBOARD_ROLES
from aftersales.kpis.selectors import dimension_labels, kpi_value

from .choices import OPEN_PLAN_STATUSES, SCHEME_DIMENSION, PlanStatus, RunStatus
from .display import effect_text, value_text
from .models import Plan, Report, Run, Scheme, Score
from .periods import month_bounds
from .permissions import READ_ROLES, plan_list_for, report_list_for, run_list_for, scheme_list_for
from .services.plans import plan_effect, plan_periods

PEOPLE_ROLES = (Role.TECHNICIAN, Role.AGENT)


def _get(qs, pk):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def scheme_get_for(user, pk) -> Scheme:
    return _get(scheme_list_for(user).prefetch_related("lines"), pk)


def run_get_for(user, pk) -> Run:
    return _get(run_list_for(user), pk)


def plan_get_for(user, pk) -> Plan:
    return _get(plan_list_for(user), pk)


def report_get_for(user, pk) -> Report:
    return _get(report_list_for(user).defer("pdf", "xlsx"), pk)


def person_get_for(user, pk) -> User:
    """A technician or agent whose scorecards ``user`` may read: managers everybody's, the person
    himself his own."""
    if user_has_role(user, READ_ROLES) or getattr(user, "pk", None) == pk:
        person = User.objects.filter(pk=pk, role__in=PEOPLE_ROLES).first()
        if person is not None:
            return person
    raise Http404


def rows_url(key: str, start: dt.date, end: dt.date, filters: dict) -> str:
    """The kpis app's list of the rows behind a figure."""
    return reverse("kpis:rows", args=[key]) + "?" + urlencode({"start": start, "end": end, **filters})


@dataclass
class Cell:
    key: str
    weight: int
    num: int
    den: int
    value: float | None
    text: str
    points: Decimal | None
    url: str


def score_cells(run: Run, score: Score, *, links: bool) -> list[Cell]:
    start, end = month_bounds(run.month)
    dim = SCHEME_DIMENSION[run.scheme.role]
    cells = []
    for p in score.parts:
        cells.append(
            Cell(
                key=p["kpi"],
                weight=p["weight"],
                num=p["num"],
                den=p["den"],
                value=p["value"],
                text=value_text(p["kpi"], p["value"]),
                points=None if p["points"] is None else Decimal(p["points"]),
                url=rows_url(p["kpi"], start, end, {dim: score.person_id}) if links else "",
            )
        )
    return cells


def may_drill(user) -> bool:
    """The rows behind a figure open on the kpis app's pages (its readers only)."""
    return user_has_role(user, DASHBOARD_ROLES)


def run_table(user, run: Run) -> list[dict]:
    """The ranking of a run: every person, the score, each line's value (linked to its rows) and points."""
    links = may_drill(user)
    scores = list(run.scores.select_related("person").order_by("rank", "person__last_name", "pk"))
    return [{"score": s, "person": s.person, "cells": score_cells(run, s, links=links)} for s in scores]


def person_history(user, person: User, *, approved_only: bool = False) -> list[dict]:
    """The person's score in every run (newest first), with each line; approved runs only for
    the person himself."""
    qs = Score.objects.filter(person=person).select_related("run", "run__scheme").order_by("-run__month", "run_id")
    if approved_only:
        qs = qs.filter(run__status=RunStatus.APPROVED)
    links = may_drill(user)
    out = []
    for s in qs:
        run = s.run
        out.append({"score": s, "run": run, "cells": score_cells(run, s, links=links)})
    return out


def trend_chart(history: list[dict]) -> dict:
    """ECharts data of a person's scores across runs (oldest first), one line per scheme."""
    months = sorted({h["run"].month for h in history})
    schemes: dict[str, dict] = {}
    for h in history:
        schemes.setdefault(h["run"].scheme.name, {})[h["run"].month] = (
            None if h["score"].total is None else float(h["score"].total)
        )
    return {
        "months": [f"{m:%Y-%m}" for m in months],
        "series": [{"name": name, "values": [vals.get(m) for m in months]} for name, vals in schemes.items()],
    }


def filters_text(filters: dict) -> list[tuple[str, str]]:
    from aftersales.kpis.definitions import DIMENSION_BY_KEY

    labels = dimension_labels({k: [v] for k, v in filters.items() if k in DIMENSION_BY_KEY})
    return [(str(DIMENSION_BY_KEY[k].label), labels[k].get(v, str(v))) for k, v in filters.items() if k in labels]


def plan_view(user, plan: Plan, *, today: dt.date | None = None) -> dict:
    """A plan's figures: the baseline (measured, or as it would be if the plan started today), the
    after value, the effect against the measure's direction, and the links to their rows."""
    today = today or timezone.localdate()
    kpi = KPI_BY_KEY.get(plan.kpi)
    periods = plan_periods(plan, today=today)
    links = may_drill(user)
    base_start, base_end = periods["baseline"]
    if plan.started_on is None:
        _n, _d, preview = kpi_value(plan.kpi, start=base_start, end=base_end, filters=plan.filters)
        baseline, measured = preview, False
    else:
        baseline, measured = plan.baseline_value, True
    effect, verdict = plan_effect(plan)
    after = periods["after"]
    return {
        "kpi": kpi,
        "filters": filters_text(plan.filters),
        "baseline": baseline,
        "baseline_text": value_text(plan.kpi, baseline),
        "baseline_measured": measured,
        "baseline_period": periods["baseline"],
        "baseline_url": rows_url(plan.kpi, base_start, base_end, plan.filters) if links else "",
        "baseline_den": plan.baseline_den,
        "after_period": after,
        "after_text": value_text(plan.kpi, plan.after_value),
        "after_den": plan.after_den,
        "after_url": rows_url(plan.kpi, after[0], after[1], plan.filters) if (links and after) else "",
        "evaluable_from": (after[1] + dt.timedelta(days=1)) if after else None,
        "effect": effect,
        "effect_text": effect_text(plan.kpi, effect),
        "verdict": verdict,
        "overdue": plan.status in OPEN_PLAN_STATUSES and plan.deadline < today,
    }


def plan_rows(user, *, status: str = "", overdue: bool = False, today: dt.date | None = None):
    today = today or timezone.localdate()
    qs = plan_list_for(user)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status__in=OPEN_PLAN_STATUSES, deadline__lt=today)
    return qs


def plan_counts(user, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    qs = plan_list_for(user)
    return {
        "open": qs.filter(status__in=OPEN_PLAN_STATUSES).count(),
        "overdue": qs.filter(status__in=OPEN_PLAN_STATUSES, deadline__lt=today).count(),
        "evaluated": qs.filter(status=PlanStatus.EVALUATED).count(),
    }
