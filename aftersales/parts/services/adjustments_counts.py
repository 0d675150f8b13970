"""Stock corrections: manual adjustments, stock counts (count, enter, approve, cancel) and opening stock."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.audit import audit_record
from aftersales.core.errors import ConflictError, ValidationFailed
from aftersales.core.states import transition_apply

from ..choices import (
    COUNT_TRANSITIONS,
    CountStatus,
    DocType,
    MoveType,
    Store,
    Tracking,
)
from ..models import (
    Adjustment,
    Part,
    StockCount,
    StockCountLine,
    StockLevel,
    StockMove,
    Warehouse,
)
from ._common import IllegalTransition, _lot_check, _number, _require_stock_staff
from .ledger import _post, _receive_at_cost

# --- adjustments and counts -----------------------------------------------------------


@transaction.atomic
def adjustment_create(
    *, actor, warehouse: Warehouse, part: Part, quantity: int, reason: str, store: str = Store.GOOD, lot: str = ""
) -> Adjustment:
    """Correct stock by ``quantity`` (positive or negative) with a reason (damage, found, …)."""
    _require_stock_staff(actor)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity == 0 or abs(quantity) > 1_000_000:
        raise ValidationFailed(fields={"quantity": [_("Enter a non-zero whole number.")]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("A reason is required for an adjustment.")]})
    if store not in Store.values:
        raise ValidationFailed(fields={"store": [_("Unknown store.")]})
    lot = _lot_check(part, lot, abs(quantity) if part.tracking != Tracking.SERIAL else 1)
    adj = Adjustment.objects.create(
        warehouse=warehouse, part=part, store=store, lot=lot, quantity=quantity, reason=reason[:200], created_by=actor
    )
    _post(
        actor=actor,
        move_type=MoveType.ADJUST,
        part=part,
        warehouse=warehouse,
        store=store,
        lot=lot,
        quantity=quantity,
        doc_type=DocType.ADJUSTMENT,
        doc_id=adj.pk,
        reason=reason,
    )
    audit_record(
        actor=actor,
        action="adjustment.create",
        obj=adj,
        changes={"quantity": [None, quantity], "reason": [None, reason]},
    )
    return adj


@transaction.atomic
def count_create(*, actor, warehouse: Warehouse, note: str = "") -> StockCount:
    """Issue a count sheet: one line per stock level of the warehouse, with the book quantity."""
    _require_stock_staff(actor)
    if StockCount.objects.filter(warehouse=warehouse, status__in=[CountStatus.OPEN, CountStatus.COUNTED]).exists():
        raise ConflictError(_("A count of this warehouse is under way already."))
    count = StockCount.objects.create(
        number=_number("SC"), warehouse=warehouse, note=(note or "")[:500], created_by=actor
    )
    levels = StockLevel.objects.filter(warehouse=warehouse).exclude(on_hand=0).order_by("part__code", "store", "lot")
    StockCountLine.objects.bulk_create(
        [
            StockCountLine(count=count, part_id=lv.part_id, store=lv.store, lot=lv.lot, expected=lv.on_hand)
            for lv in levels
        ]
    )
    audit_record(actor=actor, action="count.create", obj=count, changes={"lines": [None, levels.count()]})
    return count


@transaction.atomic
def count_add_line(*, actor, count: StockCount, part: Part, store: str = Store.GOOD, lot: str = "") -> StockCountLine:
    """A part found on the shelf that the sheet does not list (book quantity as now)."""
    _require_stock_staff(actor)
    count = StockCount.objects.select_for_update().get(pk=count.pk)
    if count.status != CountStatus.OPEN:
        raise IllegalTransition(_("Counts can only be entered on an open sheet."))
    lot = _lot_check(part, lot, 1)
    if count.lines.filter(part=part, store=store, lot=lot).exists():
        raise ValidationFailed(fields={"part": [_("This part is on the sheet already.")]})
    level = StockLevel.objects.filter(part=part, warehouse_id=count.warehouse_id, store=store, lot=lot).first()
    line = StockCountLine.objects.create(
        count=count, part=part, store=store, lot=lot, expected=level.on_hand if level else 0
    )
    audit_record(actor=actor, action="count.add_line", obj=count, changes={"part": [None, part.code]})
    return line


@transaction.atomic
def count_enter(*, actor, count: StockCount, counted: dict[int, int]) -> StockCount:
    """Enter counted quantities by line id; when every line is counted the sheet is "counted"."""
    _require_stock_staff(actor)
    count = StockCount.objects.select_for_update().get(pk=count.pk)
    if count.status not in (CountStatus.OPEN, CountStatus.COUNTED):
        raise IllegalTransition(_("Counts can only be entered on an open sheet."))
    lines = {line.pk: line for line in count.lines.all()}
    errors = {}
    for line_id, value in counted.items():
        if line_id not in lines:
            errors[f"line_{line_id}"] = [_("Not a line of this sheet.")]
        elif not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > 1_000_000:
            errors[f"line_{line_id}"] = [_("Enter a whole number from 0 to 1,000,000.")]
    if errors:
        raise ValidationFailed(fields=errors)
    for line_id, value in counted.items():
        StockCountLine.objects.filter(pk=line_id).update(counted=value)
    complete = not count.lines.filter(counted__isnull=True).exists()
    _before, target = transition_apply(count, COUNT_TRANSITIONS, "enter_all" if complete else "enter_some")
    StockCount.objects.filter(pk=count.pk).update(status=target, updated_at=timezone.now())
    audit_record(
        actor=actor, action="count.enter", obj=count, changes={"lines": [None, len(counted)], "status": [None, target]}
    )
    return count


@transaction.atomic
def count_approve(*, actor, count: StockCount, now=None) -> StockCount:
    """Book each variance (counted − expected) as a COUNT move. Moves made after the sheet
    was issued are kept: the variance is applied on top of the current level."""
    _require_stock_staff(actor)
    count = StockCount.objects.select_for_update().select_related("warehouse").get(pk=count.pk)
    if count.status != CountStatus.COUNTED:
        raise IllegalTransition(_("Enter every count before approving."))
    now = now or timezone.now()
    for line in count.lines.select_related("part").order_by("pk"):
        if line.variance:
            _post(
                actor=actor,
                move_type=MoveType.COUNT,
                part=line.part,
                warehouse=count.warehouse,
                store=line.store,
                lot=line.lot,
                quantity=line.variance,
                doc_type=DocType.COUNT,
                doc_id=count.pk,
                reason=str(_("Stock count %(n)s") % {"n": count.number}),
                now=now,
            )
    transition_apply(count, COUNT_TRANSITIONS, "approve")
    StockCount.objects.filter(pk=count.pk).update(
        status=count.status, approved_by=actor, approved_at=now, updated_at=now
    )
    audit_record(actor=actor, action="count.approve", obj=count, changes={"status": ["counted", "approved"]})
    return count


@transaction.atomic
def count_cancel(*, actor, count: StockCount) -> StockCount:
    _require_stock_staff(actor)
    count = StockCount.objects.select_for_update().get(pk=count.pk)
    if count.status not in (CountStatus.OPEN, CountStatus.COUNTED):
        raise IllegalTransition(_("This count is closed."))
    transition_apply(count, COUNT_TRANSITIONS, "cancel")
    StockCount.objects.filter(pk=count.pk).update(status=count.status, updated_at=timezone.now())
    audit_record(actor=actor, action="count.cancel", obj=count, changes={"status": [None, "cancelled"]})
    return count


# --- opening stock (import) -----------------------------------------------------------


def opening_stock_post(
    *, actor, warehouse: Warehouse, part: Part, quantity: int, unit_cost: Decimal, lot: str = "", batch_id: int
) -> StockMove:
    """One opening-stock line (used by the Excel import inside its single transaction)."""
    _require_stock_staff(actor)
    part = _receive_at_cost(part, quantity, unit_cost)
    return _post(
        actor=actor,
        move_type=MoveType.OPENING,
        part=part,
        warehouse=warehouse,
        lot=lot,
        quantity=quantity,
        unit_cost=unit_cost,
        doc_type=DocType.IMPORT,
        doc_id=batch_id,
    )
