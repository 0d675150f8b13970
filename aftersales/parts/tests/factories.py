"""Parts test helpers: objects built through the real services."""

from __future__ import annotations

import itertools
from decimal import Decimal

from aftersales.accounts.choices import Role
from aftersales.parts.choices import Tracking, WarehouseKind
from aftersales.parts.services import part_create, receipt_create, warehouse_create
from aftersales.tickets.choices import Status
from aftersales.tickets.tests.paths import drive_to

_n = itertools.count(1)


def make_part(actor, *, tracking=Tracking.NONE, cost="10.00", return_required=False, **kw):
    n = next(_n)
    return part_create(
        actor=actor,
        code=kw.pop("code", f"PT-{n:05d}"),
        name=kw.pop("name", f"测试配件 {n}"),
        cost=Decimal(cost),
        price=Decimal(cost) * 2,
        tracking=tracking,
        return_required=return_required,
        **kw,
    )


def make_warehouse(actor, *, kind=WarehouseKind.CENTRAL, organization=None, technician=None, region=None):
    n = next(_n)
    org = organization or (technician.organization if technician else actor.organization)
    return warehouse_create(
        actor=actor,
        code=f"WH{n:04d}",
        name=f"仓库 {n}",
        kind=kind,
        organization=org,
        technician=technician,
        region=region,
    )


def make_van(actor, technician):
    return make_warehouse(actor, kind=WarehouseKind.VAN, technician=technician)


def stock(actor, warehouse, part, quantity, *, lot="", unit_cost=None):
    return receipt_create(
        actor=actor,
        warehouse=warehouse,
        supplier="华凌配件供应商",
        lines=[{"part": part, "quantity": quantity, "lot": lot, "unit_cost": unit_cost or part.cost}],
    )


def make_region(actor):
    from aftersales.customers.services import region_create

    n = next(_n)
    return region_create(actor=actor, code=f"9{n:05d}", name=f"测试区 {n}", province="上海市", city="上海市")


def serve(office, technician, *regions):
    """Give ``technician`` a dispatch profile serving ``regions`` (through the dispatch service)."""
    from aftersales.dispatch.services import profile_save

    return profile_save(
        actor=office,
        technician=technician,
        home_latitude=Decimal("31.230400"),
        home_longitude=Decimal("121.473700"),
        regions=list(regions),
    )


def job_for(technician, office, status=Status.IN_PROGRESS):
    users = {Role.MANAGER: office, Role.TECHNICIAN: technician}
    return drive_to(status, users=users, technician=technician)
