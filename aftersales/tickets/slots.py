"""Where the apps above tickets add to it (see ``core.slots``); they fill these in ``AppConfig.ready()``."""

from aftersales.core.slots import Slot

QUEUE_ROWS = Slot(
    "tickets.queue.rows",
    "fn(rows) -> None: load, in a fixed number of queries, what the queue shows per row for the apps above "
    "(the SLA badge's clocks)",
)
REQUEST_WRITTEN = Slot(
    "tickets.request.written",
    "fn(*, request_id, kind, action) -> None: called inside the writing service's transaction for every change "
    "of a request (kind: created, transition, update, note, attachment), for what must commit together with the "
    "change (the SLA app marks the request for a clock refresh). Work that must see committed rows listens to "
    "``signals.request_changed``, sent after commit.",
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
REQUEST_COMPLETED = Slot(
    "tickets.request.completed",
    "fn(*, actor, request, now) -> None: called inside ``request_transition``'s transaction each time a request "
    "reaches 'completed' (feedback schedules the follow-up call), so the completion and what it starts commit "
    "together.",
)
REQUEST_FOLLOW_UP = Slot(
    "tickets.request.follow_up",
    "fn(*, actor, request, reason, now) -> ServiceRequest: the owner of follow-up calls (feedback) records "
    "'follow_up' as a reached call on the request's follow-up, so the request reaches 'followed up' only with a "
    "documented call. ``request_transition`` hands that action to the first function here unless the owner "
    "itself is calling (``by_owner``).",
)
