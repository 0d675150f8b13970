"""The eligibility check as people read it: the dates and counts it used, and each rule's line, with
translated labels (the RMA page, the customer's page and the export share them)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import Remedy, Rule

DATE_LABELS = {
    "sale_date": gettext_lazy("Sale date (day 0)"),
    "delivered_on": gettext_lazy("Goods received by the customer"),
    "request_date": gettext_lazy("Requested on"),
    "day": gettext_lazy("Days since the sale"),
    "received_day": gettext_lazy("Days since the goods were received"),
    "return_until": gettext_lazy("Return possible until"),
    "exchange_until": gettext_lazy("Exchange possible until"),
    "no_reason_until": gettext_lazy("No-reason return until"),
    "warranty_end": gettext_lazy("Warranty (三包 period) ends"),
    "extension_days": gettext_lazy("Extended by days in repair"),
    "period_end": gettext_lazy("三包 period ends, extended"),
    "repairs_same_fault": gettext_lazy("Repairs of the same fault in warranty"),
    "days_in_repair": gettext_lazy("Days in repair in warranty"),
    "days_waiting_parts": gettext_lazy("of which waiting for parts"),
    "net_repair_days": gettext_lazy("Days in repair, parts waiting not counted"),
}


def date_rows(dates: dict) -> list[tuple[str, str]]:
    """(label, value) for each date and count the check used, in a fixed order."""
    rows = []
    for key, label in DATE_LABELS.items():
        if key in dates and dates[key] is not None:
            rows.append((str(label), str(dates[key])))
    if dates.get("exchanged"):
        rows.insert(1, (_("Unit given in exchange"), _("its dates run from the exchange")))
    return rows


def _measure(line: dict) -> tuple[str, str]:
    """(found, limit) of one rule's line, as text."""
    measure, value, limit, until = line.get("measure"), line.get("value"), line.get("limit"), line.get("until")
    if measure == "day":
        found = _("day %(n)s") % {"n": value}
        bound = _("day ≤ %(n)s") % {"n": limit}
    elif measure == "repairs":
        found = _("%(n)s repairs") % {"n": value}
        bound = _("≥ %(n)s repairs") % {"n": limit}
    elif measure == "days":
        found = _("%(n)s days") % {"n": value}
        bound = _("> %(n)s days") % {"n": limit}
    else:
        found = str(value or "")
        bound = _("in the period") if until else _("period unknown")
    if until:
        bound = _("%(bound)s (until %(until)s)") % {"bound": bound, "until": until}
    return found, bound


def trace_rows(trace: list[dict]) -> list[dict]:
    rows = []
    for line in trace or []:
        found, bound = _measure(line)
        rule = line.get("rule", "")
        rows.append(
            {
                "rule": rule,
                "label": str(Rule(rule).label) if rule in Rule.values else rule,
                "applies": bool(line.get("applies")),
                "found": found,
                "limit": bound,
            }
        )
    return rows


def remedy_labels(remedies) -> list[tuple[str, str]]:
    return [(r, str(Remedy(r).label)) for r in remedies or [] if r in Remedy.values]
