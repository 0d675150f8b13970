"""Changing parts, warehouses and reorder rules: attributed, audited, validated; a refused
change leaves everything as it was."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.accounts.choices import Role
from aftersales.core.errors import PermissionDeniedError, ValidationFailed
from aftersales.core.models import AuditEvent
from aftersales.parts.choices import AlertKind, Tracking, WarehouseKind
from aftersales.parts.models import Part, ReorderRule, StockAlert, Warehouse
from aftersales.parts.services import (
    adjustment_create,
    part_update,
    reorder_rule_create,
    reorder_rule_delete,
    reorder_rule_update,
    van_issue_request,
    warehouse_update,
)

from .factories import make_part, make_region, make_van, make_warehouse, stock

pytestmark = pytest.mark.django_db


def audits(action):
    return list(AuditEvent.objects.filter(action=action).values_list("changes", flat=True))


def test_part_update_audits_the_diff(clerk, technician):
    part = make_part(clerk, code="PT-OLD", cost="10.00")
    part_update(actor=clerk, part=part, name="新名字", price=Decimal("33.5"), is_active=False)
    part.refresh_from_db()
    assert (part.name, part.price, part.is_active) == ("新名字", Decimal("33.50"), False)
    (changes,) = audits("part.update")
    assert changes["price"] == ["20.00", "33.50"] and changes["is_active"] == [True, False]
    with pytest.raises(PermissionDeniedError):
        part_update(actor=technician, part=part, name="x")


def test_part_update_refuses_bad_input_and_changes_nothing(clerk):
    part = make_part(clerk, code="PT-A")
    make_part(clerk, code="PT-B")
    wh = make_warehouse(clerk)
    stock(clerk, wh, part, 1)
    for bad in ({"code": "pt-b"}, {"name": " "}, {"cost": "-1"}, {"tracking": Tracking.SERIAL}, {"tracking": "nope"}):
        with pytest.raises(ValidationFailed) as exc:
            part_update(actor=clerk, part=part, **bad)
        assert set(exc.value.fields) == set(bad)
    fresh = Part.objects.get(pk=part.pk)
    assert (fresh.code, fresh.tracking, fresh.cost) == ("PT-A", Tracking.NONE, part.cost)
    assert audits("part.update") == []


def test_warehouse_update(clerk, manager, technician):
    region = make_region(clerk)
    wh = make_warehouse(clerk, kind=WarehouseKind.REGIONAL)
    warehouse_update(
        actor=manager, warehouse=wh, code=" rdc-east ", name="华东仓", kind=WarehouseKind.OUTLET, region=region
    )
    wh.refresh_from_db()
    assert (wh.code, wh.name, wh.kind, wh.region) == ("RDC-EAST", "华东仓", WarehouseKind.OUTLET, region)
    (changes,) = audits("warehouse.update")
    assert changes["code"][1] == "RDC-EAST" and changes["region"] == [None, region.pk]
    warehouse_update(actor=manager, warehouse=wh, name="华东仓")  # no change: no audit row
    assert len(audits("warehouse.update")) == 1
    with pytest.raises(PermissionDeniedError):
        warehouse_update(actor=technician, warehouse=wh, name="x")


def test_warehouse_update_refuses_bad_input_and_changes_nothing(clerk, technician, partner_org):
    part = make_part(clerk)
    central = make_warehouse(clerk)
    van = make_van(clerk, technician)
    stock(clerk, central, part, 2)
    cases = [
        (central, {"code": van.code}),
        (central, {"code": "  "}),
        (central, {"name": ""}),
        (central, {"kind": WarehouseKind.VAN}),
        (central, {"kind": "garage"}),
        (central, {"organization": None}),
        (central, {"is_active": False}),  # still holds stock
        (central, {"technician": technician}),  # not changeable
        (van, {"kind": WarehouseKind.CENTRAL}),
        (van, {"organization": partner_org}),
    ]
    for wh, bad in cases:
        with pytest.raises(ValidationFailed) as exc:
            warehouse_update(actor=clerk, warehouse=wh, **bad)
        assert set(exc.value.fields) == set(bad), bad
    assert Warehouse.objects.get(pk=central.pk).is_active and Warehouse.objects.get(pk=van.pk).kind == "van"
    assert audits("warehouse.update") == []
    adjustment_create(actor=clerk, warehouse=central, part=part, quantity=-2, reason="scrapped")
    assert warehouse_update(actor=clerk, warehouse=central, is_active=False).is_active is False


def test_closed_warehouse_is_no_van_issue_source(clerk, technician):
    central = make_warehouse(clerk)
    van = make_van(clerk, technician)
    part = make_part(clerk)
    central = warehouse_update(actor=clerk, warehouse=central, is_active=False)
    with pytest.raises(ValidationFailed) as exc:
        van_issue_request(actor=clerk, van=van, source=central, lines=[{"part": part, "quantity": 1}])
    assert "source" in exc.value.fields


def test_van_issue_never_from_another_van(clerk, technician, make_user):
    van = make_van(clerk, technician)
    other_van = make_van(clerk, make_user(Role.TECHNICIAN))
    part = make_part(clerk)
    stock(clerk, other_van, part, 1)
    with pytest.raises(ValidationFailed) as exc:
        van_issue_request(actor=technician, van=van, source=other_van, lines=[{"part": part, "quantity": 1}])
    assert "source" in exc.value.fields


def test_reorder_rule_create_update_delete_with_alerts(clerk, django_capture_on_commit_callbacks):
    part = make_part(clerk)
    wh = make_warehouse(clerk)
    stock(clerk, wh, part, 5)
    rule = reorder_rule_create(actor=clerk, part=part, warehouse=wh, reorder_point=2, reorder_quantity=10)
    assert (rule.lead_time_days, rule.safety_stock) == (7, 0)
    assert not StockAlert.objects.exists()
    with django_capture_on_commit_callbacks() as callbacks:
        reorder_rule_update(actor=clerk, rule=rule, reorder_point=5, lead_time_days=3)
    alert = StockAlert.objects.get(kind=AlertKind.LOW_STOCK, part=part, warehouse=wh)
    assert (alert.available, alert.threshold, alert.resolved_at) == (5, 5, None)
    assert len(callbacks) == 1  # the notification goes out on commit
    reorder_rule_update(actor=clerk, rule=rule, reorder_point=4)
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    reorder_rule_update(actor=clerk, rule=rule, reorder_point=6)
    reorder_rule_delete(actor=clerk, rule=rule)
    assert not ReorderRule.objects.exists()
    assert not StockAlert.objects.filter(resolved_at__isnull=True).exists()
    assert [
        a for a in AuditEvent.objects.order_by("pk").values_list("action", flat=True) if a.startswith("reorder_rule")
    ] == [
        "reorder_rule.create",
        "reorder_rule.update",
        "reorder_rule.update",
        "reorder_rule.update",
        "reorder_rule.delete",
    ]


def test_reorder_rule_refuses_bad_input_and_changes_nothing(clerk, technician):
    part = make_part(clerk)
    wh = make_warehouse(clerk)
    rule = reorder_rule_create(actor=clerk, part=part, warehouse=wh, reorder_point=2, reorder_quantity=10)
    with pytest.raises(ValidationFailed) as exc:  # one rule per part and warehouse
        reorder_rule_create(actor=clerk, part=part, warehouse=wh, reorder_point=3, reorder_quantity=10)
    assert "part" in exc.value.fields
    for bad in (
        {"reorder_point": -1},
        {"reorder_quantity": 0},
        {"lead_time_days": 400},
        {"safety_stock": True},
        {"safety_stock": "3"},
        {"part": part},
    ):
        with pytest.raises(ValidationFailed) as exc:
            reorder_rule_update(actor=clerk, rule=rule, **bad)
        assert set(exc.value.fields) == set(bad)
    rule.refresh_from_db()
    assert (rule.reorder_point, rule.reorder_quantity, rule.lead_time_days, rule.safety_stock) == (2, 10, 7, 0)
    closed = warehouse_update(actor=clerk, warehouse=make_warehouse(clerk), is_active=False)
    with pytest.raises(ValidationFailed) as exc:
        reorder_rule_create(actor=clerk, part=part, warehouse=closed, reorder_point=1, reorder_quantity=1)
    assert "warehouse" in exc.value.fields
    for call in (
        lambda: reorder_rule_create(actor=technician, part=part, warehouse=wh, reorder_point=1, reorder_quantity=1),
        lambda: reorder_rule_update(actor=technician, rule=rule, reorder_point=1),
        lambda: reorder_rule_delete(actor=technician, rule=rule),
    ):
        with pytest.raises(PermissionDeniedError):
            call()
    assert ReorderRule.objects.count() == 1
