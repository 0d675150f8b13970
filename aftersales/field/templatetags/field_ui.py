from urllib.parse import urlencode

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


@register.filter
def navigation_url(address) -> str:
    """A link that opens the phone's map app at the address (AMap's URI API, in browsers and the app)."""
    if address is None:
        return ""
    if address.latitude is not None and address.longitude is not None:
        query = {"position": f"{address.longitude},{address.latitude}", "name": str(address)[:80], "callnative": 1}
        return "https://uri.amap.com/marker?" + urlencode(query)
    return "https://uri.amap.com/search?" + urlencode({"keyword": str(address)[:120], "callnative": 1})
