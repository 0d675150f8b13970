"""The monthly report's files: PDF (WeasyPrint, as ``field.pdf`` renders the service form) and
Excel (``core.exports.XlsxWriter``: formulas neutralised)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aftersales.core.exports import XlsxWriter
from aftersales.field.pdf import pdf_language

from .display import report_view


def report_pdf(content: dict, *, language: str) -> bytes:
    from weasyprint import HTML, URLFetcher

    language = pdf_language(language)
    with translation.override(language), timezone.override(settings.TIME_ZONE):
        html = render_to_string(
            "management/report_pdf.html", {"r": report_view(content), "now": timezone.now(), "LANG": language}
        )
    # Nothing to fetch: the charts are inline SVG.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher, base_url="data:,").write_pdf()


def report_xlsx(content: dict, *, language: str) -> bytes:
    with translation.override(pdf_language(language)):
        r = report_view(content)
        book = XlsxWriter()
        sheet = book.sheet(_("Measures"))
        sheet.append([_("Management report"), r.month])
        sheet.append(
            [
                _("Measure"),
                pgettext("management", "Value"),
                _("Previous month"),
                pgettext("management", "Target"),
                _("Met"),
                _("Numerator"),
                _("Denominator"),
            ]
        )
        for h in r.headline:
            met = {True: _("yes"), False: _("no")}.get(h["meets"], "")
            sheet.append([h["name"], h["value"], h["prev"], h["target_text"], met, h["num"], h["den"]])
        trends = book.sheet(_("Trends"))
        if r.trends:
            trends.append([_("Measure"), *r.trends[0]["months"]])
            for t in r.trends:
                trends.append([t["name"], *t["values"]])
        worst = book.sheet(_("Worst"))
        worst.append([_("List"), _("Name"), pgettext("management", "Value"), _("Rows")])
        for w in r.worst:
            for i in w["items"]:
                worst.append([w["title"], i["label"], i["value"], i["den"]])
        complaints = book.sheet(_("Complaints"))
        complaints.append([_("Complaints"), r.complaints.get("count")])
        complaints.append([_("Complaint rate"), r.complaints.get("rate")])
        complaints.append([_("Complaints answered on time"), r.complaints.get("on_time")])
        plans = book.sheet(_("Improvement plans"))
        plans.append(
            [
                _("Problem"),
                _("Department"),
                _("Responsible person"),
                _("Status"),
                pgettext("management", "Deadline"),
                _("Measure"),
                _("Baseline"),
                pgettext("management", "After"),
                _("Effect"),
            ]
        )
        for p in r.plans.get("rows", []):
            plans.append(
                [
                    p["problem"],
                    p["department"],
                    p["owner"],
                    p["status_label"],
                    p["deadline"],
                    p["kpi_name"],
                    p["baseline"],
                    p["after"],
                    p["effect"],
                ]
            )
        cards = book.sheet(_("Scorecards"))
        cards.append([_("Scheme"), _("Rank"), pgettext("management", "Person"), _("Score")])
        for s in r.scorecards:
            for row in s["top"] + s["bottom"]:
                cards.append([s["scheme"], row["rank"], row["name"], float(row["total"])])
        return book.to_bytes()
