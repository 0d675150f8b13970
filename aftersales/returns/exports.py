"""The worklist as an Excel workbook (through ``core.exports``: text cells are formula-safe)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from aftersales.core.exports import XlsxWriter

from .choices import RefundState, Remedy, Rule


def rma_workbook(rows) -> bytes:
    wb = XlsxWriter()
    ws = wb.sheet(_("Returns and exchanges"))
    ws.append(
        [
            _("Number"),
            _("Status"),
            _("Customer"),
            _("Product"),
            _("Serial number"),
            _("Reason"),
            _("Sale date"),
            _("Requested on"),
            _("Rule applied"),
            _("Remedies"),
            _("Decision"),
            _("Returned unit received on"),
            _("Refund due"),
            _("Refund"),
            _("Refund amount"),
            _("Refunded on"),
            _("New unit"),
            _("Exchanged on"),
        ]
    )
    for rma in rows:
        check = rma.eligibility
        state = getattr(rma, "refund_state", "")
        ws.append(
            [
                rma.number,
                rma.get_status_display(),
                rma.customer.name,
                rma.unit.product.model_code,
                rma.unit.serial_number,
                rma.get_reason_display(),
                rma.sale_date,
                rma.requested_on,
                str(Rule(check.rule).label) if check else "",
                ", ".join(str(Remedy(r).label) for r in check.remedies) if check else "",
                rma.get_resolution_display(),
                rma.returned_on,
                rma.refund_due,
                str(RefundState(state).label) if state else "",
                rma.refund_amount,
                rma.refunded_on,
                rma.new_unit.serial_number if rma.new_unit_id else "",
                rma.exchanged_on,
            ]
        )
    return wb.to_bytes()
