"""Complaint vocabulary and the lifecycle (R-CMP-1, R-CMP-2; seed 001 ch.6, seed 002).

``TRANSITIONS`` is the whole state machine of a complaint: only
``complaints.services`` applies it (through ``core.states.transition_apply``)::

    open ─assign→ investigating ─propose→ proposed ─accept→ accepted ─follow_up→ followed_up ─close→ closed
                        ↑                    │
                        └──────reject────────┘   (the customer is unhappy: escalates one level)

    any open status ─decide→ closed   (a manager's documented decision, reason required)

A complaint is closed only with the customer's acceptance (``close`` starts from
``followed_up``, reached only through ``accept``) or a manager's decision.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.core.states import Transition, transitions


class Category(models.TextChoices):
    """The kind of complaint; its reply deadline comes from the SLA app's complaint categories
    (``sla.ComplaintCategory``, same codes; seed 002: attitude 24 h, quality 48 h, other 72 h)."""

    ATTITUDE = "attitude", _("Service attitude")
    QUALITY = "quality", _("Product quality")
    DELAY = "delay", _("Delay")
    BILLING = "billing", _("Price / billing")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    MAJOR = "major", _("Major")
    URGENT = "urgent", _("Urgent")


SEVERITY_RANK = {Severity.NORMAL: 0, Severity.MAJOR: 1, Severity.URGENT: 2}


class Source(models.TextChoices):
    """Where the complaint came from (besides the channel the complainant used)."""

    MANUAL = "manual", _("Taken by staff")
    SURVEY = "survey", _("Dissatisfied survey answer")
    REQUEST = "request", _("From a service request")
    LINK = "link", _("Customer link")


class Status(models.TextChoices):
    OPEN = "open", _("New")
    INVESTIGATING = "investigating", _("Investigating")
    PROPOSED = "proposed", _("Solution proposed")
    ACCEPTED = "accepted", _("Accepted by customer")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset(Status) - {Status.CLOSED}
# Before a solution is proposed the reply deadline is still running.
AWAITING_ANSWER = frozenset({Status.OPEN, Status.INVESTIGATING})


class Response(models.TextChoices):
    ACCEPTED = "accepted", _("Solution accepted")
    REJECTED = "rejected", _("Solution not accepted")


class ClosedBy(models.TextChoices):
    ACCEPTANCE = "acceptance", _("Customer's acceptance")
    DECISION = "decision", _("Manager's decision")


class EscalationReason(models.TextChoices):
    SEVERITY = "severity", _("Major or urgent complaint")
    REJECTED = "rejected", _("Customer rejected the solution")
    OVERDUE = "overdue", _("Reply deadline missed")


class ComplaintAction(models.TextChoices):
    ASSIGN = "assign", _("Name investigator")
    PROPOSE = "propose", _("Propose solution")
    ACCEPT = "accept", _("Customer accepts")
    REJECT = "reject", _("Customer rejects")
    FOLLOW_UP = "follow_up", _("Record follow-up")
    CLOSE = "close", _("Close the complaint")
    DECIDE = "decide", _("Close by manager's decision")


# Who works complaints (complaint handlers, 投诉专员) and who decides on them (managers).
HANDLER_ROLES = frozenset({Role.QUALITY, Role.QUALITY_MANAGER, Role.MANAGER, Role.ADMIN})
MANAGER_ROLES = frozenset({Role.QUALITY_MANAGER, Role.MANAGER, Role.ADMIN})
# Who takes complaints at intake (agents on every channel, and the handlers).
INTAKE_ROLES = HANDLER_ROLES | {Role.AGENT}
# The complainant answers through the tracking link: the service acts as the system user,
# who is a manager, so the customer's steps are open to the handlers (recording a phone
# answer) and to the link.
S = Status

TRANSITIONS: dict[str, Transition] = transitions(
    Transition(ComplaintAction.ASSIGN, frozenset({S.OPEN, S.INVESTIGATING}), S.INVESTIGATING, HANDLER_ROLES),
    Transition(ComplaintAction.PROPOSE, frozenset({S.INVESTIGATING}), S.PROPOSED, HANDLER_ROLES),
    Transition(ComplaintAction.ACCEPT, frozenset({S.PROPOSED}), S.ACCEPTED, HANDLER_ROLES),
    Transition(ComplaintAction.REJECT, frozenset({S.PROPOSED}), S.INVESTIGATING, HANDLER_ROLES, reason_required=True),
    Transition(ComplaintAction.FOLLOW_UP, frozenset({S.ACCEPTED}), S.FOLLOWED_UP, HANDLER_ROLES),
    Transition(ComplaintAction.CLOSE, frozenset({S.FOLLOWED_UP}), S.CLOSED, HANDLER_ROLES),
    Transition(ComplaintAction.DECIDE, OPEN_STATUSES, S.CLOSED, MANAGER_ROLES, reason_required=True),
)


def actions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources]
