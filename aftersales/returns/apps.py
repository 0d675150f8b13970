from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "aftersales.returns"
    label = "returns"
    verbose_name = _("Returns and exchanges")

    def ready(self):
        from aftersales.catalog.slots import UNIT_SIDE
        from aftersales.core.slots import panel
        from aftersales.tickets.slots import REQUEST_SIDE

        from . import (
            messages,  # noqa: F401  (registers the message kinds)
            panels,
        )

        UNIT_SIDE.add(panel("returns/_unit_card.html", panels.unit_rma_context), order=40)
        REQUEST_SIDE.add(panel("returns/_request_card.html", panels.request_rma_context), order=40)
