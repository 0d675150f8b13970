"""Where the apps above catalog add to it (see ``core.slots``); they fill these in ``AppConfig.ready()``."""

from aftersales.core.slots import Slot

UNIT_SCOPE = Slot(
    "catalog.unit.scope",
    "fn(user) -> a queryset of unit ids a technician or partner may see (say, through the requests he holds), "
    "or None. Back office sees every unit, a customer his own.",
)
UNIT_BADGES = Slot("catalog.unit.badges", "fn(request, unit) -> HTML badges beside the unit page's title")
UNIT_SIDE = Slot("catalog.unit.side", "fn(request, unit) -> HTML cards under the unit's warranty")
UNIT_MAIN = Slot("catalog.unit.main", "fn(request, unit) -> HTML cards in the unit page's wide column")
