"""Shared stock: where a technician may take parts for his own job.

His own van, or the counter of a shared warehouse (regional or partner outlet) of his own
organization in a region he serves — never another technician's van, never the central
warehouse, never a foreign, closed or region-less shared warehouse."""

from __future__ import annotations

import pytest

from aftersales.accounts.choices import Role
from aftersales.core.errors import NotFoundError, PermissionDeniedError
from aftersales.parts.choices import ReservationStatus, Store, WarehouseKind
from aftersales.parts.models import Consumption, Reservation, StockLevel
from aftersales.parts.selectors import job_warehouse_list_for, ledger_drift
from aftersales.parts.services import (
    part_consume,
    part_reserve,
    part_return_unused,
    reservation_release,
    warehouse_update,
    warehouse_usable_on_job,
)

from .factories import job_for, make_part, make_region, make_van, make_warehouse, serve, stock

pytestmark = pytest.mark.django_db


def on_hand(part, wh):
    lv = StockLevel.objects.filter(part=part, warehouse=wh, store=Store.GOOD).first()
    return (lv.on_hand, lv.reserved) if lv else (0, 0)


@pytest.fixture
def town(clerk, manager, technician, make_user, partner_org):
    """One technician serving region ``home``; warehouses of every kind around him."""
    home, away = make_region(manager), make_region(manager)
    serve(manager, technician, home)
    other_tech = make_user(Role.TECHNICIAN)
    part = make_part(clerk)
    wh = {
        "van": make_van(clerk, technician),
        "outlet": make_warehouse(clerk, kind=WarehouseKind.OUTLET, region=home),
        "regional": make_warehouse(clerk, kind=WarehouseKind.REGIONAL, region=home),
        "central": make_warehouse(clerk, kind=WarehouseKind.CENTRAL, region=home),
        "other_van": make_van(clerk, other_tech),
        "outlet_away": make_warehouse(clerk, kind=WarehouseKind.OUTLET, region=away),
        "outlet_no_region": make_warehouse(clerk, kind=WarehouseKind.OUTLET),
        "partner_outlet": make_warehouse(clerk, kind=WarehouseKind.OUTLET, organization=partner_org, region=home),
    }
    for w in wh.values():
        stock(clerk, w, part, 3)
    closed = make_warehouse(clerk, kind=WarehouseKind.OUTLET, region=home)
    wh["closed_outlet"] = warehouse_update(actor=clerk, warehouse=closed, is_active=False)
    return {
        "part": part,
        "wh": wh,
        "job": job_for(technician, manager),
        "home": home,
        "other_tech": other_tech,
    }


ALLOWED = ["van", "outlet", "regional"]
REFUSED = ["central", "other_van", "outlet_away", "outlet_no_region", "partner_outlet", "closed_outlet"]


@pytest.mark.parametrize("where", ALLOWED)
def test_technician_takes_from_his_van_or_a_shared_counter_of_his_region(technician, town, where):
    wh = town["wh"][where]
    c = part_consume(actor=technician, request=town["job"], part=town["part"], quantity=1, warehouse=wh)
    assert c.warehouse == wh and on_hand(town["part"], wh) == (2, 0)
    assert ledger_drift() == []


@pytest.mark.parametrize("where", REFUSED)
def test_technician_is_refused_elsewhere_and_nothing_changes(technician, town, where):
    wh = town["wh"][where]
    before = on_hand(town["part"], wh)
    with pytest.raises(PermissionDeniedError) as exc:
        part_consume(actor=technician, request=town["job"], part=town["part"], quantity=1, warehouse=wh)
    assert "own van" in str(exc.value.message) and "warehouse" in exc.value.fields
    with pytest.raises(PermissionDeniedError):
        part_reserve(actor=technician, request=town["job"], part=town["part"], quantity=1, warehouse=wh)
    assert on_hand(town["part"], wh) == before
    assert not Consumption.objects.exists() and not Reservation.objects.exists()


def test_selector_and_service_agree(technician, town):
    listed = set(job_warehouse_list_for(technician).values_list("pk", flat=True))
    assert listed == {town["wh"][k].pk for k in ALLOWED}
    for w in town["wh"].values():
        assert warehouse_usable_on_job(technician, w) == (w.pk in listed)


def test_only_on_his_own_job(technician, manager, town):
    foreign_job = job_for(town["other_tech"], manager)
    with pytest.raises(NotFoundError):
        part_consume(
            actor=technician, request=foreign_job, part=town["part"], quantity=1, warehouse=town["wh"]["outlet"]
        )
    # The other technician does not serve the region: the same outlet is refused to him.
    with pytest.raises(PermissionDeniedError):
        part_consume(
            actor=town["other_tech"], request=foreign_job, part=town["part"], quantity=1, warehouse=town["wh"]["outlet"]
        )


def test_without_a_profile_only_the_van(clerk, manager, make_user, town):
    newcomer = make_user(Role.TECHNICIAN)
    van = make_van(clerk, newcomer)
    stock(clerk, van, town["part"], 1)
    job = job_for(newcomer, manager)
    assert set(job_warehouse_list_for(newcomer)) == {van}
    with pytest.raises(PermissionDeniedError):
        part_consume(actor=newcomer, request=job, part=town["part"], quantity=1, warehouse=town["wh"]["outlet"])
    part_consume(actor=newcomer, request=job, part=town["part"], quantity=1)


def test_reserve_release_and_return_at_the_counter(technician, town):
    outlet, part, job = town["wh"]["outlet"], town["part"], town["job"]
    res = part_reserve(actor=technician, request=job, part=part, quantity=2, warehouse=outlet)
    assert on_hand(part, outlet) == (3, 2)
    assert reservation_release(actor=technician, reservation=res).status == ReservationStatus.RELEASED
    c = part_consume(actor=technician, request=job, part=part, quantity=2, warehouse=outlet)
    part_return_unused(actor=technician, consumption=c, quantity=1)
    assert on_hand(part, outlet) == (2, 0)
    with pytest.raises(PermissionDeniedError):  # not into the central warehouse
        part_return_unused(actor=technician, consumption=c, quantity=1, warehouse=town["wh"]["central"])
    assert ledger_drift() == []


def test_moving_the_outlet_out_of_his_region_closes_the_counter_to_him(clerk, technician, town):
    outlet = town["wh"]["outlet"]
    warehouse_update(actor=clerk, warehouse=outlet, region=make_region(clerk))
    with pytest.raises(PermissionDeniedError):
        part_consume(actor=technician, request=town["job"], part=town["part"], quantity=1, warehouse=outlet)
