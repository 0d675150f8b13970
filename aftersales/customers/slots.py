"""Where the apps above customers add to it (see ``core.slots``); they fill these in ``AppConfig.ready()``."""

from aftersales.core.slots import Slot

CUSTOMER_SCOPE = Slot(
    "customers.scope",
    "fn(user) -> a queryset of customer ids a technician or partner may see (say, through the requests he "
    "holds), or None. Back office sees every customer, a customer himself.",
)
HISTORY_COUNT = Slot(
    "customers.history_count",
    "fn(customer) -> int: how many of his dealings count towards the returning-customer tier (★★).",
)
CUSTOMER_MAIN = Slot("customers.detail.main", "fn(request, customer) -> HTML cards in the customer page's wide column")
