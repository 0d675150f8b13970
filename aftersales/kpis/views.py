"""The dashboard (``/kpis/``), the rows behind any figure, their exports, and the agents' and
technicians' own panel (``/kpis/me/``). Thin: a form checks the input, ``report`` / the
selectors read, a template renders."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from aftersales.accounts.permissions import user_is_partner
from aftersales.core.errors import NotFoundError
from aftersales.core.permissions import roles_required
from aftersales.field.pdf import pdf_language

from . import exports
from .definitions import DIMENSION_BY_KEY, DIMENSION_KEYS
from .forms import FilterForm
from .me import me_panel
from .permissions import DASHBOARD_ROLES, ME_ROLES
from .report import dashboard_build, tooltip, value_text
from .rows import row_view, rows_prepare
from .selectors import dimension_labels, kpi_for, kpi_rows, kpi_value, rows_source
from .slots import DASHBOARD_ACTIONS

PAGE_SIZE = 50
EXPORT_ROWS_MAX = 50_000


def _form(request) -> FilterForm:
    """The filters from the query string; the period inputs show the default period when the
    query string names none (bound or not, the same period is read)."""
    partner_locked = user_is_partner(request.user)
    data = request.GET.copy()
    if not data.get("start") and not data.get("end"):
        start, end = FilterForm(partner_locked=partner_locked).period()
        data["start"], data["end"] = start.isoformat(), end.isoformat()
    return FilterForm(data, partner_locked=partner_locked)


def _board(request, form):
    dims = [d for d in DIMENSION_KEYS if not (d == "partner" and user_is_partner(request.user))]
    start, end = form.period()
    return dashboard_build(
        request.user,
        start=start,
        end=end,
        grain=form.grain_value(),
        filters=form.filters(),
        selected=request.GET.get("k"),
        dimensions=dims,
    )


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@roles_required(DASHBOARD_ROLES)
def dashboard(request):
    form = _form(request)
    board = _board(request, form)
    query = request.GET.copy()
    query.pop("k", None)
    context = {
        "form": form,
        "board": board,
        "charts": board.chart_data(),
        "query": query.urlencode(),
        "is_partner": user_is_partner(request.user),
        "actions": DASHBOARD_ACTIONS.render(request, board),
    }
    return render(request, "kpis/dashboard.html", context, status=400 if form.errors else 200)


@require_GET
@roles_required(DASHBOARD_ROLES)
def dashboard_export(request, fmt: str):
    form = _form(request)
    board = _board(request, form)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "xlsx":
        return _attachment(
            exports.dashboard_xlsx(board),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"kpis-{stamp}.xlsx",
        )
    language = pdf_language(request.GET.get("lang"), default=getattr(request, "LANGUAGE_CODE", None))
    return _attachment(
        exports.dashboard_pdf(board, language=language, user=request.user), "application/pdf", f"kpis-{stamp}.pdf"
    )


def _rows_context(request, key: str):
    try:
        kpi = kpi_for(key, request.user)
    except NotFoundError:
        raise Http404 from None
    form = _form(request)
    start, end = form.period()
    filters = form.filters()
    part = "num" if request.GET.get("part") == "num" else "den"
    qs = kpi_rows(key, start=start, end=end, filters=filters, user=request.user, part=part)
    source = rows_source(kpi, part)
    return kpi, form, start, end, filters, part, rows_prepare(source, qs), source


@require_GET
@roles_required(DASHBOARD_ROLES)
def rows(request, key: str):
    kpi, form, start, end, filters, part, qs, source = _rows_context(request, key)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    num, den, value = kpi_value(key, start=start, end=end, filters=filters, user=request.user)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "kpi": kpi,
        "form": form,
        "page": page,
        "rows": [row_view(source, obj) for obj in page.object_list],
        "num": num,
        "den": den,
        "value_text": value_text(kpi, value),
        "tooltip": tooltip(kpi),
        "part": part,
        "start": start,
        "end": end,
        "filters": filters,
        "filter_labels": _filter_labels(filters),
        "query": query.urlencode(),
    }
    return render(request, "kpis/rows.html", context, status=400 if form.errors else 200)


def _filter_labels(filters: dict) -> list[tuple[str, str]]:
    labels = dimension_labels({k: [v] for k, v in filters.items()})
    return [(str(DIMENSION_BY_KEY[k].label), labels[k][v]) for k, v in filters.items()]


@require_GET
@roles_required(DASHBOARD_ROLES)
def rows_export(request, key: str):
    kpi, form, start, end, filters, part, qs, source = _rows_context(request, key)
    objs = list(qs[:EXPORT_ROWS_MAX])
    content = exports.rows_xlsx(kpi, [row_view(source, o) for o in objs], start=start, end=end, count=len(objs))
    return _attachment(
        content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{kpi.key}-{start}-{end}.xlsx"
    )


@require_GET
@roles_required(ME_ROLES)
def me(request):
    form = _form(request)
    start, end = form.period()
    if (end - start) < dt.timedelta(days=27):
        start = end - dt.timedelta(days=89)
    panel = me_panel(request.user, start=start, end=end)
    return render(request, "kpis/me.html", {"panel": panel, "form": form, "start": start, "end": end})
