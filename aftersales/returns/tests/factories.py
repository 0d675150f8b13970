"""Returns test helpers, built through the real services.

- ``make_unit(office, sold_days_ago=...)``: a customer (with an e-mail) and a unit sold that many days ago
  (``online=True``: a distance sale), in a product category of its own.
- ``file_rma(office, unit, ...)``: an RMA through ``rma_create``.
- ``walk(rma, office, to=...)``: check → inspect → decide, through the services.
"""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from aftersales.returns import services
from aftersales.returns.choices import FaultFinding, GoodsCondition, Reason, Resolution

_n = itertools.count(1)


def make_unit(
    office, *, sold_days_ago: int = 3, online: bool = False, warranty_months: int = 12, category=None, email=True
):
    from aftersales.catalog.services import category_create, product_create, unit_register
    from aftersales.customers.services import customer_create
    from aftersales.tickets.tests.paths import unique_phone

    n = next(_n)
    category = category or category_create(actor=office, code=f"RET-CAT-{n}", name=f"冰箱{n}")
    product = product_create(
        actor=office,
        model_code=f"BCD-{n:03d}W",
        name="风冷无霜冰箱",
        category=category,
        warranty_months=warranty_months,
    )
    customer = customer_create(
        actor=office, name=f"退货客户{n}", phone=unique_phone(), email=f"buyer{n}@example.com" if email else ""
    )
    return unit_register(
        actor=office,
        product=product,
        serial_number=f"RT{n:08d}",
        owner=customer,
        purchase_date=timezone.localdate() - datetime.timedelta(days=sold_days_ago),
        purchase_channel="online" if online else "store",
    )


def file_rma(office, unit, *, reason=Reason.FAULT, description="冰箱不制冷", **kw):
    return services.rma_create(actor=office, unit=unit, reason=reason, description=description, **kw)


def walk(
    rma,
    office,
    *,
    to: str = "inspected",
    finding=FaultFinding.CONFIRMED,
    condition=GoodsCondition.INTACT,
    resolution=None,
):
    """Through the services: check, then inspect (``to="inspected"``), then decide ``resolution``."""
    rma = services.rma_check(actor=office, rma=rma)
    if to == "checked":
        return rma
    rma = services.rma_inspect(
        actor=office, rma=rma, fault_finding=finding, goods_condition=condition, notes="压缩机不启动"
    )
    if to == "inspected":
        return rma
    return services.rma_decide(
        actor=office,
        rma=rma,
        resolution=resolution or Resolution.EXCHANGE,
        reason="" if resolution != "refuse" else "不符合",
    )
