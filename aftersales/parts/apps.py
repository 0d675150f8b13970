from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartsConfig(AppConfig):
    name = "aftersales.parts"
    label = "parts"
    verbose_name = _("Spare parts")

    def ready(self):
        from aftersales.dispatch.slots import SUGGESTIONS

        from . import panels, receivers
        from .signals import parts_event

        parts_event.connect(receivers.on_parts_event, dispatch_uid="parts.notify")
        SUGGESTIONS.add(panels.suggestions_parts)
