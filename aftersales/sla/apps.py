from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "aftersales.sla"
    label = "sla"
    verbose_name = _("Service standards (SLA)")

    def ready(self):
        from aftersales.core.slots import panel
        from aftersales.tickets.signals import request_changed
        from aftersales.tickets.slots import QUEUE_ROWS, REQUEST_PROMISE, REQUEST_SIDE, REQUEST_WRITTEN

        from . import panels, receivers
        from .selectors import sla_prefetch

        request_changed.connect(receivers.on_request_changed, dispatch_uid="sla.on_request_changed")
        REQUEST_WRITTEN.add(receivers.on_request_written)
        receivers.connect_calendar_revision()
        QUEUE_ROWS.add(sla_prefetch)
        REQUEST_PROMISE.add(panels.request_promise)
        REQUEST_SIDE.add(panel("sla/_panel.html", panels.request_sla_context), order=10)
