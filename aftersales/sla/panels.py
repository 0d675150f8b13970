"""What sla adds to the pages of the apps below it (``tickets.slots``); registered in ``apps.py``."""

from .format import promise_text
from .selectors import sla_promise_for, sla_status_for
from .templatetags.sla_ui import sla_visible


def request_sla_context(request, sr) -> dict | None:
    """Every target of a request: state, time left, due time, the rule and why (one query)."""
    if not sla_visible(request.user):
        return None
    return {"statuses": sla_status_for(sr), "sr": sr}


def request_promise(sr) -> str:
    """The time limits to tell the customer at intake, under the rule that applies."""
    return promise_text(sla_promise_for(sr))
