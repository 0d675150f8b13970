from django import template

from aftersales.tickets.choices import Status

from ..selectors import visits_of_request

register = template.Library()

VISIT_STATUSES = frozenset({Status.ACCEPTED, Status.SCHEDULED, Status.IN_PROGRESS, Status.WAITING_QUOTE})


@register.inclusion_tag("field/_request_panel.html", takes_context=True)
def field_panel(context, sr):
    """The visits (service forms) of a request on its detail page, with the job page for its technician."""
    user = context["request"].user
    visits = visits_of_request(sr)
    return {
        "sr": sr,
        "visits": visits,
        "is_technician": user.role == "technician" and sr.assigned_technician_id == user.pk,
        "visit_due": sr.status in VISIT_STATUSES,
    }
