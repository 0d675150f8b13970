"""What the dashboard, its exports and the API show, built from the selectors in a fixed number
of queries: the cards (every measure against its target), the selected measure's trend and its
breakdowns, each point with the URL of the rows behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .definitions import DIMENSION_BY_KEY, DIMENSION_KEYS, HOURS, RATE, Kpi
from .selectors import kpi_breakdowns, kpi_series, kpi_values, kpis_for


def value_text(kpi: Kpi, value) -> str:
    if value is None:
        return "—"
    if kpi.unit == RATE:
        return f"{value:.1f} %"
    if kpi.unit == HOURS:
        return f"{value:.2f} h"
    return f"{int(value):,}"


def tooltip(kpi: Kpi) -> str:
    parts = [
        f"{_('Formula')}: {kpi.formula}",
        f"{_('Numerator')}: {kpi.numerator}",
        f"{_('Denominator')}: {kpi.denominator}",
        f"{_('Included')}: {kpi.inclusion}",
    ]
    if kpi.target is not None:
        parts.append(f"{_('Target')}: {kpi.target_text}")
    return "\n".join(parts)


def rows_url(key: str, start: dt.date, end: dt.date, filters: dict, **extra) -> str:
    params = {"start": start.isoformat(), "end": end.isoformat(), **filters, **extra}
    return reverse("kpis:rows", args=[key]) + "?" + urlencode(params)


@dataclass
class Card:
    kpi: Kpi
    num: int
    den: int
    value: float | None
    text: str
    meets: bool | None
    tooltip: str
    url: str


@dataclass
class Dashboard:
    start: dt.date
    end: dt.date
    grain: str
    filters: dict
    cards: list[Card]
    selected: Kpi
    trend: list = field(default_factory=list)
    breakdowns: dict = field(default_factory=dict)

    def chart_data(self) -> dict:
        """JSON for the charts: labels, values, the target and the drill-down URL of each point."""
        kpi = self.selected
        trend = {
            "labels": [_period_label(p.start, p.end, self.grain) for p in self.trend],
            "values": [p.value for p in self.trend],
            "counts": [p.den if kpi.unit != "n" else p.num for p in self.trend],
            "urls": [rows_url(kpi.key, p.start, p.end, self.filters) for p in self.trend],
            "target": kpi.target,
            "unit": kpi.unit,
            "name": str(kpi.name),
            "target_label": pgettext("kpi", "Target"),
        }
        breakdowns = []
        for dim, slices in self.breakdowns.items():
            breakdowns.append(
                {
                    "key": dim,
                    "title": str(DIMENSION_BY_KEY[dim].label),
                    "labels": [s.label for s in slices],
                    "values": [s.measure for s in slices],
                    "counts": [s.den if kpi.unit != "n" else s.num for s in slices],
                    "urls": [rows_url(kpi.key, self.start, self.end, {**self.filters, dim: s.value}) for s in slices],
                }
            )
        return {"trend": trend, "breakdowns": breakdowns, "unit": kpi.unit, "target": kpi.target}


def _period_label(start: dt.date, end: dt.date, grain: str) -> str:
    if grain == "month":
        return date_format(start, "Y-m")
    if grain == "week":
        return date_format(start, "m-d")
    return date_format(start, "m-d")


def dashboard_build(
    user, *, start: dt.date, end: dt.date, grain: str, filters: dict, selected: str | None, dimensions=DIMENSION_KEYS
) -> Dashboard:
    kpis = kpis_for(user)
    values = kpi_values([k.key for k in kpis], start=start, end=end, filters=filters, user=user)
    cards = []
    for kpi in kpis:
        num, den, value = values[kpi.key]
        cards.append(
            Card(
                kpi=kpi,
                num=num,
                den=den,
                value=value,
                text=value_text(kpi, value),
                meets=kpi.meets(value),
                tooltip=tooltip(kpi),
                url=rows_url(kpi.key, start, end, filters),
            )
        )
    chosen = next((k for k in kpis if k.key == selected), kpis[0])
    trend = kpi_series(chosen.key, start=start, end=end, grain=grain, filters=filters, user=user)
    breakdowns = kpi_breakdowns(chosen.key, dimensions, start=start, end=end, filters=filters, user=user, limit=15)
    # Dimensions a partner user is held to show one bar only: leave them out.
    return Dashboard(start, end, grain, filters, cards, chosen, trend, breakdowns)
