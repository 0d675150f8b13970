"""Parts and warehouses: create and edit."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import Role
from aftersales.core.audit import audit_record, diff_fields
from aftersales.core.errors import ValidationFailed

from ..choices import (
    Tracking,
    WarehouseKind,
)
from ..models import (
    Part,
    StockLevel,
    Warehouse,
)
from ._common import _require_stock_staff
from .ledger import low_stock_alerts_sync

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
    if "is_active" in changes:  # an inactive part is not watched for low stock
        low_stock_alerts_sync(part_id=part.pk)
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
        if "is_active" in changes:  # a closed warehouse is not watched for low stock
            low_stock_alerts_sync(warehouse_id=wh.pk)
        audit_record(actor=actor, action="warehouse.update", obj=wh, changes=changes)
    return wh
