"""Where the apps above tickets add to it (see ``core.slots``); they fill these in ``AppConfig.ready()``."""

from aftersales.core.slots import Slot

QUEUE_ROWS = Slot(
    "tickets.queue.rows",
    "fn(rows) -> None: load, in a fixed number of queries, what the queue shows per row for the apps above "
    "(the SLA badge's clocks)",
)
REQUEST_ASSIGNMENT = Slot(
    "tickets.request.assignment",
    "fn(*, actor, request, action, reason, technician, organization, data, now) -> ServiceRequest: the owner of "
    "assignment (dispatch) applies assign / accept / decline so that the job's offer record follows. "
    "``request_transition`` hands those three actions to the first function here.",
)
REQUEST_PROMISE = Slot(
    "tickets.request.promise",
    "fn(sr) -> str: what the agent promises the customer on acknowledging a new request (R-SR-3): the next "
    "steps' time limits under the rule that applies (SLA); empty when no rule sets one. The first non-empty "
    "answer is used.",
)
REQUEST_SIDE = Slot(
    "tickets.request.side",
    "fn(request, sr) -> HTML cards at the top of the request page's side column (SLA targets, dispatch, visits)",
)
