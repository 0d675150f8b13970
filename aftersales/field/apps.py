from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "aftersales.field"
    label = "field"
    verbose_name = _("Field service")

    def ready(self):
        from aftersales.catalog.slots import UNIT_BADGES, UNIT_MAIN, UNIT_SIDE
        from aftersales.core.slots import panel
        from aftersales.tickets.slots import REQUEST_SIDE

        from . import panels

        UNIT_BADGES.add(panels.unit_sanbao_badge)
        UNIT_SIDE.add(panel("field/_unit_sanbao.html", panels.unit_sanbao_context), order=30)
        UNIT_MAIN.add(panel("field/_unit_history.html", panels.unit_history_context), order=10)
        REQUEST_SIDE.add(panel("field/_request_panel.html", panels.request_visits_context), order=30)
