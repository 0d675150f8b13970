"""Service-request vocabulary and the lifecycle (R-SR-2, R-SR-4).

``TRANSITIONS`` is the whole state machine: for each action, the statuses it may start
from, where it goes, who may do it and whether a reason is required. Only
``tickets.services.request_transition`` applies it (through ``core.states.transition_apply``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.core.states import Transition, transitions


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web form")
    PORTAL = "portal", _("Mobile / portal")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("E-mail")
    STORE = "store", _("Store")


class ServiceType(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    INSTALLATION = "installation", _("Installation")
    REPAIR = "repair", _("Repair")
    MAINTENANCE = "maintenance", _("Maintenance")
    RETURN_EXCHANGE = "return_exchange", _("Return / exchange")
    COMPLAINT = "complaint", _("Complaint")


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


PRIORITY_RANK = {Priority.URGENT: 1, Priority.HIGH: 2, Priority.NORMAL: 3, Priority.LOW: 4}


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ASSIGNED = "assigned", _("Assigned")
    ACCEPTED = "accepted", _("Accepted")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CLOSED = "closed", _("Closed")
    WAITING_PARTS = "waiting_parts", _("Waiting for parts")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    WAITING_QUOTE = "waiting_quote", _("Waiting for quote approval")
    CANCELLED = "cancelled", _("Cancelled")
    REOPENED = "reopened", _("Reopened")


OPEN_STATUSES = frozenset(Status) - {Status.COMPLETED, Status.FOLLOWED_UP, Status.CLOSED, Status.CANCELLED}
TERMINAL_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED})


class Action(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    RESOLVE_AT_INTAKE = "resolve_at_intake", _("Answered at first contact")
    RESOLVE_REMOTELY = "resolve_remotely", _("Resolved remotely")
    ASSIGN = "assign", _("Assign")
    ACCEPT = "accept", _("Accept job")
    DECLINE = "decline", _("Decline job")
    SCHEDULE = "schedule", _("Schedule visit")
    START = "start", _("Start service")
    WAIT_PARTS = "wait_parts", _("Wait for parts")
    WAIT_CUSTOMER = "wait_customer", _("Wait for customer")
    CUSTOMER_RESPONDED = "customer_responded", _("Customer responded")
    REQUEST_QUOTE = "request_quote", _("Ask customer to approve quote")
    APPROVE_QUOTE = "approve_quote", _("Quote approved")
    DECLINE_QUOTE = "decline_quote", _("Quote declined")
    COMPLETE = "complete", _("Complete")
    FOLLOW_UP = "follow_up", _("Record follow-up")
    CLOSE = "close", _("Close")
    CANCEL = "cancel", _("Cancel")
    REOPEN = "reopen", _("Reopen")


# A target of None means "back to the status before the pause" (see services).
RETURN_TO_PREVIOUS = None

_OFFICE = frozenset({Role.AGENT, Role.DISPATCHER, Role.QUALITY, Role.MANAGER, Role.ADMIN})
_DISPATCH = frozenset({Role.DISPATCHER, Role.MANAGER, Role.ADMIN})
_FIELD = frozenset({Role.TECHNICIAN, Role.PARTNER, Role.DISPATCHER, Role.MANAGER, Role.ADMIN})
_FOLLOW = frozenset({Role.AGENT, Role.QUALITY, Role.MANAGER, Role.ADMIN})
S = Status


TRANSITIONS: dict[str, Transition] = transitions(
    Transition(Action.ACKNOWLEDGE, frozenset({S.NEW}), S.ACKNOWLEDGED, _OFFICE),
    Transition(Action.RESOLVE_AT_INTAKE, frozenset({S.NEW}), S.CLOSED, _OFFICE),
    Transition(Action.RESOLVE_REMOTELY, frozenset({S.ACKNOWLEDGED, S.REOPENED}), S.COMPLETED, _OFFICE),
    Transition(
        Action.ASSIGN,
        frozenset({S.ACKNOWLEDGED, S.REOPENED, S.ASSIGNED, S.ACCEPTED, S.SCHEDULED}),
        S.ASSIGNED,
        _DISPATCH | {Role.PARTNER},
    ),
    Transition(Action.ACCEPT, frozenset({S.ASSIGNED}), S.ACCEPTED, _FIELD),
    Transition(Action.DECLINE, frozenset({S.ASSIGNED}), S.ACKNOWLEDGED, _FIELD, reason_required=True),
    Transition(
        Action.SCHEDULE,
        frozenset({S.ACCEPTED, S.SCHEDULED, S.WAITING_PARTS}),
        S.SCHEDULED,
        _FIELD | {Role.AGENT},
    ),
    Transition(Action.START, frozenset({S.ACCEPTED, S.SCHEDULED}), S.IN_PROGRESS, _FIELD),
    Transition(
        Action.WAIT_PARTS,
        frozenset({S.ACCEPTED, S.SCHEDULED, S.IN_PROGRESS}),
        S.WAITING_PARTS,
        _FIELD | {Role.PARTS_CLERK},
        reason_required=True,
    ),
    Transition(
        Action.WAIT_CUSTOMER,
        frozenset({S.ACKNOWLEDGED, S.ASSIGNED, S.ACCEPTED, S.SCHEDULED, S.IN_PROGRESS, S.REOPENED}),
        S.WAITING_CUSTOMER,
        _OFFICE | _FIELD,
        reason_required=True,
    ),
    Transition(
        Action.CUSTOMER_RESPONDED,
        frozenset({S.WAITING_CUSTOMER}),
        RETURN_TO_PREVIOUS,
        _OFFICE | _FIELD,
    ),
    Transition(Action.REQUEST_QUOTE, frozenset({S.IN_PROGRESS}), S.WAITING_QUOTE, _FIELD),
    Transition(Action.APPROVE_QUOTE, frozenset({S.WAITING_QUOTE}), S.IN_PROGRESS, _FIELD | _OFFICE | {Role.CUSTOMER}),
    Transition(
        Action.DECLINE_QUOTE,
        frozenset({S.WAITING_QUOTE}),
        S.CANCELLED,
        _FIELD | _OFFICE | {Role.CUSTOMER},
        reason_required=True,
    ),
    Transition(Action.COMPLETE, frozenset({S.IN_PROGRESS}), S.COMPLETED, _FIELD),
    Transition(Action.FOLLOW_UP, frozenset({S.COMPLETED}), S.FOLLOWED_UP, _FOLLOW),
    Transition(Action.CLOSE, frozenset({S.FOLLOWED_UP}), S.CLOSED, _FOLLOW),
    Transition(
        Action.CANCEL,
        frozenset(
            {
                S.NEW,
                S.ACKNOWLEDGED,
                S.ASSIGNED,
                S.ACCEPTED,
                S.SCHEDULED,
                S.WAITING_PARTS,
                S.WAITING_CUSTOMER,
                S.REOPENED,
            }
        ),
        S.CANCELLED,
        _OFFICE,
        reason_required=True,
    ),
    Transition(
        Action.REOPEN,
        frozenset({S.COMPLETED, S.FOLLOWED_UP, S.CLOSED}),
        S.REOPENED,
        _FOLLOW,
        reason_required=True,
    ),
)


def actions_from(status: str) -> list[Transition]:
    """Every transition that may start from ``status`` (regardless of who acts)."""
    return [t for t in TRANSITIONS.values() if status in t.sources]
