"""Reads of returns and exchanges, scoped to the user (R-ROLE-1, R-RET-1)."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from aftersales.core.states import transition_allowed

from .choices import OPEN_STATUSES, TRANSITIONS, Status
from .eligibility import refund_state
from .models import EligibilityCheck, ReturnPolicy, Rma, RmaEvent
from .permissions import INSPECT_ROLES, rma_can_act, rma_list_for  # noqa: F401  (re-exported)

LIST_RELATED = ("unit", "unit__product", "customer", "policy", "eligibility", "organization", "new_unit")

# The worklist's views: (statuses, ordering).
VIEWS = {
    "open": (OPEN_STATUSES, ("-created_at", "-id")),
    "check": (frozenset({Status.REQUESTED}), ("created_at", "id")),
    "inspect": (frozenset({Status.CHECKED}), ("created_at", "id")),
    "decide": (frozenset({Status.INSPECTED}), ("created_at", "id")),
    "refunds": (frozenset({Status.AWAITING_REFUND}), (F("refund_due").asc(nulls_last=True), "id")),
    "exchanges": (frozenset({Status.AWAITING_EXCHANGE}), ("created_at", "id")),
    "closed": (frozenset(Status) - OPEN_STATUSES, ("-updated_at", "-id")),
    "all": (frozenset(Status), ("-created_at", "-id")),
}
WORKLIST_LIMIT = 200


def rma_get_for(user, pk) -> Rma:
    rma = (
        rma_list_for(user)
        .select_related(*LIST_RELATED, "request", "fault", "new_unit", "repair_request", "created_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if rma is None:
        raise Http404
    return rma


def rma_by_token(token: str) -> Rma:
    rma = Rma.objects.select_related(*LIST_RELATED, "new_unit").filter(public_token=token or "-").first()
    if rma is None or not token:
        raise Http404
    return rma


def rma_search(qs: QuerySet[Rma], q: str) -> QuerySet[Rma]:
    q = (q or "").strip()
    if not q:
        return qs
    return qs.filter(
        Q(number__iexact=q)
        | Q(unit__serial_number__iexact=q.upper())
        | Q(customer__phone__endswith=q)
        | Q(customer__name__icontains=q)
    )


def rma_worklist(user, *, view: str = "open", q: str = "") -> list[Rma]:
    """One view of the worklist (unknown views read as "open"), at most ``WORKLIST_LIMIT`` rows, each
    with ``refund_state`` for the refunds view."""
    statuses, order = VIEWS.get(view, VIEWS["open"])
    qs = rma_search(rma_list_for(user).filter(status__in=sorted(statuses)), q)
    rows = list(qs.select_related(*LIST_RELATED).order_by(*order)[:WORKLIST_LIMIT])
    today = timezone.localdate()
    for rma in rows:
        rma.refund_state = rma_refund_state(rma, today) if rma.status == Status.AWAITING_REFUND else ""
    return rows


def rma_view_counts(user) -> dict[str, int]:
    """How many RMAs each view of the worklist holds (one query)."""
    counts = {
        s: n for s, n in rma_list_for(user).values_list("status").annotate(n=Count("id")).values_list("status", "n")
    }
    return {name: sum(counts.get(s, 0) for s in statuses) for name, (statuses, _order) in VIEWS.items()}


def rma_refund_state(rma: Rma, today: datetime.date | None = None) -> str:
    terms = rma.policy.terms() if rma.policy_id else None
    today = today or timezone.localdate()
    return refund_state(rma.refund_due, today, terms) if terms else refund_state(rma.refund_due, today)


def refunds_at_risk(user, today: datetime.date | None = None) -> list[Rma]:
    """Refunds awaiting payment that are at risk or overdue, most urgent first."""
    rows = rma_worklist(user, view="refunds")
    today = today or timezone.localdate()
    for rma in rows:
        rma.refund_state = rma_refund_state(rma, today)
    return [r for r in rows if r.refund_state in ("at_risk", "overdue")]


def rma_timeline(rma: Rma) -> QuerySet[RmaEvent]:
    return rma.events.select_related("actor").order_by("at", "id")


def rma_checks(rma: Rma) -> QuerySet[EligibilityCheck]:
    return rma.checks.select_related("actor", "policy").order_by("-at", "-id")


def rma_actions(user, rma: Rma) -> list[str]:
    """The steps ``user`` may take on ``rma`` now (by its status and his role)."""
    if not rma_can_act(user, rma):
        return []
    return [action for action in TRANSITIONS if transition_allowed(rma, TRANSITIONS, action, actor=user)]


def rma_may_receive(user, rma: Rma) -> bool:
    from aftersales.core.permissions import user_has_role

    from .choices import RECEIVE_STATUSES

    return rma.status in RECEIVE_STATUSES and user_has_role(user, INSPECT_ROLES) and rma_can_act(user, rma)


# --- policies ------------------------------------------------------------------------------------------


def policy_list() -> QuerySet[ReturnPolicy]:
    return ReturnPolicy.objects.select_related("product_category")


def policy_get(pk) -> ReturnPolicy:
    policy = policy_list().filter(pk=pk).first()
    if policy is None:
        raise Http404
    return policy


def policy_for_unit(unit) -> ReturnPolicy | None:
    """The most specific policy for the unit's product: its category, then the parents, then the default."""
    chain, seen = [], set()
    category = unit.product.category
    while category is not None and category.pk not in seen:
        chain.append(category.pk)
        seen.add(category.pk)
        category = category.parent
    found = {
        p.product_category_id: p
        for p in ReturnPolicy.objects.filter(Q(product_category__in=chain) | Q(product_category__isnull=True))
    }
    for pk in [*chain, None]:
        if pk in found:
            return found[pk]
    return None
