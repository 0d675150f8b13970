"""Every read of complaints that has rules: the scoped lists and worklists, one complaint,
its deadline state, its timeline and evidence, the complainant's view through the link, and
the hand-off of its lessons learned."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import OrganizationKind, Role
from aftersales.accounts.models import Organization, User
from aftersales.core.pagination import keyset_page
from aftersales.core.permissions import user_has_role
from aftersales.core.states import transition_allowed

from .choices import AWAITING_ANSWER, HANDLER_ROLES, MANAGER_ROLES, OPEN_STATUSES, TRANSITIONS, ComplaintAction, Status
from .models import Complaint, ComplaintEscalation, ComplaintEvent, ComplaintEvidence
from .permissions import complaint_can_act, complaint_list_for, evidence_list_for

__all__ = [
    "WORKLISTS",
    "complaint_allowed_actions",
    "complaint_deadline_state",
    "complaint_get_for",
    "complaint_lessons_handoff",
    "complaint_list_for",
    "complaint_worklist",
]

LIST_RELATED = ("investigator", "customer")


# --- the worklists ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Worklist:
    key: str
    label: object
    roles: frozenset


WORKLISTS = [
    Worklist("mine", _("My complaints"), HANDLER_ROLES),
    Worklist("unassigned", _("Needs an investigator"), HANDLER_ROLES),
    Worklist("due", _("At risk or overdue"), HANDLER_ROLES | {Role.AGENT}),
    Worklist("escalated", _("Escalated"), HANDLER_ROLES | {Role.AGENT}),
    Worklist("open", _("All open"), HANDLER_ROLES | {Role.AGENT}),
    Worklist("closed", _("Closed"), HANDLER_ROLES | {Role.AGENT}),
]


def worklists_for(user) -> list[Worklist]:
    return [w for w in WORKLISTS if user_has_role(user, w.roles)]


def worklist_default(user) -> str:
    if user_has_role(user, MANAGER_ROLES) and not user.is_superuser:
        return "escalated"
    if user_has_role(user, HANDLER_ROLES):
        return "mine"
    return "open"


# Each worklist's order (ending with a unique field, for keyset pages).
WORKLIST_ORDER = {
    "mine": ["due_at", "id"],
    "unassigned": ["due_at", "id"],
    "due": ["due_at", "id"],
    "escalated": ["-escalation_level", "due_at", "id"],
    "open": ["due_at", "id"],
    "closed": ["-closed_at", "-id"],
}


def complaint_worklist(user, view: str, *, q: str = "", now: dt.datetime | None = None) -> QuerySet[Complaint]:
    """One worklist of ``user`` (``WORKLISTS``), scoped and ordered; ``q`` finds a number, tracking
    code, contact phone or name (an anonymous complaint has no name or phone to find it by)."""
    now = now or timezone.now()
    qs = complaint_list_for(user)
    if view == "mine":
        qs = qs.filter(investigator=user, status__in=OPEN_STATUSES)
    elif view == "unassigned":
        qs = qs.filter(status=Status.OPEN)
    elif view == "due":
        qs = qs.filter(status__in=AWAITING_ANSWER, warning_at__lte=now)
    elif view == "escalated":
        qs = qs.filter(status__in=OPEN_STATUSES, escalation_level__gte=1)
    elif view == "closed":
        qs = qs.filter(status=Status.CLOSED)
    else:
        qs = qs.filter(status__in=OPEN_STATUSES)
    q = (q or "").strip()[:50]
    if q:
        qs = qs.filter(
            Q(number__iexact=q)
            | Q(tracking_code__iexact=q)
            | Q(contact_phone__endswith=q.lstrip("+"))
            | Q(contact_name__startswith=q)
        )
    return qs.select_related(*LIST_RELATED).order_by(*WORKLIST_ORDER.get(view, WORKLIST_ORDER["open"]))


def complaint_worklist_page(user, view: str, *, q: str = "", cursor: str | None = None, size: int = 25, now=None):
    """One keyset page of a worklist."""
    qs = complaint_worklist(user, view, q=q, now=now)
    return keyset_page(qs, order=WORKLIST_ORDER.get(view, WORKLIST_ORDER["open"]), cursor=cursor, size=size)


def worklist_counts(user, *, now: dt.datetime | None = None) -> dict[str, int]:
    """How many complaints each of ``user``'s worklists holds (capped at 999 each)."""
    return {w.key: min(complaint_worklist(user, w.key, now=now)[:1000].count(), 999) for w in worklists_for(user)}


# --- one complaint -----------------------------------------------------------------------------


def complaint_get_for(user, pk: int) -> Complaint:
    complaint = (
        complaint_list_for(user)
        .select_related("investigator", "customer", "technician", "partner", "created_by")
        .filter(pk=pk)
        .first()
    )
    if complaint is None:
        raise Http404
    return complaint


def complaint_by_token(token: str) -> Complaint:
    """The complaint behind a tracking link (the complainant's view; no login)."""
    complaint = Complaint.objects.filter(token=(token or "")[:64]).first() if token else None
    if complaint is None:
        raise Http404
    return complaint


def complaint_timeline(complaint: Complaint) -> QuerySet[ComplaintEvent]:
    return complaint.events.select_related("actor").order_by("at", "id")


def complaint_public_timeline(complaint: Complaint) -> list[ComplaintEvent]:
    """What the complainant's link shows: the steps, never the investigation notes or evidence."""
    return list(complaint.events.filter(kind__in=["created", "transition"]).order_by("at", "id"))


def complaint_evidence(complaint: Complaint) -> QuerySet[ComplaintEvidence]:
    return complaint.evidence.select_related("uploaded_by").order_by("created_at", "id")


def evidence_get_for(user, pk: int) -> ComplaintEvidence:
    evidence = evidence_list_for(user).filter(pk=pk).first()
    if evidence is None:
        raise Http404
    return evidence


def complaint_escalations(complaint: Complaint) -> QuerySet[ComplaintEscalation]:
    return complaint.escalations.order_by("level")


def complaint_requests(complaint: Complaint):
    return complaint.requests.order_by("id")


def complaint_allowed_actions(user, complaint: Complaint) -> list:
    if not complaint_can_act(user, complaint):
        return []
    return [t for t in TRANSITIONS.values() if transition_allowed(complaint, TRANSITIONS, t.action, actor=user)]


def complaint_can_edit(user, complaint: Complaint) -> bool:
    return complaint.is_open and user_has_role(user, HANDLER_ROLES) and complaint_can_act(user, complaint)


# --- the deadline -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineState:
    key: str  # on_time / at_risk / overdue / met / missed
    label: object
    css: str


DEADLINE_STATES = {
    "on_time": DeadlineState("on_time", _("On time"), "text-bg-success"),
    "at_risk": DeadlineState("at_risk", _("At risk"), "text-bg-warning"),
    "overdue": DeadlineState("overdue", _("Overdue"), "text-bg-danger"),
    "met": DeadlineState("met", _("Answered on time"), "text-bg-light border"),
    "missed": DeadlineState("missed", _("Answered late"), "text-bg-secondary"),
}


def complaint_deadline_state(complaint: Complaint, *, now: dt.datetime | None = None) -> DeadlineState:
    """Where the reply deadline stands: answered on time or late, or still running (on time,
    at risk past 80 % of the time, overdue)."""
    if complaint.answered_at is not None:
        return DEADLINE_STATES["met" if complaint.answered_at <= complaint.due_at else "missed"]
    now = now or timezone.now()
    if now >= complaint.due_at:
        return DEADLINE_STATES["overdue"]
    if now >= complaint.warning_at:
        return DEADLINE_STATES["at_risk"]
    return DEADLINE_STATES["on_time"]


# --- choices for the pages -----------------------------------------------------------------------


def investigator_choices() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True)
        .filter(Q(role__in=[Role.QUALITY, Role.QUALITY_MANAGER, Role.MANAGER]))
        .order_by("role", "last_name", "first_name", "id")
    )


def technician_choices() -> QuerySet[User]:
    return (
        User.objects.filter(role=Role.TECHNICIAN, is_active=True)
        .select_related("organization")
        .order_by("organization__name", "last_name", "first_name", "id")
    )


def partner_choices() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=OrganizationKind.PARTNER, is_active=True).order_by("name")


# --- the hand-off to a case library (seed 002 §7) ------------------------------------------------


def complaint_lessons_handoff(complaint: Complaint) -> dict | None:
    """A closed complaint's lessons learned, ready to become a case-library entry: what
    happened, the demand, what the investigation found, the solution, the outcome and the
    lessons — never who complained (no name, phone or address, anonymous or not).
    None while the complaint is open or has no lessons."""
    if complaint.status != Status.CLOSED or not complaint.lessons:
        return None
    return {
        "source": "complaint",
        "source_id": complaint.pk,
        "number": complaint.number,
        "category": complaint.category,
        "severity": complaint.severity,
        "description": complaint.description,
        "demand": complaint.demand,
        "investigation": complaint.investigation,
        "solution": complaint.solution,
        "closed_by": complaint.closed_by,
        "decision": complaint.decision,
        "lessons": complaint.lessons,
        "escalation_level": complaint.escalation_level,
        "closed_at": complaint.closed_at,
        "technician_id": complaint.technician_id,
        "partner_id": complaint.partner_id,
    }


def complaint_lessons_list_for(user) -> QuerySet[Complaint]:
    """Closed complaints with lessons learned (what a case library would import)."""
    return complaint_list_for(user).filter(status=Status.CLOSED).exclude(lessons="").order_by("-closed_at", "-id")


def action_needs_form(action: str) -> bool:
    return action in {
        ComplaintAction.ASSIGN,
        ComplaintAction.PROPOSE,
        ComplaintAction.REJECT,
        ComplaintAction.FOLLOW_UP,
        ComplaintAction.CLOSE,
        ComplaintAction.DECIDE,
    }
