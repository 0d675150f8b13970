from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "aftersales.dispatch"
    label = "dispatch"
    verbose_name = _("Dispatch and scheduling")

    def ready(self):
        from aftersales.core.slots import panel
        from aftersales.tickets.signals import request_changed
        from aftersales.tickets.slots import REQUEST_ASSIGNMENT, REQUEST_SIDE

        from . import panels, receivers
        from .services.offers import request_assignment_apply

        request_changed.connect(receivers.on_request_changed, dispatch_uid="dispatch.on_request_changed")
        REQUEST_ASSIGNMENT.add(request_assignment_apply, order=0)
        REQUEST_SIDE.add(panel("dispatch/_request_panel.html", panels.request_dispatch_context), order=20)
