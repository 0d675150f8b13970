"""The ledger primitive ``_post`` (one immutable ``StockMove`` + the same deltas on the ``StockLevel``),
the moving-average cost, and the low-stock alerts it keeps in step. See the package docstring."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.audit import person

from ..choices import (
    AlertKind,
    Store,
)
from ..models import (
    Part,
    StockAlert,
    StockLevel,
    StockMove,
    Warehouse,
)
from ..selectors import low_stock_state, reorder_needed, reorder_rules_low
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


def low_stock_alert_sync(part_id: int, warehouse_id: int, *, rule_changed: bool = False) -> StockAlert | None:
    """Open the low-stock alert of a part at a warehouse when the low-stock rule says so
    (``selectors.reorder_needed``: a watched reorder rule, available stock at or below its point) and
    none is open; resolve the open one when it no longer does. Called whenever available stock moves
    (``_post``), and with ``rule_changed`` whenever a rule is added, changed or removed or a part or
    warehouse opens or closes — so the open alerts are exactly the rows of ``selectors.low_stock_for``.
    The parts clerks are notified on commit when an alert opens."""
    rule, watched, available = low_stock_state(part_id, warehouse_id)
    if rule is None and not rule_changed:
        return None  # no rule, so no open alert: removing a rule resolves its alert
    open_alert = StockAlert.objects.filter(
        kind=AlertKind.LOW_STOCK, part_id=part_id, warehouse_id=warehouse_id, resolved_at__isnull=True
    )
    if watched and reorder_needed(available, rule.reorder_point):
        if not open_alert.exists():
            return _open_low_stock_alert(part_id, warehouse_id, available, rule.reorder_point)
        return None
    open_alert.update(resolved_at=timezone.now())
    return None


def low_stock_alerts_sync(*, part_id: int | None = None, warehouse_id: int | None = None) -> dict[str, int]:
    """Bring the low-stock alerts (of one part, one warehouse, or all) in line with the low-stock list:
    open the missing ones (notifying), resolve the stale ones (alerts written before the rule was one,
    a part or warehouse closed, data loaded around the services). Returns how many of each."""
    low = reorder_rules_low()
    alerts = StockAlert.objects.filter(kind=AlertKind.LOW_STOCK, resolved_at__isnull=True)
    if part_id is not None:
        low, alerts = low.filter(part_id=part_id), alerts.filter(part_id=part_id)
    if warehouse_id is not None:
        low, alerts = low.filter(warehouse_id=warehouse_id), alerts.filter(warehouse_id=warehouse_id)
    should = set(low.values_list("part_id", "warehouse_id"))
    are = set(alerts.values_list("part_id", "warehouse_id"))
    for pair in sorted(should ^ are):
        low_stock_alert_sync(*pair, rule_changed=True)
    return {"opened": len(should - are), "resolved": len(are - should)}


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
        actor=person(actor),
        doc_type=doc_type,
        doc_id=doc_id,
        request=request,
        reason=reason[:200],
    )
    if store == Store.GOOD and quantity - reserved_delta:
        low_stock_alert_sync(part.pk, warehouse.pk)
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
