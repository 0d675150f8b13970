"""Stock coming in (purchase receipts) and moving between warehouses (transfer orders and their states)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.permissions import user_is_partner
from aftersales.core.audit import audit_record, diff_fields
from aftersales.core.errors import PermissionDeniedError, ValidationFailed
from aftersales.core.states import transition_apply

from ..choices import (
    TRANSFER_TRANSITIONS,
    DocType,
    MoveType,
    TransferAction,
    TransferStatus,
)
from ..models import (
    PurchaseReceipt,
    PurchaseReceiptLine,
    TransferLine,
    TransferOrder,
    Warehouse,
)
from ._common import IllegalTransition, _lines_clean, _number, _require_stock_staff, is_stock_staff, warehouse_usable_by
from .ledger import _post, _receive_at_cost


@transaction.atomic
def receipt_create(
    *, actor, warehouse: Warehouse, supplier: str, lines: list[dict], supplier_ref: str = "", note: str = "", now=None
) -> PurchaseReceipt:
    """Book purchased parts into the good store of ``warehouse``.

    ``lines``: [{"part": Part, "quantity": int, "unit_cost": Decimal, "lot": str}]."""
    _require_stock_staff(actor)
    if not (supplier or "").strip():
        raise ValidationFailed(fields={"supplier": [_("This field is required.")]})
    if not warehouse.is_active:
        raise ValidationFailed(fields={"warehouse": [_("This warehouse is closed.")]})
    clean = _lines_clean(lines, with_cost=True)
    now = now or timezone.now()
    receipt = PurchaseReceipt.objects.create(
        number=_number("PR", now),
        warehouse=warehouse,
        supplier=supplier.strip()[:200],
        supplier_ref=(supplier_ref or "")[:64],
        note=(note or "")[:500],
        created_by=actor,
        created_at=now,
    )
    for line in clean:
        PurchaseReceiptLine.objects.create(receipt=receipt, **line)
        part = _receive_at_cost(line["part"], line["quantity"], line["unit_cost"])
        _post(
            actor=actor,
            move_type=MoveType.RECEIPT,
            part=part,
            warehouse=warehouse,
            lot=line["lot"],
            quantity=line["quantity"],
            unit_cost=line["unit_cost"],
            doc_type=DocType.RECEIPT,
            doc_id=receipt.pk,
            now=now,
        )
    audit_record(actor=actor, action="receipt.create", obj=receipt, changes={"lines": [None, len(clean)]})
    return receipt


# --- transfers ------------------------------------------------------------------------


@transaction.atomic
def transfer_create(
    *, actor, source: Warehouse, destination: Warehouse, lines: list[dict], note: str = ""
) -> TransferOrder:
    """Request a transfer; stock moves when it is shipped (out) and received (in)."""
    if not (is_stock_staff(actor) or (user_is_partner(actor) and warehouse_usable_by(actor, destination))):
        raise PermissionDeniedError(_("Only the parts team can do this."))
    if source.pk == destination.pk:
        raise ValidationFailed(fields={"destination": [_("Choose another warehouse than the source.")]})
    clean = _lines_clean(lines)
    transfer = TransferOrder.objects.create(
        number=_number("TO"), source=source, destination=destination, note=(note or "")[:500], created_by=actor
    )
    for line in clean:
        TransferLine.objects.create(transfer=transfer, **line)
    audit_record(actor=actor, action="transfer.create", obj=transfer, changes={"status": [None, transfer.status]})
    return transfer


def transfer_allowed(user, transfer: TransferOrder, action: str) -> bool:
    t = TRANSFER_TRANSITIONS.get(action)
    if t is None or transfer.status not in t.sources or not user.has_role(*t.roles):
        return False
    if user_is_partner(user):
        return warehouse_usable_by(user, transfer.destination)
    return True


@transaction.atomic
def transfer_transition(*, actor, transfer: TransferOrder, action: str, reason: str = "", now=None) -> TransferOrder:
    t = TRANSFER_TRANSITIONS.get(action)
    if t is None:
        raise ValidationFailed(_("Unknown action."), fields={"action": [_("Unknown action.")]})
    transfer = TransferOrder.objects.select_for_update().select_related("source", "destination").get(pk=transfer.pk)
    partner_foreign = user_is_partner(actor) and not warehouse_usable_by(actor, transfer.destination)
    if not actor.has_role(*t.roles) or partner_foreign:
        raise PermissionDeniedError(_("You cannot %(action)s this transfer.") % {"action": t.action.label})
    if transfer.status not in t.sources:
        raise IllegalTransition(
            _("A transfer that is “%(status)s” cannot be moved with “%(action)s”.")
            % {"status": TransferStatus(transfer.status).label, "action": TransferAction(action).label},
            extra={"status": transfer.status, "action": action},
        )
    reason = (reason or "").strip()
    if t.reason_required and not reason:
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("A reason is required for this step.")]})
    now = now or timezone.now()
    if action in (TransferAction.SHIP, TransferAction.RECEIVE):
        out = action == TransferAction.SHIP
        wh = transfer.source if out else transfer.destination
        for line in transfer.lines.select_related("part").order_by("pk"):
            _post(
                actor=actor,
                move_type=MoveType.TRANSFER_OUT if out else MoveType.TRANSFER_IN,
                part=line.part,
                warehouse=wh,
                lot=line.lot,
                quantity=-line.quantity if out else line.quantity,
                doc_type=DocType.TRANSFER,
                doc_id=transfer.pk,
                now=now,
            )
    before, _after = transition_apply(transfer, TRANSFER_TRANSITIONS, action, reason=reason)
    diff_fields(transfer, {"status_changed_at": now, "reason": reason or transfer.reason})
    transfer.save()
    changes = {"status": [before, t.target]}
    if reason:
        changes["reason"] = [None, reason]
    audit_record(actor=actor, action=f"transfer.{action}", obj=transfer, changes=changes)
    return transfer
