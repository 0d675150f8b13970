"""Reads of quality management; each starts from the scoped queryset of ``permissions``."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from aftersales.core.errors import NotFoundError

from .models import Case
from .permissions import case_list_for

__all__ = ["case_get_for", "case_list_for", "case_search", "tags_normalise"]

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
        raise NotFoundError()
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
