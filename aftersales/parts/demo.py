"""Demo spare parts, written through the real services: ``demo_parts(rng=...)``.

A catalogue that fits the demo products (``catalog.demo.PRODUCTS``), the central
warehouse 上海中心仓, a regional warehouse, the partner's outlet, a van for every
technician, purchase receipts, transfers in several states, van issues, reorder rules,
consumptions on completed demo requests (with old parts returned, and one overdue), and
a stock count. Idempotent: does nothing when the central warehouse exists already.
Run by ``manage.py demo_data`` (``demo_load``, see ``core.demos``) after the requests (it needs them).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.accounts.demo import OWN_ORG, PARTNER_ORG
from aftersales.accounts.models import Organization, User
from aftersales.catalog.models import Product
from aftersales.customers.models import Region
from aftersales.tickets.choices import Status
from aftersales.tickets.models import ServiceRequest

from .choices import Tracking, TransferAction, WarehouseKind
from .models import StockLevel, Warehouse
from .services import (
    count_approve,
    count_create,
    count_enter,
    defective_return_receive,
    part_consume,
    part_create,
    receipt_create,
    reorder_rule_set,
    transfer_create,
    transfer_transition,
    van_issue_decide,
    van_issue_request,
    warehouse_create,
)

DEMO_ORDER = 70
CENTRAL = "SH-CENTRAL"

# code, name, specification, unit, cost, price, tracking, warranty months, return old part, product model prefixes
PARTS = [
    (
        "AC-PCB-35",
        "空调主控板",
        "KFR-35GW 变频",
        "块",
        "186.00",
        "380.00",
        Tracking.SERIAL,
        12,
        True,
        ["KFR-35", "KFR-26"],
    ),
    (
        "AC-CMP-R32",
        "变频压缩机 R32",
        "1.5匹",
        "台",
        "820.00",
        "1500.00",
        Tracking.SERIAL,
        24,
        True,
        ["KFR-35", "KFR-72"],
    ),
    ("AC-FAN-IN", "室内贯流风扇", "Φ95×600", "个", "38.00", "90.00", Tracking.NONE, 6, False, ["KFR-"]),
    ("AC-CAP-35", "压缩机启动电容", "35μF 450V", "个", "12.50", "45.00", Tracking.BATCH, 6, False, ["KFR-"]),
    ("AC-REM-01", "空调遥控器", "通用型", "个", "15.00", "40.00", Tracking.NONE, 3, False, ["KFR-"]),
    ("FR-THM-01", "冰箱温控器", "风冷", "个", "42.00", "110.00", Tracking.BATCH, 12, True, ["BCD-"]),
    (
        "FR-GSK-520",
        "冰箱门封条",
        "520升对开门",
        "条",
        "55.00",
        "130.00",
        Tracking.NONE,
        6,
        False,
        ["BCD-520", "BCD-405"],
    ),
    ("WM-MTR-DD10", "直驱电机", "10公斤滚筒", "台", "460.00", "900.00", Tracking.SERIAL, 24, True, ["XQG"]),
    ("WM-PMP-01", "排水泵", "通用", "个", "48.00", "120.00", Tracking.BATCH, 12, True, ["XQG", "TB80"]),
    ("WM-BLT-01", "波轮皮带", "8公斤", "条", "18.00", "50.00", Tracking.NONE, 6, False, ["TB80"]),
    ("WH-IGN-16", "燃气热水器点火器", "16升", "个", "65.00", "160.00", Tracking.BATCH, 12, True, ["JSQ30"]),
    ("WH-ELM-60", "电热水器加热管", "2000W", "根", "75.00", "180.00", Tracking.NONE, 12, True, ["F60"]),
    ("TV-PWR-65", "电视电源板", "65英寸", "块", "210.00", "450.00", Tracking.SERIAL, 12, True, ["65E7K", "75U8K"]),
    (
        "TV-REM-01",
        "电视遥控器",
        "语音",
        "个",
        "35.00",
        "89.00",
        Tracking.NONE,
        3,
        False,
        ["65E7K", "55A6K", "75U8K", "43E3K"],
    ),
    ("SF-MTR-01", "电动沙发推杆电机", "24V", "个", "150.00", "320.00", Tracking.NONE, 12, True, ["HX-SF-5520"]),
    ("SF-LEG-01", "沙发脚（4只装）", "实木", "套", "40.00", "98.00", Tracking.NONE, 12, False, ["HX-SF-"]),
    ("WD-HNG-SOFT", "阻尼铰链", "衣柜门", "套", "22.00", "60.00", Tracking.NONE, 24, False, ["HX-WD-"]),
    ("WD-RAIL-01", "推拉门滑轨", "1.8m", "根", "68.00", "150.00", Tracking.NONE, 24, False, ["HX-WD-4D", "HX-WD-CUS"]),
    ("MT-CVR-18", "床垫外套", "1.8m", "件", "120.00", "260.00", Tracking.NONE, 12, False, ["HX-MT-"]),
    ("DT-GLD-01", "餐桌转盘轴承", "Φ600", "个", "45.00", "110.00", Tracking.NONE, 12, False, ["HX-DT-RD12"]),
]


def _products_for(prefixes: list[str]) -> list[Product]:
    out = []
    for p in Product.objects.all():
        if any(p.model_code.startswith(pre) for pre in prefixes):
            out.append(p)
    return out


def demo_parts(*, rng: random.Random) -> dict:
    """Create the demo parts data (see the module docstring); returns a few counts."""
    if Warehouse.objects.filter(code=CENTRAL).exists():
        return {"created": False}
    clerk = User.objects.filter(role=Role.PARTS_CLERK, is_active=True).order_by("pk").first()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    actor = clerk or admin
    own = Organization.objects.get(name=OWN_ORG)
    partner = Organization.objects.filter(name=PARTNER_ORG).first()
    regions = list(Region.objects.order_by("code"))
    shanghai = next((r for r in regions if "上海" in r.city), regions[0] if regions else None)
    suzhou = next((r for r in regions if "苏州" in r.city), shanghai)
    now = timezone.now()
    with transaction.atomic():
        parts = {}
        for code, name, spec, uom, cost, price, tracking, months, ret, prefixes in PARTS:
            parts[code] = part_create(
                actor=actor,
                code=code,
                name=name,
                specification=spec,
                unit_of_measure=uom,
                cost=Decimal(cost),
                price=Decimal(price),
                tracking=tracking,
                warranty_months=months,
                return_required=ret,
                compatible_products=_products_for(prefixes),
            )
        central = warehouse_create(
            actor=actor, code=CENTRAL, name="上海中心仓", kind=WarehouseKind.CENTRAL, organization=own, region=shanghai
        )
        regional = warehouse_create(
            actor=actor,
            code="SZ-REGION",
            name="苏州区域仓",
            kind=WarehouseKind.REGIONAL,
            organization=own,
            region=suzhou,
        )
        outlet = None
        if partner is not None:
            outlet = warehouse_create(
                actor=actor,
                code="SZ-ANJIA",
                name="苏州安家服务网点",
                kind=WarehouseKind.OUTLET,
                organization=partner,
                region=suzhou,
            )
        vans = {}
        for tech in User.objects.filter(role=Role.TECHNICIAN, is_active=True, organization__isnull=False).order_by(
            "pk"
        ):
            vans[tech.pk] = warehouse_create(
                actor=actor,
                code=f"VAN-{tech.username.upper()}"[:32],
                name=f"{tech.display_name}的工具车",
                kind=WarehouseKind.VAN,
                organization=tech.organization,
                technician=tech,
                region=suzhou if tech.organization_id != own.pk else shanghai,
            )
        # Receipts into the central warehouse, two deliveries at different costs.
        serial_n = 0
        for delivery in range(2):
            lines = []
            for part in parts.values():
                if part.tracking == Tracking.SERIAL:
                    for _ in range(6):
                        serial_n += 1
                        lines.append(
                            {
                                "part": part,
                                "quantity": 1,
                                "lot": f"{part.code}-{2026_00000 + serial_n}",
                                "unit_cost": part.cost,
                            }
                        )
                else:
                    qty = rng.randint(40, 120)  # enough for every van of the demo technicians
                    cost = (part.cost * Decimal(str(rng.choice([0.95, 1.0, 1.05])))).quantize(Decimal("0.01"))
                    lot = f"B2026{delivery + 1:02d}" if part.tracking == Tracking.BATCH else ""
                    lines.append({"part": part, "quantity": qty, "lot": lot, "unit_cost": cost})
            receipt_create(
                actor=actor,
                warehouse=central,
                supplier=rng.choice(["华凌配件有限公司", "小天鹅售后配件中心", "华信家居供应链"]),
                lines=lines,
                supplier_ref=f"DN{delivery + 1:04d}",
                now=now - datetime.timedelta(days=60 - delivery),
            )

        # Transfers in different states.
        def _lines(n):
            picks = rng.sample([p for p in parts.values() if p.tracking != Tracking.SERIAL], n)
            return [
                {"part": p, "quantity": rng.randint(2, 6), "lot": "B202601" if p.tracking == Tracking.BATCH else ""}
                for p in picks
            ]

        steps = {
            "received": [TransferAction.APPROVE, TransferAction.SHIP, TransferAction.DISPATCH, TransferAction.RECEIVE],
            "in_transit": [TransferAction.APPROVE, TransferAction.SHIP, TransferAction.DISPATCH],
            "approved": [TransferAction.APPROVE],
            "requested": [],
        }
        for target, path in steps.items():
            dest = outlet if (outlet and target in ("received", "in_transit")) else regional
            t = transfer_create(actor=actor, source=central, destination=dest, lines=_lines(3), note=f"demo {target}")
            for action in path:
                t = transfer_transition(actor=actor, transfer=t, action=action)
        # Van issues: every van gets a starting stock (serials too).
        serial_parts = [p for p in parts.values() if p.tracking == Tracking.SERIAL]
        for tech_pk, van in vans.items():
            lines = _lines(5)
            for p in serial_parts[:2]:
                lot = (
                    StockLevel.objects.filter(part=p, warehouse=central, on_hand__gt=0)
                    .order_by("lot")
                    .values_list("lot", flat=True)
                    .first()
                )
                if lot:
                    lines.append({"part": p, "quantity": 1, "lot": lot})
            issue = van_issue_request(actor=User.objects.get(pk=tech_pk), van=van, source=central, lines=lines)
            van_issue_decide(actor=actor, issue=issue, approve=True, now=now - datetime.timedelta(days=59))
            reorder_rule_set(
                actor=actor, part=lines[0]["part"], warehouse=van, reorder_point=2, reorder_quantity=5, lead_time_days=3
            )
        for p in list(parts.values())[:8]:
            reorder_rule_set(
                actor=actor,
                part=p,
                warehouse=central,
                reorder_point=15,
                reorder_quantity=40,
                lead_time_days=10,
                safety_stock=5,
            )
        # Consumptions on completed demo requests (by their technicians, from their vans).
        done = list(
            ServiceRequest.objects.filter(
                status__in=[Status.COMPLETED, Status.FOLLOWED_UP], assigned_technician_id__in=list(vans)
            )
            .select_related("assigned_technician", "unit")
            .order_by("completed_at", "pk")[:12]
        )
        consumptions = []
        for i, req in enumerate(done):
            van = vans[req.assigned_technician_id]
            levels = list(
                StockLevel.objects.filter(warehouse=van, store="good", on_hand__gt=F("reserved"))
                .select_related("part")
                .order_by("part__code", "lot")
            )
            if not levels:
                continue
            lv = levels[i % len(levels)]
            at = max((req.completed_at or now) - datetime.timedelta(minutes=30), now - datetime.timedelta(days=58))
            c = part_consume(
                actor=req.assigned_technician,
                request=req,
                part=lv.part,
                quantity=1,
                warehouse=van,
                lot=lv.lot,
                old_serial=f"OLD-{req.number}" if lv.part.return_required else "",
                now=at,
            )
            consumptions.append(c)
        # Old parts: most handed in; the oldest stays overdue.
        pending = [c for c in consumptions if hasattr(c, "defective_return")]
        for c in pending[1:]:
            ret = c.defective_return
            if ret.due_date < timezone.localdate() and rng.random() < 0.3:
                continue  # leave a few overdue
            defective_return_receive(actor=actor, defective_return=ret, warehouse=central)
        # A finished stock count at the regional warehouse.
        count = count_create(actor=actor, warehouse=regional, note="月度盘点")
        lines = list(count.lines.all())
        if lines:
            counted = {ln.pk: ln.expected for ln in lines}
            counted[lines[0].pk] = max(0, lines[0].expected - 1)
            count_enter(actor=actor, count=count, counted=counted)
            count_approve(actor=actor, count=count)
    return {"created": True, "parts": len(parts), "vans": len(vans), "consumptions": len(consumptions)}


def demo_load(ctx) -> None:
    demo_parts(rng=ctx.rng("parts"))
