"""Every write to spare-parts stock. Each service is atomic, attributed and audited.

The one primitive is ``_post``: it writes one immutable ``StockMove`` and applies the same
deltas to the matching ``StockLevel`` with a conditional F() UPDATE in the same
transaction::

    UPDATE parts_stocklevel SET on_hand = on_hand + q, reserved = reserved + r
     WHERE id = … AND on_hand >= -q AND reserved >= -r AND on_hand >= reserved + (r - q)

If no row qualifies (rowcount 0) the stock is not there and ``InsufficientStock`` is
raised; the transaction rolls back, nothing is written. Under concurrency PostgreSQL
re-checks the WHERE clause on the latest row version after a competing writer commits, so
of N technicians taking the last unit exactly one UPDATE matches. CheckConstraints on the
level (on_hand >= 0, reserved >= 0, reserved <= on_hand) are the backstop.

Moving-average cost is kept per part (not per warehouse): a transfer moves value between
locations at the same cost, receipts anywhere update one average, and every location is
valued with it. ``Part.avg_cost`` changes only on receipts (and opening stock), under a
row lock on the part.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.core.audit import audit_record, diff_fields
from aftersales.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.permissions import user_is_partner
from aftersales.core.sequences import sequence_next
from aftersales.tickets.choices import Status as RequestStatus
from aftersales.tickets.services import can_act_on

from .choices import (
    TRANSFER_TRANSITIONS,
    AlertKind,
    CountStatus,
    DefectiveStatus,
    DocType,
    MoveType,
    ReservationStatus,
    Store,
    Tracking,
    TransferAction,
    TransferStatus,
    VanIssueStatus,
    WarehouseKind,
)
from .models import (
    Adjustment,
    Consumption,
    DefectiveReturn,
    Part,
    PurchaseReceipt,
    PurchaseReceiptLine,
    ReorderRule,
    Reservation,
    StockAlert,
    StockCount,
    StockCountLine,
    StockLevel,
    StockMove,
    TransferLine,
    TransferOrder,
    VanIssue,
    VanIssueLine,
    Warehouse,
)
from .permissions import JOB_ROLES, is_stock_staff, warehouse_usable_by
from .selectors import job_warehouse_list_for
from .signals import parts_event

COST_PLACES = Decimal("0.0001")
DEFECTIVE_DUE_DAYS = 7
# Requests on which parts may no longer be booked.
CLOSED_JOB_STATUSES = frozenset({RequestStatus.CANCELLED, RequestStatus.CLOSED})


class InsufficientStock(ConflictError):
    code = "insufficient_stock"
    status = 409
    default_message = _("Not enough stock.")


class IllegalTransition(ValidationFailed):
    code = "illegal_transition"
    status = 409


# --- permissions ----------------------------------------------------------------------


def _require_stock_staff(actor) -> None:
    if not is_stock_staff(actor):
        raise PermissionDeniedError(_("Only the parts team can do this."))


def warehouse_usable_on_job(user, warehouse: Warehouse) -> bool:
    """May ``user`` take parts out of ``warehouse`` for a job (reserve, consume) and put
    the unused ones back? Everything ``warehouse_usable_by`` allows and, for a technician,
    the counter of a shared warehouse (regional or partner outlet) of his own organization
    in a region he serves — never another technician's van, never the central warehouse
    (``selectors.job_warehouse_list_for`` is the rule)."""
    if warehouse_usable_by(user, warehouse):
        return True
    return user.role == Role.TECHNICIAN and job_warehouse_list_for(user).filter(pk=warehouse.pk).exists()


def _require_job_warehouse(actor, warehouse: Warehouse, message) -> None:
    if warehouse_usable_on_job(actor, warehouse):
        return
    if actor.role == Role.TECHNICIAN:
        message = _(
            "A technician takes parts from his own van, or at the counter of a regional warehouse or "
            "partner outlet of his organization in a region he serves."
        )
    raise PermissionDeniedError(message, fields={"warehouse": [message]})


def _positive(quantity, field: str = "quantity") -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise ValidationFailed(fields={field: [_("Enter a whole number of at least 1.")]})
    return quantity


def _lot_check(part: Part, lot: str, quantity: int, field: str = "lot") -> str:
    lot = (lot or "").strip()
    if part.tracking == Tracking.NONE and lot:
        raise ValidationFailed(fields={field: [_("This part is not tracked by batch or serial.")]})
    if part.tracking != Tracking.NONE and not lot:
        raise ValidationFailed(fields={field: [_("Give the batch or serial number of this part.")]})
    if part.tracking == Tracking.SERIAL and quantity != 1:
        raise ValidationFailed(fields={"quantity": [_("A serial-tracked part moves one at a time.")]})
    if len(lot) > 64:
        raise ValidationFailed(fields={field: [_("At most 64 characters.")]})
    return lot


def _number(prefix: str, now=None) -> str:
    now = now or timezone.now()
    return f"{prefix}{now:%Y}-{sequence_next(f'parts.{prefix}.{now:%Y}'):06d}"


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


# --- catalogue and locations ----------------------------------------------------------

PART_FIELDS = (
    "code",
    "name",
    "specification",
    "unit_of_measure",
    "cost",
    "price",
    "tracking",
    "warranty_months",
    "return_required",
    "is_active",
)


def _part_clean(data: dict) -> dict:
    errors: dict[str, list] = {}
    if "code" in data:
        data["code"] = (data["code"] or "").strip().upper()
        if not data["code"]:
            errors["code"] = [_("This field is required.")]
    if "name" in data and not (data["name"] or "").strip():
        errors["name"] = [_("This field is required.")]
    for money_field in ("cost", "price"):
        if money_field in data:
            try:
                data[money_field] = Decimal(str(data[money_field])).quantize(Decimal("0.01"))
            except Exception:  # noqa: BLE001
                errors[money_field] = [_("Enter a number.")]
                continue
            if data[money_field] < 0 or data[money_field] >= Decimal("1e10"):
                errors[money_field] = [_("Enter an amount from 0 to 9,999,999,999.")]
    if "tracking" in data and data["tracking"] not in Tracking.values:
        errors["tracking"] = [_("Choose one of: %(v)s") % {"v": ", ".join(Tracking.values)}]
    if errors:
        raise ValidationFailed(fields=errors)
    return data


@transaction.atomic
def part_create(*, actor, compatible_products=(), **data) -> Part:
    _require_stock_staff(actor)
    data = _part_clean({k: v for k, v in data.items() if k in PART_FIELDS})
    if Part.objects.filter(code=data["code"]).exists():
        raise ValidationFailed(fields={"code": [_("A part with this code exists already.")]})
    part = Part.objects.create(avg_cost=data.get("cost", Decimal("0")), **data)
    if compatible_products:
        part.compatible_products.set(compatible_products)
    audit_record(actor=actor, action="part.create", obj=part, changes={k: [None, v] for k, v in data.items()})
    return part


@transaction.atomic
def part_update(*, actor, part: Part, compatible_products=None, **data) -> Part:
    _require_stock_staff(actor)
    part = Part.objects.select_for_update().get(pk=part.pk)
    data = _part_clean({k: v for k, v in data.items() if k in PART_FIELDS})
    if "code" in data and Part.objects.filter(code=data["code"]).exclude(pk=part.pk).exists():
        raise ValidationFailed(fields={"code": [_("A part with this code exists already.")]})
    if "tracking" in data and data["tracking"] != part.tracking and part.moves.exists():
        raise ValidationFailed(fields={"tracking": [_("The tracking mode cannot change once stock has moved.")]})
    changes = diff_fields(part, data)
    part.save()
    if compatible_products is not None:
        part.compatible_products.set(compatible_products)
    audit_record(actor=actor, action="part.update", obj=part, changes=changes)
    return part


@transaction.atomic
def warehouse_create(
    *, actor, code: str, name: str, kind: str, organization, technician=None, region=None
) -> Warehouse:
    _require_stock_staff(actor)
    code = (code or "").strip().upper()
    errors: dict[str, list] = {}
    if not code:
        errors["code"] = [_("This field is required.")]
    elif Warehouse.objects.filter(code=code).exists():
        errors["code"] = [_("A warehouse with this code exists already.")]
    if not (name or "").strip():
        errors["name"] = [_("This field is required.")]
    if kind not in WarehouseKind.values:
        errors["kind"] = [_("Choose one of: %(v)s") % {"v": ", ".join(WarehouseKind.values)}]
    if kind == WarehouseKind.VAN:
        if technician is None or technician.role != Role.TECHNICIAN:
            errors["technician"] = [_("A van belongs to a technician.")]
        elif Warehouse.objects.filter(technician=technician).exists():
            errors["technician"] = [_("This technician has a van already.")]
        elif organization is not None and technician.organization_id != organization.pk:
            errors["technician"] = [_("The technician is not in that organization.")]
    elif technician is not None:
        errors["technician"] = [_("Only a van has a technician.")]
    if organization is None:
        errors["organization"] = [_("This field is required.")]
    if errors:
        raise ValidationFailed(fields=errors)
    wh = Warehouse.objects.create(
        code=code, name=name.strip(), kind=kind, organization=organization, technician=technician, region=region
    )
    audit_record(actor=actor, action="warehouse.create", obj=wh, changes={"code": [None, code], "kind": [None, kind]})
    return wh


WAREHOUSE_FIELDS = ("code", "name", "kind", "organization", "region", "is_active")


@transaction.atomic
def warehouse_update(*, actor, warehouse: Warehouse, **data) -> Warehouse:
    """Change a warehouse's code, name, kind, organization, region or open/closed state.

    A van stays a van (its technician does not change) and no other warehouse becomes
    one; a van belongs to its technician's organization; a warehouse is closed only once
    it holds no stock. On any error nothing is changed."""
    _require_stock_staff(actor)
    wh = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    errors: dict[str, list] = {}
    for name in sorted(set(data) - set(WAREHOUSE_FIELDS)):
        errors[name] = [_("This field cannot be changed.")]
    if "code" in data:
        data["code"] = (data["code"] or "").strip().upper()
        if not data["code"]:
            errors["code"] = [_("This field is required.")]
        elif len(data["code"]) > 32:
            errors["code"] = [_("At most 32 characters.")]
        elif Warehouse.objects.filter(code=data["code"]).exclude(pk=wh.pk).exists():
            errors["code"] = [_("A warehouse with this code exists already.")]
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            errors["name"] = [_("This field is required.")]
        elif len(data["name"]) > 100:
            errors["name"] = [_("At most 100 characters.")]
    if "kind" in data:
        if data["kind"] not in WarehouseKind.values:
            errors["kind"] = [_("Choose one of: %(v)s") % {"v": ", ".join(WarehouseKind.values)}]
        elif (data["kind"] == WarehouseKind.VAN) != (wh.kind == WarehouseKind.VAN):
            errors["kind"] = [_("A van stays a van and no other warehouse becomes one: create a new warehouse.")]
    if "organization" in data:
        org = data["organization"]
        if org is None:
            errors["organization"] = [_("This field is required.")]
        elif wh.kind == WarehouseKind.VAN and org.pk != wh.technician.organization_id:
            errors["organization"] = [_("A van belongs to its technician's organization.")]
    if "is_active" in data:
        data["is_active"] = bool(data["is_active"])
        holding = StockLevel.objects.filter(warehouse=wh).filter(Q(on_hand__gt=0) | Q(reserved__gt=0)).exists()
        if wh.is_active and not data["is_active"] and holding:
            errors["is_active"] = [_("This warehouse still holds stock: move it out before closing the warehouse.")]
    if errors:
        raise ValidationFailed(fields=errors)
    changes = diff_fields(wh, data)
    if changes:
        wh.save()
        audit_record(actor=actor, action="warehouse.update", obj=wh, changes=changes)
    return wh


REORDER_LIMITS = {
    "reorder_point": (0, 1_000_000),
    "reorder_quantity": (1, 1_000_000),
    "lead_time_days": (0, 365),
    "safety_stock": (0, 1_000_000),
}


def _reorder_clean(values: dict) -> dict:
    errors: dict[str, list] = {}
    for name, value in values.items():
        if name not in REORDER_LIMITS:
            errors[name] = [_("This field cannot be changed.")]
            continue
        low, high = REORDER_LIMITS[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors[name] = [
                _("Enter a whole number from %(low)s to %(high)s.") % {"low": f"{low:,}", "high": f"{high:,}"}
            ]
    if errors:
        raise ValidationFailed(fields=errors)
    return values


def _rule_target_check(part: Part, warehouse: Warehouse) -> None:
    errors = {}
    if not part.is_active:
        errors["part"] = [_("This part is no longer active.")]
    if not warehouse.is_active:
        errors["warehouse"] = [_("This warehouse is closed.")]
    if errors:
        raise ValidationFailed(fields=errors)


@transaction.atomic
def reorder_rule_set(
    *,
    actor,
    part: Part,
    warehouse: Warehouse,
    reorder_point: int,
    reorder_quantity: int,
    lead_time_days: int = 7,
    safety_stock: int = 0,
) -> ReorderRule:
    """Create the rule of ``part`` at ``warehouse`` or overwrite it (imports, demo data)."""
    _require_stock_staff(actor)
    values = _reorder_clean(
        {
            "reorder_point": reorder_point,
            "reorder_quantity": reorder_quantity,
            "lead_time_days": lead_time_days,
            "safety_stock": safety_stock,
        }
    )
    rule, created = ReorderRule.objects.select_for_update().get_or_create(
        part=part, warehouse=warehouse, defaults=values
    )
    changes = {}
    if not created:
        changes = diff_fields(rule, values)
        rule.save()
    audit_record(
        actor=actor, action="reorder_rule.set", obj=rule, changes=changes or {"reorder_point": [None, reorder_point]}
    )
    return rule


@transaction.atomic
def reorder_rule_create(
    *,
    actor,
    part: Part,
    warehouse: Warehouse,
    reorder_point: int,
    reorder_quantity: int,
    lead_time_days: int = 7,
    safety_stock: int = 0,
) -> ReorderRule:
    """Add the reorder rule of ``part`` at ``warehouse`` (one per pair). Opens the
    low-stock alert at once if available stock is already at or below the point."""
    _require_stock_staff(actor)
    values = _reorder_clean(
        {
            "reorder_point": reorder_point,
            "reorder_quantity": reorder_quantity,
            "lead_time_days": lead_time_days,
            "safety_stock": safety_stock,
        }
    )
    _rule_target_check(part, warehouse)
    duplicate = ValidationFailed(
        fields={"part": [_("This part has a reorder rule at this warehouse already: change that one.")]}
    )
    if ReorderRule.objects.filter(part=part, warehouse=warehouse).exists():
        raise duplicate
    try:
        with transaction.atomic():
            rule = ReorderRule.objects.create(part=part, warehouse=warehouse, **values)
    except IntegrityError:  # added concurrently
        raise duplicate from None
    _refresh_low_stock(part.pk, warehouse.pk, rule.reorder_point)
    audit_record(
        actor=actor,
        action="reorder_rule.create",
        obj=rule,
        changes={"part": [None, part.code], "warehouse": [None, warehouse.code]}
        | {k: [None, v] for k, v in values.items()},
    )
    return rule


@transaction.atomic
def reorder_rule_update(*, actor, rule: ReorderRule, **data) -> ReorderRule:
    """Change the point, quantity, lead time or safety stock of a rule (the part and the
    warehouse stay); the low-stock alert follows the new point."""
    _require_stock_staff(actor)
    rule = ReorderRule.objects.select_for_update(of=("self",)).select_related("part", "warehouse").get(pk=rule.pk)
    values = _reorder_clean(dict(data))
    changes = diff_fields(rule, values)
    if changes:
        rule.save()
        _refresh_low_stock(rule.part_id, rule.warehouse_id, rule.reorder_point)
        audit_record(actor=actor, action="reorder_rule.update", obj=rule, changes=changes)
    return rule


@transaction.atomic
def reorder_rule_delete(*, actor, rule: ReorderRule) -> None:
    """Remove a rule; an open low-stock alert of that part and warehouse is resolved."""
    _require_stock_staff(actor)
    rule = (
        ReorderRule.objects.select_for_update(of=("self",))
        .select_related("part", "warehouse")
        .filter(pk=rule.pk)
        .first()
    )
    if rule is None:
        raise NotFoundError()
    audit_record(
        actor=actor,
        action="reorder_rule.delete",
        obj=rule,
        changes={
            "part": [rule.part.code, None],
            "warehouse": [rule.warehouse.code, None],
            "reorder_point": [rule.reorder_point, None],
            "reorder_quantity": [rule.reorder_quantity, None],
        },
    )
    part_id, warehouse_id = rule.part_id, rule.warehouse_id
    rule.delete()
    _refresh_low_stock(part_id, warehouse_id, None)


# --- receipts -------------------------------------------------------------------------


def _lines_clean(lines: list[dict], *, with_cost: bool = False) -> list[dict]:
    if not lines:
        raise ValidationFailed(_("Add at least one line."), fields={"lines": [_("Add at least one line.")]})
    clean = []
    for i, line in enumerate(lines):
        part = line.get("part")
        if not isinstance(part, Part):
            raise ValidationFailed(fields={f"lines.{i}.part": [_("Unknown part.")]})
        qty = _positive(line.get("quantity"), f"lines.{i}.quantity")
        lot = _lot_check(part, line.get("lot", ""), qty, f"lines.{i}.lot")
        row = {"part": part, "quantity": qty, "lot": lot}
        if with_cost:
            try:
                cost = Decimal(str(line.get("unit_cost", part.cost))).quantize(Decimal("0.01"))
            except Exception:  # noqa: BLE001
                raise ValidationFailed(fields={f"lines.{i}.unit_cost": [_("Enter a number.")]}) from None
            if cost < 0 or cost >= Decimal("1e10"):
                raise ValidationFailed(fields={f"lines.{i}.unit_cost": [_("Enter an amount from 0 to 9,999,999,999.")]})
            row["unit_cost"] = cost
        clean.append(row)
    return clean


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
    before = transfer.status
    diff_fields(transfer, {"status": t.target, "status_changed_at": now, "reason": reason or transfer.reason})
    transfer.save()
    changes = {"status": [before, t.target]}
    if reason:
        changes["reason"] = [None, reason]
    audit_record(actor=actor, action=f"transfer.{action}", obj=transfer, changes=changes)
    return transfer


# --- van issues -----------------------------------------------------------------------


@transaction.atomic
def van_issue_request(*, actor, van: Warehouse, source: Warehouse, lines: list[dict], note: str = "") -> VanIssue:
    """A technician (for his own van) or the parts team asks for parts on a van."""
    if van.kind != WarehouseKind.VAN:
        raise ValidationFailed(fields={"van": [_("Choose a technician's van.")]})
    if not (is_stock_staff(actor) or (actor.role == Role.TECHNICIAN and van.technician_id == actor.pk)):
        raise PermissionDeniedError(_("You can only ask for parts on your own van."))
    errors: dict[str, list] = {}
    if source.pk == van.pk:
        errors["source"] = [_("Choose another warehouse than the van.")]
    elif source.kind == WarehouseKind.VAN:
        errors["source"] = [_("Parts for a van come from a warehouse, not from another van.")]
    elif not source.is_active:
        errors["source"] = [_("This warehouse is closed.")]
    if not van.is_active:
        errors["van"] = [_("This van is closed.")]
    if errors:
        raise ValidationFailed(fields=errors)
    clean = _lines_clean(lines)
    issue = VanIssue.objects.create(
        number=_number("VI"), source=source, van=van, note=(note or "")[:500], created_by=actor
    )
    for line in clean:
        VanIssueLine.objects.create(issue=issue, **line)
    audit_record(actor=actor, action="van_issue.request", obj=issue, changes={"status": [None, issue.status]})
    return issue


@transaction.atomic
def van_issue_decide(*, actor, issue: VanIssue, approve: bool, reason: str = "", now=None) -> VanIssue:
    """Approve (the parts leave the source and arrive on the van at once) or reject."""
    _require_stock_staff(actor)
    issue = VanIssue.objects.select_for_update().select_related("source", "van").get(pk=issue.pk)
    if issue.status != VanIssueStatus.REQUESTED:
        raise IllegalTransition(_("This van issue has been decided already."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("A reason is required for this step.")]})
    now = now or timezone.now()
    if approve:
        for line in issue.lines.select_related("part").order_by("pk"):
            common = {
                "actor": actor,
                "part": line.part,
                "lot": line.lot,
                "doc_type": DocType.VAN_ISSUE,
                "doc_id": issue.pk,
                "now": now,
            }
            _post(move_type=MoveType.ISSUE_OUT, warehouse=issue.source, quantity=-line.quantity, **common)
            _post(move_type=MoveType.ISSUE_IN, warehouse=issue.van, quantity=line.quantity, **common)
    target = VanIssueStatus.APPROVED if approve else VanIssueStatus.REJECTED
    before = issue.status
    diff_fields(issue, {"status": target, "decided_by": actor, "decided_at": now, "reason": reason})
    issue.save()
    audit_record(
        actor=actor,
        action=f"van_issue.{'approve' if approve else 'reject'}",
        obj=issue,
        changes={"status": [before, target]},
    )
    return issue


# --- jobs: reservations, consumption, returns ------------------------------------------


def _job_check(actor, request, warehouse: Warehouse) -> None:
    if not can_act_on(actor, request):
        raise NotFoundError()
    if not actor.has_role(*JOB_ROLES):
        raise PermissionDeniedError(_("Your role cannot book parts on a job."))
    if request.status in CLOSED_JOB_STATUSES:
        raise IllegalTransition(_("Parts cannot be booked on a closed or cancelled request."))
    _require_job_warehouse(actor, warehouse, _("You cannot take parts from this warehouse."))


def _default_warehouse(actor, warehouse):
    if warehouse is not None:
        return warehouse
    van = Warehouse.objects.filter(technician=actor).first() if actor.is_authenticated else None
    if van is None:
        raise ValidationFailed(fields={"warehouse": [_("Choose the warehouse the part comes from.")]})
    return van


@transaction.atomic
def part_reserve(
    *, actor, request, part: Part, quantity: int, warehouse: Warehouse | None = None, lot: str = ""
) -> Reservation:
    """Hold ``quantity`` of ``part`` at ``warehouse`` for the job (reserved += quantity)."""
    warehouse = _default_warehouse(actor, warehouse)
    _job_check(actor, request, warehouse)
    quantity = _positive(quantity)
    lot = _lot_check(part, lot, quantity)
    res = Reservation.objects.create(
        request=request, part=part, warehouse=warehouse, lot=lot, quantity=quantity, created_by=actor
    )
    _post(
        actor=actor,
        move_type=MoveType.RESERVE,
        part=part,
        warehouse=warehouse,
        lot=lot,
        quantity=0,
        reserved_delta=quantity,
        doc_type=DocType.RESERVATION,
        doc_id=res.pk,
        request=request,
    )
    audit_record(actor=actor, action="reservation.create", obj=res, changes={"quantity": [None, quantity]})
    return res


@transaction.atomic
def reservation_release(*, actor, reservation: Reservation, reason: str = "") -> Reservation:
    res = Reservation.objects.select_for_update().select_related("request", "part", "warehouse").get(pk=reservation.pk)
    if not can_act_on(actor, res.request):
        raise NotFoundError()
    if not actor.has_role(*JOB_ROLES):
        raise PermissionDeniedError(_("You cannot release parts at this warehouse."))
    _require_job_warehouse(actor, res.warehouse, _("You cannot release parts at this warehouse."))
    if res.status != ReservationStatus.ACTIVE:
        raise IllegalTransition(_("This reservation is not active."))
    _post(
        actor=actor,
        move_type=MoveType.UNRESERVE,
        part=res.part,
        warehouse=res.warehouse,
        lot=res.lot,
        quantity=0,
        reserved_delta=-res.quantity,
        doc_type=DocType.RESERVATION,
        doc_id=res.pk,
        request=res.request,
        reason=reason,
    )
    Reservation.objects.filter(pk=res.pk).update(status=ReservationStatus.RELEASED, updated_at=timezone.now())
    res.status = ReservationStatus.RELEASED
    audit_record(actor=actor, action="reservation.release", obj=res, changes={"status": ["active", "released"]})
    return res


@transaction.atomic
def part_consume(
    *,
    actor,
    request,
    part: Part,
    quantity: int,
    warehouse: Warehouse | None = None,
    lot: str = "",
    unit=None,
    reservation: Reservation | None = None,
    old_serial: str = "",
    expect_return: bool | None = None,
    note: str = "",
    now=None,
) -> Consumption:
    """Book ``quantity`` of ``part`` as used on the job ``request`` (R-FLD-3, R-PRT-3).

    - ``warehouse``: where the part comes from; default: the actor's van (technicians).
    - ``lot``: the batch or serial number, required for tracked parts (serial: quantity 1).
    - ``unit``: the customer's product unit it went into; default: ``request.unit``.
    - ``reservation``: consume a reservation of this job (its warehouse and lot are used;
      anything reserved beyond ``quantity`` is released). Without it the part comes out of
      the available (unreserved) stock.
    - ``old_serial`` / ``expect_return``: the old part taken out; when a return is expected
      (default: ``part.return_required``) a ``DefectiveReturn`` due in 7 days is opened.

    Raises ``InsufficientStock`` (409, code "insufficient_stock") when the stock is not
    there — also when concurrent consumers took it first; NotFoundError for a job the actor
    may not see; PermissionDeniedError for a warehouse not his (a technician: only his van).
    Returns the ``Consumption``; its ``unit_cost`` is the moving-average cost at that time.
    """
    now = now or timezone.now()
    quantity = _positive(quantity)
    if reservation is not None:
        reservation = Reservation.objects.select_for_update().select_related("warehouse").get(pk=reservation.pk)
        if reservation.request_id != request.pk or reservation.part_id != part.pk:
            raise ValidationFailed(fields={"reservation": [_("This reservation is for another job or part.")]})
        if reservation.status != ReservationStatus.ACTIVE:
            raise IllegalTransition(_("This reservation is not active."))
        if quantity > reservation.quantity:
            raise ValidationFailed(fields={"quantity": [_("More than was reserved.")]})
        warehouse, lot = reservation.warehouse, reservation.lot
    warehouse = _default_warehouse(actor, warehouse)
    _job_check(actor, request, warehouse)
    lot = _lot_check(part, lot, quantity)
    if unit is not None and request.unit_id and unit.pk != request.unit_id:
        raise ValidationFailed(fields={"unit": [_("The unit of this request is another one.")]})
    unit = unit or request.unit
    consumption = Consumption.objects.create(
        request=request,
        unit=unit,
        part=part,
        warehouse=warehouse,
        lot=lot,
        quantity=quantity,
        unit_cost=part.avg_cost,
        reservation=reservation,
        created_by=actor,
        note=(note or "")[:500],
        created_at=now,
    )
    _post(
        actor=actor,
        move_type=MoveType.CONSUME,
        part=part,
        warehouse=warehouse,
        lot=lot,
        quantity=-quantity,
        reserved_delta=-quantity if reservation is not None else 0,
        doc_type=DocType.CONSUMPTION,
        doc_id=consumption.pk,
        request=request,
        now=now,
    )
    if reservation is not None:
        rest = reservation.quantity - quantity
        if rest:
            _post(
                actor=actor,
                move_type=MoveType.UNRESERVE,
                part=part,
                warehouse=warehouse,
                lot=lot,
                quantity=0,
                reserved_delta=-rest,
                doc_type=DocType.RESERVATION,
                doc_id=reservation.pk,
                request=request,
                now=now,
            )
        Reservation.objects.filter(pk=reservation.pk).update(status=ReservationStatus.CONSUMED, updated_at=now)
    if expect_return is None:
        expect_return = part.return_required
    if expect_return:
        technician = request.assigned_technician or (actor if actor.role == Role.TECHNICIAN else None)
        DefectiveReturn.objects.create(
            consumption=consumption,
            request=request,
            part=part,
            quantity=quantity,
            old_serial=(old_serial or "").strip()[:64],
            technician=technician,
            due_date=timezone.localdate(now) + datetime.timedelta(days=DEFECTIVE_DUE_DAYS),
        )
    audit_record(
        actor=actor,
        action="part.consume",
        obj=consumption,
        changes={"part": [None, part.code], "quantity": [None, quantity], "request": [None, request.number]},
    )
    return consumption


@transaction.atomic
def part_return_unused(
    *, actor, consumption: Consumption, quantity: int, warehouse: Warehouse | None = None
) -> StockMove:
    """Put back parts booked on a job but not used (into ``warehouse``, default where they came from)."""
    consumption = (
        Consumption.objects.select_for_update().select_related("request", "part", "warehouse").get(pk=consumption.pk)
    )
    warehouse = warehouse or consumption.warehouse
    if not can_act_on(actor, consumption.request):
        raise NotFoundError()
    if not actor.has_role(*JOB_ROLES):
        raise PermissionDeniedError(_("You cannot put parts into this warehouse."))
    _require_job_warehouse(actor, warehouse, _("You cannot put parts into this warehouse."))
    quantity = _positive(quantity)
    if quantity > consumption.quantity - consumption.returned_quantity:
        raise ValidationFailed(fields={"quantity": [_("More than was used on the job and not yet returned.")]})
    Consumption.objects.filter(pk=consumption.pk).update(returned_quantity=F("returned_quantity") + quantity)
    move = _post(
        actor=actor,
        move_type=MoveType.RETURN_UNUSED,
        part=consumption.part,
        warehouse=warehouse,
        lot=consumption.lot,
        quantity=quantity,
        unit_cost=consumption.unit_cost,
        doc_type=DocType.CONSUMPTION,
        doc_id=consumption.pk,
        request=consumption.request,
    )
    audit_record(actor=actor, action="part.return_unused", obj=consumption, changes={"returned": [None, quantity]})
    return move


@transaction.atomic
def defective_return_open(
    *, actor, request, part: Part, quantity: int = 1, old_serial: str = "", due_date=None
) -> DefectiveReturn:
    """Expect an old part back from a job without a consumption record (e.g. a swap)."""
    if not can_act_on(actor, request):
        raise NotFoundError()
    if not actor.has_role(*JOB_ROLES):
        raise PermissionDeniedError()
    quantity = _positive(quantity)
    ret = DefectiveReturn.objects.create(
        request=request,
        part=part,
        quantity=quantity,
        old_serial=(old_serial or "").strip()[:64],
        technician=request.assigned_technician,
        due_date=due_date or timezone.localdate() + datetime.timedelta(days=DEFECTIVE_DUE_DAYS),
    )
    audit_record(actor=actor, action="defective_return.open", obj=ret, changes={"due_date": [None, ret.due_date]})
    return ret


@transaction.atomic
def defective_return_receive(
    *, actor, defective_return: DefectiveReturn, warehouse: Warehouse, note: str = "", now=None
) -> DefectiveReturn:
    """The old part is handed in: it enters the defective store of ``warehouse``."""
    ret = DefectiveReturn.objects.select_for_update().select_related("request", "part").get(pk=defective_return.pk)
    if not can_act_on(actor, ret.request) and not is_stock_staff(actor):
        raise NotFoundError()
    if not actor.has_role(*JOB_ROLES) or not warehouse_usable_by(actor, warehouse):
        raise PermissionDeniedError(_("You cannot put parts into this warehouse."))
    if ret.status != DefectiveStatus.PENDING:
        raise IllegalTransition(_("This old part is not awaited any more."))
    now = now or timezone.now()
    _post(
        actor=actor,
        move_type=MoveType.DEFECTIVE_IN,
        part=ret.part,
        warehouse=warehouse,
        store=Store.DEFECTIVE,
        lot=ret.old_serial,
        quantity=ret.quantity,
        unit_cost=Decimal("0"),
        doc_type=DocType.DEFECTIVE_RETURN,
        doc_id=ret.pk,
        request=ret.request,
        now=now,
    )
    diff_fields(
        ret,
        {
            "status": DefectiveStatus.RECEIVED,
            "received_at": now,
            "received_into": warehouse,
            "note": (note or ret.note)[:500],
        },
    )
    ret.save()
    audit_record(
        actor=actor,
        action="defective_return.receive",
        obj=ret,
        changes={"status": ["pending", "received"], "warehouse": [None, warehouse.code]},
    )
    return ret


@transaction.atomic
def defective_return_waive(*, actor, defective_return: DefectiveReturn, reason: str) -> DefectiveReturn:
    _require_stock_staff(actor)
    ret = DefectiveReturn.objects.select_for_update().get(pk=defective_return.pk)
    if ret.status != DefectiveStatus.PENDING:
        raise IllegalTransition(_("This old part is not awaited any more."))
    if not (reason or "").strip():
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("A reason is required for this step.")]})
    diff_fields(ret, {"status": DefectiveStatus.WAIVED, "note": reason.strip()[:500]})
    ret.save()
    audit_record(
        actor=actor,
        action="defective_return.waive",
        obj=ret,
        changes={"status": ["pending", "waived"], "reason": reason},
    )
    return ret


@transaction.atomic
def defective_return_remind(*, now=None) -> list[int]:
    """Remind about every overdue old part once a day (Huey periodic task / command).

    Marks ``reminded_at`` and counts reminders; each reminder is sent on commit as
    ``parts_event(kind="defective_overdue")`` for the notifications app to deliver."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start_of_day = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    overdue = list(
        DefectiveReturn.objects.select_for_update(skip_locked=True)
        .filter(status=DefectiveStatus.PENDING, due_date__lt=today)
        .exclude(reminded_at__gte=start_of_day)
        .order_by("due_date", "id")
        .values_list("pk", "technician_id", "request_id", "due_date")
    )
    ids = [row[0] for row in overdue]
    if ids:
        DefectiveReturn.objects.filter(pk__in=ids).update(reminded_at=now, reminders=F("reminders") + 1)
    for pk, tech, req, due in overdue:
        data = {"technician": tech, "request": req, "due_date": due.isoformat()}
        transaction.on_commit(
            lambda pk=pk, data=data: parts_event.send(
                sender=DefectiveReturn, kind=AlertKind.DEFECTIVE_OVERDUE, object_id=pk, data=data
            )
        )
    return ids


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
    target = CountStatus.COUNTED if complete else CountStatus.OPEN
    StockCount.objects.filter(pk=count.pk).update(status=target, updated_at=timezone.now())
    count.status = target
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
    StockCount.objects.filter(pk=count.pk).update(
        status=CountStatus.APPROVED, approved_by=actor, approved_at=now, updated_at=now
    )
    count.status = CountStatus.APPROVED
    audit_record(actor=actor, action="count.approve", obj=count, changes={"status": ["counted", "approved"]})
    return count


@transaction.atomic
def count_cancel(*, actor, count: StockCount) -> StockCount:
    _require_stock_staff(actor)
    count = StockCount.objects.select_for_update().get(pk=count.pk)
    if count.status not in (CountStatus.OPEN, CountStatus.COUNTED):
        raise IllegalTransition(_("This count is closed."))
    StockCount.objects.filter(pk=count.pk).update(status=CountStatus.CANCELLED, updated_at=timezone.now())
    count.status = CountStatus.CANCELLED
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
