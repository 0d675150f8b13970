"""Excel (through ``core.exports.XlsxWriter``: formulas neutralised) and PDF (WeasyPrint, as
``field.pdf`` renders the service form) of the dashboard and of a drill-down list."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aftersales.core.exports import XlsxWriter

from .definitions import DIMENSION_BY_KEY, KPIS
from .report import Dashboard, value_text
from .rows import RowView


def dashboard_xlsx(board: Dashboard) -> bytes:
    book = XlsxWriter()
    sheet = book.sheet(_("Measures"))
    sheet.append([_("From"), board.start, _("Until"), board.end])
    sheet.append(
        [
            _("Measure"),
            pgettext("kpi", "Value"),
            _("Unit"),
            pgettext("kpi", "Target"),
            _("Met"),
            _("Numerator"),
            _("Denominator"),
            _("Key"),
        ]
    )
    for c in board.cards:
        sheet.append(
            [
                str(c.kpi.name),
                c.value,
                c.kpi.unit,
                c.kpi.target_text,
                {True: _("yes"), False: _("no")}.get(c.meets, ""),
                c.num,
                c.den,
                c.kpi.key,
            ]
        )
    kpi = board.selected
    trend = book.sheet(_("Trend"))
    trend.append([str(kpi.name)])
    trend.append([_("From"), _("Until"), pgettext("kpi", "Value"), _("Numerator"), _("Denominator")])
    for p in board.trend:
        trend.append([p.start, p.end, p.value, p.num, p.den])
    parts = book.sheet(_("Breakdowns"))
    parts.append([str(kpi.name)])
    parts.append([_("Dimension"), pgettext("kpi", "Value"), _("Measure"), _("Numerator"), _("Denominator")])
    for dim, slices in board.breakdowns.items():
        for s in slices:
            parts.append([str(DIMENSION_BY_KEY[dim].label), s.label, s.measure, s.num, s.den])
    definitions_sheet(book)
    return book.to_bytes()


def definitions_sheet(book: XlsxWriter) -> None:
    sheet = book.sheet(_("Definitions"))
    sheet.append(
        [
            _("Key"),
            _("Measure"),
            _("Formula"),
            _("Numerator"),
            _("Denominator"),
            _("Included"),
            pgettext("kpi", "Target"),
        ]
    )
    for k in KPIS:
        sheet.append(
            [k.key, str(k.name), str(k.formula), str(k.numerator), str(k.denominator), str(k.inclusion), k.target_text]
        )


def rows_xlsx(kpi, rows: list[RowView], *, start, end, count: int) -> bytes:
    book = XlsxWriter()
    sheet = book.sheet(str(kpi.name))
    sheet.append([str(kpi.name), _("From"), start, _("Until"), end, _("Rows"), count])
    sheet.append([_("Request"), _("Row"), _("Counted at"), _("Numerator"), _("Denominator")])
    for r in rows:
        sheet.append([r.request_number, r.subject, timezone.localtime(r.at).replace(tzinfo=None), r.num, r.den])
    definitions_sheet(book)
    return book.to_bytes()


def dashboard_pdf(board: Dashboard, *, language: str, user) -> bytes:
    from weasyprint import HTML, URLFetcher

    with translation.override(language), timezone.override(settings.TIME_ZONE):
        context = {
            "board": board,
            "user": user,
            "now": timezone.now(),
            "LANG": language,
            "breakdowns": [
                (DIMENSION_BY_KEY[d].label, slices, [value_text(board.selected, s.measure) for s in slices])
                for d, slices in board.breakdowns.items()
            ],
            "trend": [(p, value_text(board.selected, p.value)) for p in board.trend],
        }
        html = render_to_string("kpis/report_pdf.html", context)
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher, base_url="data:,").write_pdf()
