"""The ledger primitive ``_post`` (one immutable ``StockMove`` + the same deltas on the ``StockLevel``),
the moving-average cost, and the low-stock alerts it keeps in step. See the package docstring."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import (
    AlertKind,
    Store,
)
from ..models import (
    Part,
    ReorderRule,
    StockAlert,
    StockLevel,
    StockMove,
    Warehouse,
)
from ..signals import parts_event
from ._common import InsufficientStock

COST_PLACES = Decimal("0.0001")


# --- the ledger primitive -------------------------------------------------------------


def _level_id(part_id: int, warehouse_id: int, store: str, lot: str, *, create: bool) -> int | None:
    key = {"part_id": part_id, "warehouse_id": warehouse_id, "store": store, "lot": lot}
    pk = StockLevel.objects.filter(**key).values_list("pk", flat=True).first()
    if pk is not None or not create:
        return pk
    try:
        with transaction.atomic():
            return StockLevel.objects.create(**key).pk
    except IntegrityError:  # created concurrently: use that one
        return StockLevel.objects.filter(**key).values_list("pk", flat=True).get()


def _available(part_id: int, warehouse_id: int) -> int:
    agg = StockLevel.objects.filter(part_id=part_id, warehouse_id=warehouse_id, store=Store.GOOD).aggregate(
        on_hand=Sum("on_hand"), reserved=Sum("reserved")
    )
    return (agg["on_hand"] or 0) - (agg["reserved"] or 0)


def _watch_reorder_point(part_id: int, warehouse_id: int, change: int) -> None:
    """Open a low-stock alert when available stock falls to the reorder point or below;
    resolve it when stock is back above. Notified on commit."""
    rule = ReorderRule.objects.filter(part_id=part_id, warehouse_id=warehouse_id).first()
    if rule is None:
        return
    after = _available(part_id, warehouse_id)
    before = after - change
    open_alert = StockAlert.objects.filter(
        kind=AlertKind.LOW_STOCK, part_id=part_id, warehouse_id=warehouse_id, resolved_at__isnull=True
    )
    if change < 0 and before > rule.reorder_point >= after and not open_alert.exists():
        _open_low_stock_alert(part_id, warehouse_id, after, rule.reorder_point)
    elif change > 0 and after > rule.reorder_point:
        open_alert.update(resolved_at=timezone.now())


def _open_low_stock_alert(part_id: int, warehouse_id: int, available: int, reorder_point: int) -> StockAlert:
    alert = StockAlert.objects.create(
        kind=AlertKind.LOW_STOCK,
        part_id=part_id,
        warehouse_id=warehouse_id,
        available=available,
        threshold=reorder_point,
    )
    data = {"part": part_id, "warehouse": warehouse_id, "available": available, "reorder_point": reorder_point}
    transaction.on_commit(
        lambda: parts_event.send(sender=StockAlert, kind=AlertKind.LOW_STOCK, object_id=alert.pk, data=data)
    )
    return alert


def _refresh_low_stock(part_id: int, warehouse_id: int, reorder_point: int | None) -> None:
    """After a rule is added, changed or removed (``reorder_point`` None): open the
    low-stock alert if available stock is at or below the new point, resolve it if not."""
    open_alert = StockAlert.objects.filter(
        kind=AlertKind.LOW_STOCK, part_id=part_id, warehouse_id=warehouse_id, resolved_at__isnull=True
    )
    available = _available(part_id, warehouse_id)
    if reorder_point is not None and available <= reorder_point:
        if not open_alert.exists():
            _open_low_stock_alert(part_id, warehouse_id, available, reorder_point)
    else:
        open_alert.update(resolved_at=timezone.now())


def _post(
    *,
    actor,
    move_type: str,
    part: Part,
    warehouse: Warehouse,
    quantity: int,
    doc_type: str,
    doc_id: int,
    store: str = Store.GOOD,
    lot: str = "",
    reserved_delta: int = 0,
    unit_cost: Decimal | None = None,
    request=None,
    reason: str = "",
    now=None,
) -> StockMove:
    """Write one ledger row and move the level by the same amounts, or raise
    ``InsufficientStock`` (then nothing is written). Call inside a transaction."""
    now = now or timezone.now()
    only_adds = quantity >= 0 and reserved_delta == 0
    level_id = _level_id(part.pk, warehouse.pk, store, lot, create=only_adds)
    if level_id is None:
        raise InsufficientStock(
            _("No stock of %(part)s at %(wh)s.") % {"part": part.code, "wh": warehouse.code},
            extra={"part": part.pk, "warehouse": warehouse.pk},
        )
    qs = StockLevel.objects.filter(pk=level_id)
    if quantity < 0:
        qs = qs.filter(on_hand__gte=-quantity)
    if reserved_delta < 0:
        qs = qs.filter(reserved__gte=-reserved_delta)
    if reserved_delta - quantity > 0:
        qs = qs.filter(on_hand__gte=F("reserved") + (reserved_delta - quantity))
    updated = qs.update(on_hand=F("on_hand") + quantity, reserved=F("reserved") + reserved_delta, updated_at=now)
    if updated != 1:
        raise InsufficientStock(
            _("Not enough stock of %(part)s at %(wh)s.") % {"part": part.code, "wh": warehouse.code},
            extra={"part": part.pk, "warehouse": warehouse.pk},
        )
    move = StockMove.objects.create(
        at=now,
        move_type=move_type,
        part=part,
        warehouse=warehouse,
        store=store,
        lot=lot,
        quantity=quantity,
        reserved_delta=reserved_delta,
        unit_cost=part.avg_cost if unit_cost is None else unit_cost,
        actor=actor if actor is not None and actor.is_authenticated else None,
        doc_type=doc_type,
        doc_id=doc_id,
        request=request,
        reason=reason[:200],
    )
    available_change = quantity - reserved_delta
    if store == Store.GOOD and available_change:
        _watch_reorder_point(part.pk, warehouse.pk, available_change)
    return move


def _receive_at_cost(part: Part, quantity: int, unit_cost: Decimal) -> Part:
    """Fold a receipt into the part's moving-average cost (row lock on the part)."""
    part = Part.objects.select_for_update().get(pk=part.pk)
    on_hand = StockLevel.objects.filter(part=part, store=Store.GOOD).aggregate(n=Sum("on_hand"))["n"] or 0
    on_hand = max(on_hand, 0)
    total = on_hand + quantity
    new_avg = ((part.avg_cost * on_hand + unit_cost * quantity) / total).quantize(COST_PLACES)
    Part.objects.filter(pk=part.pk).update(avg_cost=new_avg)
    part.avg_cost = new_avg
    return part
