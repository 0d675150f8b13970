from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "aftersales.feedback"
    label = "feedback"
    verbose_name = _("Follow-up and satisfaction")

    def ready(self):
        from aftersales.core.slots import panel
        from aftersales.tickets.slots import REQUEST_COMPLETED, REQUEST_FOLLOW_UP, REQUEST_SIDE

        from .panels import request_feedback_context
        from .services import followup_from_request, followup_schedule_on_completion

        REQUEST_COMPLETED.add(followup_schedule_on_completion)
        REQUEST_FOLLOW_UP.add(followup_from_request)
        REQUEST_SIDE.add(panel("feedback/_request_panel.html", request_feedback_context), order=50)
