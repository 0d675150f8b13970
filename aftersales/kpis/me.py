"""An agent's and a technician's own home panel (``/kpis/me/``): my SLA clocks at risk or
breached, my figures against their targets, my ratings trend. Read through the SLA selectors
(scoped to what the user sees) and ``kpi_value`` / ``kpi_series`` filtered on the user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q

from aftersales.accounts.choices import Role
from aftersales.sla.selectors import sla_clock_list_for

from .definitions import kpi_get
from .report import value_text
from .selectors import kpi_series, kpi_values

TECHNICIAN_KPIS = ("first_time_fix", "mean_repair_time", "satisfaction", "form_completeness", "norm_compliance")
AGENT_KPIS = ("satisfaction", "followup_rate", "followup_in_window", "first_contact_resolution", "first_response_time")
CLOCKS_SHOWN = 15


@dataclass
class MePanel:
    role: str
    at_risk: list = field(default_factory=list)
    breached: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    trend: dict = field(default_factory=dict)


def _mine(user) -> Q:
    if user.role == Role.TECHNICIAN:
        return Q(request__assigned_technician=user)
    return Q(request__created_by=user)


def me_panel(user, *, start: dt.date, end: dt.date) -> MePanel:
    panel = MePanel(role=user.role)
    dim = "technician" if user.role == Role.TECHNICIAN else "agent"
    keys = TECHNICIAN_KPIS if user.role == Role.TECHNICIAN else AGENT_KPIS
    panel.at_risk = list(sla_clock_list_for(user, "at_risk").filter(_mine(user)).order_by("due_at")[:CLOCKS_SHOWN])
    panel.breached = list(sla_clock_list_for(user, "breached").filter(_mine(user)).order_by("due_at")[:CLOCKS_SHOWN])
    values = kpi_values(keys, start=start, end=end, filters={dim: user.pk})
    for key in keys:
        kpi = kpi_get(key)
        num, den, value = values[key]
        panel.figures.append({"kpi": kpi, "text": value_text(kpi, value), "meets": kpi.meets(value), "den": den})
    series = kpi_series("satisfaction", start=start, end=end, grain="week", filters={dim: user.pk})
    panel.trend = {
        "labels": [p.start.strftime("%m-%d") for p in series],
        "values": [p.value for p in series],
        "counts": [p.den for p in series],
        "target": kpi_get("satisfaction").target,
        "name": str(kpi_get("satisfaction").name),
    }
    return panel
