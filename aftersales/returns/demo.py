"""Demo returns and exchanges (R-RET-1), through the services, relative to now.

- ``demo_reference``: a policy for wardrobes (made to measure: no 7-day no-reason return), besides
  China's defaults seeded by the migration.
- ``demo_load``: nine RMAs for demo customers, on units bought recently (registered here), in every
  state: waiting for the check, checked (the customer chose on his link), inspected and waiting for a
  decision (handled by the partner), refunds due (one at risk, one overdue), exchanged (with the new
  unit), refunded (a no-reason return), refused (a custom-made wardrobe), sent to repair.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from aftersales.accounts.choices import OrganizationKind
from aftersales.accounts.models import Organization
from aftersales.catalog.models import Product, ProductCategory
from aftersales.catalog.services import unit_register

from . import services
from .choices import Exclusion, FaultFinding, GoodsCondition, OldUnitFate, Reason, RefundMethod, Resolution
from .models import ReturnPolicy, Rma

DEMO_ORDER = 83
WARDROBE_POLICY = "定制家具（衣柜）：不适用 7 天无理由退货"
PARTNER_REGION = "SZ-SIP"  # where the demo partner (苏州安家授权服务中心) works


def demo_present() -> bool:
    return Rma.objects.exists()


def demo_reference(ctx) -> None:
    category = ProductCategory.objects.filter(code="WARDROBE").first()
    admin = ctx.data.get("users", {}).get("admin")
    if category is None or admin is None or ReturnPolicy.objects.filter(product_category=category).exists():
        return
    services.policy_create(actor=admin, name=WARDROBE_POLICY, product_category=category, no_reason_return=False)


# (key, model code, sold days ago, online, delivered days ago)
UNITS = [
    ("no_reason", "55A6K", 6, True, 3),
    ("day5", "BCD-405WT", 6, False, None),
    ("day12", "XQG100-BD14", 14, False, None),
    ("at_risk", "65E7K", 10, True, 9),
    ("overdue", "F60-15A3", 14, False, None),
    ("exchanged", "BCD-520WP", 25, False, None),
    ("refunded", "43E3K", 30, True, 27),
    ("custom", "HX-WD-CUS", 5, True, 3),
    ("repair", "KFR-35GW/BP3", 60, False, None),
]


def _at(days: int, hour: int = 10) -> datetime.datetime:
    """``days`` ago at ``hour`` o'clock, local time."""
    day = timezone.localdate() - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _day(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def demo_load(ctx) -> None:
    if demo_present():
        return
    users = ctx.data["users"]
    agent, clerk, admin = users["agent"], users["parts"], users["admin"]
    customers = [c.customer for c in ctx.data.get("customers", [])]
    products = {p.model_code: p for p in Product.objects.filter(model_code__in=[u[1] for u in UNITS])}
    if len(customers) < len(UNITS) or len(products) < len({u[1] for u in UNITS}):
        return
    partner = Organization.objects.filter(kind=OrganizationKind.PARTNER).order_by("id").first()
    rng = ctx.rng("returns")
    units = {}
    chosen = rng.sample(customers, len(UNITS))
    coverage = ctx.data.get("coverage") or {}
    served = [c for c in customers if c.addresses.filter(region__code__in=list(coverage)).exists() and c not in chosen]
    if served:  # the repair is done by a technician who serves the customer's region
        chosen[[u[0] for u in UNITS].index("repair")] = served[0]
    if partner is not None:
        # The partner inspects the unit of a customer in its own city (the partner's staff see only that).
        local = [c for c in customers if c.addresses.filter(region__code=PARTNER_REGION).exists() and c not in chosen]
        if local:
            chosen[[u[0] for u in UNITS].index("day12")] = local[0]
    for (key, code, sold, online, _delivered), customer in zip(UNITS, chosen, strict=True):
        address = customer.addresses.order_by("-is_default", "id").first()
        units[key] = unit_register(
            actor=admin,
            product=products[code],
            serial_number=f"RMA{code.replace('-', '').replace('/', '')[:6]}{rng.randrange(10**6):06d}",
            owner=customer,
            purchase_date=_day(sold),
            purchase_channel="online" if online else "store",
            store_name="京东自营旗舰店" if online else "苏宁易购门店",
            address=address,
        )
    delivered = {key: _day(d) for key, _c, _s, _o, d in UNITS if d is not None}

    def file(key, days_ago, reason=Reason.FAULT, text="开机后不制冷，噪音大", **kw):
        return services.rma_create(
            actor=agent,
            unit=units[key],
            reason=reason,
            description=text,
            requested_on=_day(days_ago),
            delivered_on=delivered.get(key),
            now=_at(days_ago),
            **kw,
        )

    def check(rma, days_ago):
        return services.rma_check(actor=agent, rma=rma, now=_at(days_ago, 11))

    def inspect(rma, days_ago, *, fault=True, intact=True, returned=None, by=clerk):
        return services.rma_inspect(
            actor=by,
            rma=rma,
            fault_finding=FaultFinding.CONFIRMED if fault else FaultFinding.NOT_FOUND,
            goods_condition=GoodsCondition.INTACT if intact else GoodsCondition.NOT_INTACT,
            returned_on=returned,
            notes="通电检测：故障复现" if fault else "外观完好，功能正常",
            now=_at(days_ago, 15),
        )

    def decide(rma, days_ago, resolution, reason=""):
        return services.rma_decide(actor=agent, rma=rma, resolution=resolution, reason=reason, now=_at(days_ago, 16))

    # 1. A no-reason return of an online purchase, waiting for the check.
    file("no_reason", 1, Reason.NO_REASON, "收到后不喜欢画质，包装未拆")
    # 2. A fault on day 5: checked; the customer chose an exchange on his link.
    rma = check(file("day5", 1, text="冷藏室不制冷，温度显示 15℃"), 1)
    services.rma_customer_choose(rma=rma, remedy="exchange")
    # 3. A fault on day 12, inspected by the partner: waiting for the decision.
    rma = check(file("day12", 2, text="脱水时剧烈抖动并报 E4", organization=partner), 2)
    inspect(rma, 1, by=users["partner"] if partner else clerk)
    # 4. Return within 7 days; unit back 6 days ago: the refund is due tomorrow (at risk).
    rma = check(file("at_risk", 7, text="屏幕出现竖线"), 7)
    rma = inspect(rma, 6, returned=_day(6))
    decide(rma, 6, Resolution.RETURN)
    # 5. Return; unit back 9 days ago: the refund is overdue.
    rma = check(file("overdue", 10, text="加热后漏电保护跳闸"), 10)
    rma = inspect(rma, 9, returned=_day(9))
    decide(rma, 9, Resolution.RETURN)
    # 6. Day 10 fault: exchanged 3 days ago, the new unit's warranty started then.
    rma = check(file("exchanged", 15, text="冷冻室结霜严重，压缩机频繁启停"), 15)
    rma = inspect(rma, 12)
    rma = decide(rma, 12, Resolution.EXCHANGE)
    services.rma_exchange(
        actor=clerk,
        rma=rma,
        serial_number=f"{units['exchanged'].serial_number}N",
        exchanged_on=_day(3),
        old_unit_fate=OldUnitFate.MANUFACTURER,
        old_unit_note="退回海信工厂分析",
        now=_at(3, 14),
    )
    # 7. No-reason return, refunded.
    rma = check(file("refunded", 24, Reason.NO_REASON, "尺寸不合适，未使用"), 24)
    rma = inspect(rma, 22, fault=False, returned=_day(22))
    rma = decide(rma, 22, Resolution.RETURN)
    services.rma_refund(
        actor=agent,
        rma=rma,
        amount="1799.00",
        method=RefundMethod.ORIGINAL,
        reference="JD20260001",
        refunded_on=_day(20),
        old_unit_fate=OldUnitFate.REFURBISH,
        now=_at(20, 10),
    )
    # 8. A made-to-measure wardrobe sent back without a reason: excluded, refused.
    rma = check(
        file("custom", 2, Reason.NO_REASON, "颜色与预期不符", exclusion=Exclusion.CUSTOM_MADE),
        2,
    )
    decide(rma, 1, Resolution.REFUSE, "定制商品不适用七日无理由退货（消费者权益保护法第二十五条）")
    # 9. A fault after 60 days: repair within the 三包 period.
    rma = check(file("repair", 5, text="制热效果差"), 5)
    rma = inspect(rma, 4)
    rma = decide(rma, 4, Resolution.REPAIR)
    _repair_done(rma.repair_request, users, coverage)
    ctx.log(f"{Rma.objects.count()} returns and exchanges")


def _repair_done(request, users, coverage) -> None:
    """The repair the RMA asked for was booked the same afternoon and done the next morning."""
    from aftersales.tickets.services import request_transition

    if request is None:
        return
    technician = next(iter(coverage.get(request.region.code if request.region_id else "", [])), None)
    if technician is None:
        return
    steps = [("assign", users["dispatcher"], _at(4, 17)), ("accept", technician, _at(4, 17) + datetime.timedelta(minutes=20)),
             ("schedule", technician, _at(4, 18)), ("start", technician, _at(3, 10)),
             ("complete", technician, _at(3, 11))]  # fmt: skip
    for action, actor, at in steps:
        request = request_transition(
            actor=actor,
            request=request,
            action=action,
            technician=technician if action == "assign" else None,
            reason="维修完成，试机正常" if action == "complete" else "",
            now=at,
            by_owner=True,
        )
