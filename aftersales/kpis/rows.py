"""One drill-down row as the list, the export and the API show it: the request (or complaint)
behind it, what the row is, when it was counted and what it contributed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse

from .definitions import Source

SELECT = {
    "request": (),
    "visit": ("request",),
    "clock": ("request",),
    "followup": ("request",),
    "survey": ("request",),
    "inspection": ("visit__request",),
    "complaint": (),
}


@dataclass(frozen=True)
class RowView:
    pk: int
    request_id: int | None
    request_number: str
    url: str
    subject: str
    at: dt.datetime
    num: float
    den: int


def rows_prepare(source: Source, qs):
    return qs.select_related(*SELECT.get(source.subject, ()))


def _subject(source: Source, obj) -> tuple[object, str]:
    kind = source.subject
    if kind == "request":
        return obj, obj.get_status_display()
    if kind == "visit":
        return obj.request, obj.number
    if kind == "clock":
        return obj.request, f"{obj.get_kind_display()} · {obj.get_state_display()}"
    if kind == "followup":
        return obj.request, obj.get_result_display() or obj.get_status_display()
    if kind == "survey":
        return obj.request, f"{obj.overall}/5" if obj.overall is not None else "—"
    if kind == "inspection":
        return obj.visit.request, f"{obj.passed_count}/{obj.item_count}"
    return None, obj.get_status_display()


def row_view(source: Source, obj) -> RowView:
    request, subject = _subject(source, obj)
    if source.num is not None:
        num = getattr(obj, "_num", 0)
    elif source.num_seconds:
        begin, stop = (getattr(obj, f) for f in source.num_seconds)
        num = round(max(0, (stop - begin).total_seconds()) / 3600, 2) if begin and stop else 0
    elif source.num_field:
        num = getattr(obj, source.num_field) or 0
    else:
        num = 0
    den = getattr(obj, source.den) if isinstance(source.den, str) else source.den
    if request is not None:
        return RowView(obj.pk, request.pk, request.number, request.get_absolute_url(), subject, obj._at, num, den)
    return RowView(obj.pk, None, obj.number, reverse("complaints:detail", args=[obj.pk]), subject, obj._at, num, den)
