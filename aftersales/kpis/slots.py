"""Hooks the apps above kpis fill (see ``core.slots``)."""

from aftersales.core.slots import Slot

DASHBOARD_ACTIONS = Slot(
    "kpis.dashboard.actions",
    "fn(request, board) -> HTML buttons in the dashboard's header (management: raise an improvement plan)",
)
