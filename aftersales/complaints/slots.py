"""Hooks the apps above complaints fill (see ``core.slots``)."""

from aftersales.core.slots import Slot

DETAIL_ACTIONS = Slot(
    "complaints.detail.actions",
    "fn(request, complaint) -> HTML buttons in the complaint page's header (management: raise an improvement plan)",
)
