from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManagementConfig(AppConfig):
    name = "aftersales.management"
    label = "management"
    verbose_name = _("Management")

    def ready(self):
        from aftersales.core.slots import panel
        from aftersales.kpis.slots import DASHBOARD_ACTIONS

        from .panels import raise_plan_context

        # The kpis dashboard offers "raise an improvement plan" for the measure and filters shown.
        DASHBOARD_ACTIONS.add(panel("management/_raise_plan_button.html", raise_plan_context), order=50)
