from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "aftersales.tickets"
    label = "tickets"
    verbose_name = _("Service requests")

    def ready(self):
        from aftersales.catalog.slots import UNIT_SCOPE
        from aftersales.core.slots import panel
        from aftersales.customers.slots import CUSTOMER_MAIN, CUSTOMER_SCOPE, HISTORY_COUNT

        from . import panels

        CUSTOMER_SCOPE.add(panels.customer_scope)
        UNIT_SCOPE.add(panels.unit_scope)
        HISTORY_COUNT.add(panels.customer_history_count)
        CUSTOMER_MAIN.add(panel("tickets/_customer_requests.html", panels.customer_requests_context), order=20)
