"""Keyset ("seek") pagination: fast on any page of a million rows, no OFFSET.

A cursor is an opaque string holding the last row's sort values and the direction.
Counts are capped (``count_capped``) so a list never scans a whole table to say
"1–25 of 1,000,000".
"""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed

COUNT_CAP = 1_000


@dataclass
class Page:
    items: list
    next_cursor: str | None = None
    prev_cursor: str | None = None
    extra: dict = field(default_factory=dict)


def _encode(values: list[Any], direction: str) -> str:
    raw = json.dumps({"v": [v.isoformat() if isinstance(v, datetime.datetime) else v for v in values], "d": direction})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        _("The page cursor is not valid."), fields={"cursor": [_("Start again from the first page.")]}
    )


def _decode(cursor: str) -> tuple[list[Any], str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        values, direction = data["v"], data["d"]
        assert direction in ("n", "p") and isinstance(values, list)
        assert all(v is None or isinstance(v, (str, int, float)) for v in values)
        values = [parse_datetime(v) if isinstance(v, str) and parse_datetime(v) else v for v in values]
    except Exception:  # noqa: BLE001 - any garbage is the same bad cursor
        raise _bad_cursor() from None
    return values, direction


def _seek(order: list[str], values: list[Any], forward: bool) -> Q:
    """(a, b) > (x, y) as OR of ANDs, honouring each field's direction."""
    q = Q()
    for i, name in enumerate(order):
        desc = name.startswith("-")
        field_name = name.lstrip("-")
        after = desc != forward  # moving forward on a descending field means "less than"
        lookup = "lt" if not after else "gt"
        cond = Q(**{f"{field_name}__{lookup}": values[i]})
        for j in range(i):
            cond &= Q(**{order[j].lstrip("-"): values[j]})
        q |= cond
    return q


def _values(obj, order: list[str]) -> list[Any]:
    return [getattr(obj, name.lstrip("-")) for name in order]


def keyset_page(
    qs: QuerySet, *, order: list[str], cursor: str | None, size: int, split: tuple[str, list] | None = None
) -> Page:
    """One page of ``qs`` ordered by ``order`` (must end with a unique field, e.g. -id).

    ``split`` (field, values): ``qs`` is filtered on ``field IN values`` and an index
    leads with ``field`` followed by ``order``. The page is then the union of one
    ordered, limited index range per value (on PostgreSQL): a few short walks instead of
    reading every row of the values and sorting them. Elsewhere ignored."""
    forward = True
    if cursor:
        values, direction = _decode(cursor)
        if len(values) != len(order):
            raise ValidationFailed(
                _("The page cursor is not valid."), fields={"cursor": [_("Start again from the first page.")]}
            )
        forward = direction == "n"
        try:
            qs = qs.filter(_seek(order, values, forward))
        except (ValueError, TypeError, DjangoValidationError):  # values of the wrong type for the sort fields
            raise ValidationFailed(
                _("The page cursor is not valid."), fields={"cursor": [_("Start again from the first page.")]}
            ) from None
    ordering = order if forward else [n[1:] if n.startswith("-") else f"-{n}" for n in order]
    if split and len(split[1]) > 1 and connections[qs.db].features.supports_slicing_ordering_in_compound:
        field, values = split
        branches = [qs.filter(**{field: value}).order_by(*ordering)[: size + 1] for value in values]
        rows = list(branches[0].union(*branches[1:], all=True).order_by(*ordering)[: size + 1])
    else:
        rows = list(qs.order_by(*ordering)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    page = Page(items=rows)
    if rows:
        if forward:
            page.next_cursor = _encode(_values(rows[-1], order), "n") if more else None
            page.prev_cursor = _encode(_values(rows[0], order), "p") if cursor else None
        else:
            page.next_cursor = _encode(_values(rows[-1], order), "n")
            page.prev_cursor = _encode(_values(rows[0], order), "p") if more else None
    return page


def count_capped(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, capped): counts at most ``cap`` rows."""
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap
