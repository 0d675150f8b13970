from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "aftersales.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        from aftersales.core.slots import panel
        from aftersales.tickets.slots import REQUEST_SIDE

        from .panels import request_complaints_context

        REQUEST_SIDE.add(panel("complaints/_request_card.html", request_complaints_context), order=60)
