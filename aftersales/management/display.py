"""Figures as the pages, the PDF and the Excel file show them, in the active language."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from aftersales.kpis.definitions import DIMENSION_BY_KEY, HIGHER, HOURS, KPI_BY_KEY, LOWER, RATE

from .choices import PlanStatus


def value_text(key: str, value) -> str:
    if value is None:
        return "—"
    unit = KPI_BY_KEY[key].unit
    if unit == RATE:
        return f"{value:.1f} %"
    if unit == HOURS:
        return f"{value:.2f} h"
    return f"{int(value):,}"


def effect_text(key: str, effect) -> str:
    if effect is None:
        return "—"
    unit = KPI_BY_KEY[key].unit
    sign = "+" if effect > 0 else ""
    if unit == RATE:
        return f"{sign}{effect:.1f} pp"
    if unit == HOURS:
        return f"{sign}{effect:.2f} h"
    return f"{sign}{effect:g}"


def direction_text(key: str) -> str:
    direction = KPI_BY_KEY[key].direction
    return {HIGHER: _("higher is better"), LOWER: _("lower is better")}.get(direction, "")


def kpi_name(key: str) -> str:
    kpi = KPI_BY_KEY.get(key)
    return str(kpi.name) if kpi else key


def sparkline(values: list, *, width: int = 160, height: int = 32) -> str:
    """A small SVG polyline of ``values`` (None: a gap), for the PDF."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    lo, hi = min(known), max(known)
    span = (hi - lo) or 1
    step = width / max(len(values) - 1, 1)
    segments, current = [], []
    for i, v in enumerate(values):
        if v is None:
            if current:
                segments.append(current)
            current = []
            continue
        y = height - 3 - (v - lo) / span * (height - 6)
        current.append(f"{i * step:.1f},{y:.1f}")
    if current:
        segments.append(current)
    lines = "".join(
        f'<polyline fill="none" stroke="#0d6efd" stroke-width="1.5" points="{" ".join(s)}"/>' for s in segments
    )
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">{lines}</svg>'


@dataclass
class ReportView:
    month: str
    headline: list = field(default_factory=list)
    trends: list = field(default_factory=list)
    worst: list = field(default_factory=list)
    complaints: dict = field(default_factory=dict)
    plans: dict = field(default_factory=dict)
    scorecards: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def report_view(content: dict) -> ReportView:
    """The stored content of a report in the reader's language."""
    if not content:
        return ReportView(month="")
    view = ReportView(month=content["month"])
    for r in content["headline"]:
        kpi = KPI_BY_KEY.get(r["key"])
        if kpi is None:
            continue
        change = None if r["value"] is None or r["prev"] is None else round(r["value"] - r["prev"], 2)
        view.headline.append(
            {
                **r,
                "name": str(kpi.name),
                "text": value_text(kpi.key, r["value"]),
                "prev_text": value_text(kpi.key, r["prev"]),
                "change_text": effect_text(kpi.key, change),
                "target_text": kpi.target_text,
            }
        )
    for t in content["trends"]:
        values = [p["value"] for p in t["points"]]
        view.trends.append(
            {
                "key": t["key"],
                "name": kpi_name(t["key"]),
                "months": [p["month"] for p in t["points"]],
                "values": values,
                "texts": [value_text(t["key"], v) for v in values],
                "svg": sparkline(values),
            }
        )
    for w in content["worst"]:
        dim = DIMENSION_BY_KEY[w["dimension"]]
        view.worst.append(
            {
                **w,
                "title": _("%(measure)s by %(dimension)s") % {"measure": kpi_name(w["kpi"]), "dimension": dim.label},
                "items": [{**i, "text": value_text(w["kpi"], i["value"])} for i in w["items"]],
            }
        )
    c = content["complaints"]
    view.complaints = {
        **c,
        "rate_text": value_text("complaint_rate", c["rate"]),
        "on_time_text": value_text("complaints_on_time", c["on_time"]),
    }
    labels = dict(PlanStatus.choices)
    plans = content["plans"]
    view.plans = {
        **plans,
        "rows": [
            {
                **p,
                "kpi_name": kpi_name(p["kpi"]),
                "status_label": str(labels.get(p["status"], p["status"])),
                "baseline_text": value_text(p["kpi"], p["baseline"]),
                "after_text": value_text(p["kpi"], p["after"]),
                "effect_text": effect_text(p["kpi"], p["effect"]),
            }
            for p in plans["rows"]
        ],
    }
    view.scorecards = content["scorecards"]
    view.summary = {**content["summary"], "missed_names": [kpi_name(k) for k in content["summary"]["missed"]]}
    return view
