"""/api/kpis: the measures' definitions and values, their series, breakdowns and the rows behind
them (R-KPI-2). The same selectors as the dashboard, scoped the same way (partner staff: their
partner's figures; rows: what the caller may open)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from aftersales.core.errors import ValidationFailed
from aftersales.core.pagination import keyset_page
from aftersales.core.permissions import api_roles
from aftersales.core.schemas import ERRORS, Day

from .definitions import DIMENSION_KEYS
from .permissions import DASHBOARD_ROLES
from .report import tooltip
from .rows import row_view, rows_prepare
from .selectors import kpi_breakdown, kpi_for, kpi_rows, kpi_series, kpi_values, kpis_for, rows_source

router = Router(tags=["kpis"])
Key = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")]
DimId = Annotated[int, Field(ge=0, le=2**63 - 1)]
Code = Annotated[str, Field(max_length=16)]
ROWS_MAX = 500


class FilterQuery(Schema):
    start: Day | None = None
    end: Day | None = None
    region: DimId | None = None
    category: DimId | None = None
    channel: Code | None = None
    service_type: Code | None = None
    team: DimId | None = None
    technician: DimId | None = None
    agent: DimId | None = None
    partner: DimId | None = None

    def period(self) -> tuple[dt.date, dt.date]:
        end = self.end or timezone.localdate()
        start = self.start or end - dt.timedelta(days=29)
        if end < start:
            raise ValidationFailed(fields={"end": ["The end is before the start."]})
        return start, end

    def filters(self) -> dict:
        return {k: getattr(self, k) for k in DIMENSION_KEYS if getattr(self, k) is not None}


class SeriesQuery(FilterQuery):
    grain: Literal["day", "week", "month"] = "day"


class BreakdownQuery(FilterQuery):
    dimension: Literal["region", "category", "channel", "service_type", "team", "technician", "agent", "partner"]


class RowsQuery(FilterQuery):
    part: Literal["den", "num"] = "den"
    limit: Annotated[int, Field(ge=1, le=ROWS_MAX)] = 100
    cursor: Annotated[str, Field(max_length=500)] | None = None


class KpiOut(Schema):
    key: str
    name: str
    formula: str
    numerator: str
    denominator: str
    inclusion: str
    unit: str
    direction: str
    target: float | None
    target_text: str
    num: int
    den: int
    value: float | None
    meets: bool | None
    description: str


class KpisOut(Schema):
    start: dt.date
    end: dt.date
    items: list[KpiOut]


class PointOut(Schema):
    start: dt.date
    end: dt.date
    num: int
    den: int
    value: float | None


class SeriesOut(Schema):
    key: str
    grain: str
    points: list[PointOut]


class SliceOut(Schema):
    value: int | str
    label: str
    num: int
    den: int
    measure: float | None


class BreakdownOut(Schema):
    key: str
    dimension: str
    slices: list[SliceOut]


class RowOut(Schema):
    id: int
    request_id: int | None
    request_number: str
    subject: str
    at: dt.datetime
    num: float
    den: int


class RowsOut(Schema):
    key: str
    part: str
    count: int
    next_cursor: str | None
    items: list[RowOut]


@router.get("/", response={200: KpisOut, **ERRORS}, auth=api_roles(DASHBOARD_ROLES), summary="Measures and values")
def kpis_api(request, query: Query[FilterQuery]):
    """Every measure the caller may read, with its definition and its value over the period."""
    start, end = query.period()
    values = kpi_values(start=start, end=end, filters=query.filters(), user=request.auth)
    items = []
    for kpi in kpis_for(request.auth):
        num, den, value = values[kpi.key]
        items.append(
            {
                "key": kpi.key,
                "name": str(kpi.name),
                "formula": str(kpi.formula),
                "numerator": str(kpi.numerator),
                "denominator": str(kpi.denominator),
                "inclusion": str(kpi.inclusion),
                "unit": kpi.unit,
                "direction": kpi.direction,
                "target": kpi.target,
                "target_text": kpi.target_text,
                "num": num,
                "den": den,
                "value": value,
                "meets": kpi.meets(value),
                "description": tooltip(kpi),
            }
        )
    return {"start": start, "end": end, "items": items}


@router.get("/{key}/series", response={200: SeriesOut, **ERRORS}, auth=api_roles(DASHBOARD_ROLES), summary="Series")
def series_api(request, key: Key, query: Query[SeriesQuery]):
    start, end = query.period()
    points = kpi_series(key, start=start, end=end, grain=query.grain, filters=query.filters(), user=request.auth)
    return {"key": key, "grain": query.grain, "points": [p.__dict__ for p in points]}


@router.get(
    "/{key}/breakdown", response={200: BreakdownOut, **ERRORS}, auth=api_roles(DASHBOARD_ROLES), summary="Breakdown"
)
def breakdown_api(request, key: Key, query: Query[BreakdownQuery]):
    start, end = query.period()
    slices = kpi_breakdown(
        key, query.dimension, start=start, end=end, filters=query.filters(), user=request.auth, limit=100
    )
    return {"key": key, "dimension": query.dimension, "slices": [s.__dict__ for s in slices]}


@router.get("/{key}/rows", response={200: RowsOut, **ERRORS}, auth=api_roles(DASHBOARD_ROLES), summary="Rows")
def rows_api(request, key: Key, query: Query[RowsQuery]):
    """The rows behind a figure, newest first, ``limit`` a page, with how many there are in all;
    ``next_cursor`` (None on the last page) gives the next page as ``cursor``."""
    start, end = query.period()
    kpi = kpi_for(key, request.auth)
    qs = kpi_rows(key, start=start, end=end, filters=query.filters(), user=request.auth, part=query.part)
    source = rows_source(kpi, query.part)
    page = keyset_page(rows_prepare(source, qs), order=["-_at", "-pk"], cursor=query.cursor, size=query.limit)
    items = [row_view(source, o).__dict__ for o in page.items]
    for item in items:
        item["id"] = item.pop("pk")
        item.pop("url", None)
    return {"key": key, "part": query.part, "count": qs.count(), "next_cursor": page.next_cursor, "items": items}
