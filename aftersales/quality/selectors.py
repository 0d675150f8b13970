"""Reads of quality management; each starts from the scoped queryset of ``permissions``."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from aftersales.accounts.models import User

from .choices import InspectionStatus
from .models import Case, CorrectiveAction, Inspection
from .permissions import case_list_for, inspection_list_for

__all__ = [
    "case_get_for",
    "case_list_for",
    "case_search",
    "compliance_by_technician",
    "inspection_get_for",
    "inspection_rows",
    "tags_normalise",
]

SEARCH_MAX = 50


def tags_normalise(value) -> str:
    """``"漏水, 热水器，漏水"`` or a list → ``",漏水,热水器,"`` (lower case, unique, in order)."""
    if isinstance(value, (list, tuple)):
        parts = [str(p) for p in value]
    else:
        parts = str(value or "").replace("，", ",").replace("、", ",").replace(";", ",").split(",")
    seen: list[str] = []
    for p in parts:
        p = " ".join(p.split()).lower()
        if p and p not in seen:
            seen.append(p)
    return f",{','.join(seen)}," if seen else ""


def case_get_for(user, pk: int) -> Case:
    case = case_list_for(user).select_related("request", "complaint", "created_by").filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def case_search(user, *, q: str = "", kind: str = "", status: str = "", tag: str = "") -> QuerySet[Case]:
    """Cases matching every word of ``q`` (Chinese or not: a substring of the title, what
    happened, the analysis, the lessons or the tags; 漏水 finds 热水器底部漏水), of a kind,
    status and tag."""
    qs = case_list_for(user).select_related("request", "complaint")
    for word in (q or "")[:SEARCH_MAX].split():
        qs = qs.filter(
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(analysis__icontains=word)
            | Q(lessons__icontains=word)
            | Q(tags__icontains=word.lower())
        )
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    tag = tags_normalise(tag)
    if tag:
        qs = qs.filter(tags__contains=tag)
    return qs.order_by("-created_at", "-id")


# --- inspections --------------------------------------------------------------------------------


def inspection_get_for(user, pk: int) -> Inspection:
    inspection = (
        inspection_list_for(user)
        .select_related("visit", "visit__request", "technician", "template", "inspector")
        .filter(pk=pk)
        .first()
    )
    if inspection is None:
        raise Http404
    return inspection


def inspection_rows(user, *, status: str = "") -> QuerySet[Inspection]:
    qs = inspection_list_for(user).select_related("visit", "visit__request", "technician", "template")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def compliance_by_technician(user, *, start=None, end=None) -> list[dict]:
    """Norm-compliance rate per technician over done inspections (items passed / items checked),
    with the open corrective actions; ``start``/``end`` bound ``inspected_at`` (end excluded)."""
    qs = inspection_list_for(user).filter(status=InspectionStatus.DONE)
    if start:
        qs = qs.filter(inspected_at__gte=start)
    if end:
        qs = qs.filter(inspected_at__lt=end)
    rows = qs.values("technician_id").annotate(
        inspections=Count("id"), passed=Sum("passed_count"), items=Sum("item_count")
    )
    people = {u.pk: u for u in User.objects.filter(pk__in=[r["technician_id"] for r in rows])}
    open_actions = dict(
        CorrectiveAction.objects.filter(inspection__in=qs, status="open")
        .values("inspection__technician_id")
        .annotate(n=Count("id"))
        .values_list("inspection__technician_id", "n")
    )
    out = []
    for r in rows:
        rate = round(100 * r["passed"] / r["items"], 1) if r["items"] else None
        out.append(
            {
                "technician": people.get(r["technician_id"]),
                "inspections": r["inspections"],
                "passed": r["passed"] or 0,
                "items": r["items"] or 0,
                "rate": rate,
                "open_actions": open_actions.get(r["technician_id"], 0),
            }
        )
    out.sort(key=lambda row: (row["rate"] if row["rate"] is not None else 101, str(row["technician"])))
    return out


def corrective_get_for(user, pk: int) -> CorrectiveAction:
    """A corrective action of an inspection ``user`` sees (a technician: of his own inspections)."""
    action = (
        CorrectiveAction.objects.filter(inspection__in=inspection_list_for(user))
        .select_related("inspection")
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404
    return action
