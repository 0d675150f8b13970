"""Complaint exports (Excel, CSV) through ``core.exports``: formulas neutralised. An anonymous
complaint's row names nobody: the complainant column shows "Anonymous" and its tracking code."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.exports import XlsxWriter, csv_writer

from .selectors import complaint_deadline_state


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _header() -> list[str]:
    return [
        _("Complaint no."),
        _("Tracking code"),
        _("Taken at"),
        _("Channel"),
        _("Category"),
        _("Severity"),
        _("Status"),
        _("Complainant"),
        _("Contact phone"),
        _("Customer's demand"),
        _("Investigator"),
        _("Escalation level"),
        _("Reply due"),
        _("Answered at"),
        _("Deadline"),
        _("Customer's response"),
        _("Closed by"),
        _("Closed at"),
    ]


def _rows(complaints):
    now = timezone.now()
    for c in complaints:
        yield [
            c.number,
            c.tracking_code,
            _when(c.created_at),
            c.get_channel_display(),
            c.get_category_display(),
            c.get_severity_display(),
            c.get_status_display(),
            c.complainant,
            "" if c.anonymous else c.contact_phone,
            c.demand,
            c.investigator.display_name if c.investigator_id else "",
            c.escalation_level,
            _when(c.due_at),
            _when(c.answered_at),
            str(complaint_deadline_state(c, now=now).label),
            c.get_response_display() if c.response else "",
            c.get_closed_by_display() if c.closed_by else "",
            _when(c.closed_at),
        ]


def complaints_xlsx(complaints) -> bytes:
    wb = XlsxWriter()
    ws = wb.sheet(_("Complaints"))
    ws.append(_header())
    for row in _rows(complaints):
        ws.append(row)
    return wb.to_bytes()


def complaints_csv(complaints) -> bytes:
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(_header())
    writer.writerows(_rows(complaints))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8
