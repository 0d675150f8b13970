"""Hooks the apps above quality fill (see ``core.slots``)."""

from aftersales.core.slots import Slot

INSPECTION_ACTIONS = Slot(
    "quality.inspection.actions",
    "fn(request, inspection) -> HTML buttons in the inspection page's header (management: raise an improvement plan)",
)
