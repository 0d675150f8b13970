from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManagementConfig(AppConfig):
    name = "aftersales.management"
    label = "management"
    verbose_name = _("Management")

    def ready(self):
        from aftersales.complaints.slots import DETAIL_ACTIONS
        from aftersales.core.slots import panel
        from aftersales.kpis.slots import DASHBOARD_ACTIONS
        from aftersales.quality.slots import INSPECTION_ACTIONS

        from .panels import plan_from_complaint_context, plan_from_inspection_context, raise_plan_context

        # The kpis dashboard offers "raise an improvement plan" for the measure and filters shown;
        # a complaint's and an inspection's pages offer one that starts from them.
        DASHBOARD_ACTIONS.add(panel("management/_raise_plan_button.html", raise_plan_context), order=50)
        DETAIL_ACTIONS.add(panel("management/_plan_link.html", plan_from_complaint_context), order=50)
        INSPECTION_ACTIONS.add(panel("management/_plan_link.html", plan_from_inspection_context), order=50)
