"""Stock never goes negative under concurrency (PostgreSQL: real row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from aftersales.accounts.choices import Role
from aftersales.parts.choices import WarehouseKind
from aftersales.parts.models import Consumption, StockLevel
from aftersales.parts.selectors import ledger_drift
from aftersales.parts.services import InsufficientStock, part_consume, part_reserve

from .factories import job_for, make_part, make_region, make_van, make_warehouse, serve, stock

N = 20


def _race(calls):
    """Run the callables at once (a barrier), each thread on its own connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_technicians_take_the_last_unit(make_user):
    """20 technicians' jobs, one unit left at the central warehouse: the parts desk books
    all 20 at once; exactly one booking succeeds, 19 get insufficient_stock."""
    clerk = make_user(Role.PARTS_CLERK)
    manager = make_user(Role.MANAGER)
    technicians = [make_user(Role.TECHNICIAN) for _ in range(N)]
    jobs = [job_for(t, manager) for t in technicians]
    part = make_part(clerk)
    regional = make_warehouse(clerk)
    stock(clerk, regional, part, 1)
    results = _race(
        [
            (lambda job=job: part_consume(actor=clerk, request=job, part=part, quantity=1, warehouse=regional))
            for job in jobs
        ]
    )
    ok = [r for r in results if not isinstance(r, Exception)]
    failed = [r for r in results if isinstance(r, Exception)]
    assert len(ok) == 1
    assert len(failed) == N - 1 and all(isinstance(e, InsufficientStock) for e in failed)
    assert {e.code for e in failed} == {"insufficient_stock"}
    lv = StockLevel.objects.get(part=part, warehouse=regional)
    assert (lv.on_hand, lv.reserved) == (0, 0)
    assert ledger_drift() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_technicians_race_for_the_last_unit_at_a_shared_outlet(make_user):
    """20 technicians, each on his own assigned job and each serving the outlet's region,
    consume the last unit at the same partner-outlet counter at once: exactly one gets
    it, 19 get the clear insufficient_stock error, the ledger has no drift, on-hand is 0."""
    clerk = make_user(Role.PARTS_CLERK)
    manager = make_user(Role.MANAGER)
    region = make_region(manager)
    technicians = [make_user(Role.TECHNICIAN) for _ in range(N)]
    for t in technicians:
        serve(manager, t, region)
    jobs = [job_for(t, manager) for t in technicians]
    part = make_part(clerk)
    outlet = make_warehouse(clerk, kind=WarehouseKind.OUTLET, region=region)
    stock(clerk, outlet, part, 1)
    results = _race(
        [
            (lambda t=t, job=job: part_consume(actor=t, request=job, part=part, quantity=1, warehouse=outlet))
            for t, job in zip(technicians, jobs, strict=True)
        ]
    )
    ok = [r for r in results if not isinstance(r, Exception)]
    failed = [r for r in results if isinstance(r, Exception)]
    assert len(ok) == 1, failed
    assert len(failed) == N - 1 and all(isinstance(e, InsufficientStock) for e in failed), failed
    assert {e.code for e in failed} == {"insufficient_stock"}
    assert {str(e.message) for e in failed} == {f"Not enough stock of {part.code} at {outlet.code}."}
    winner = ok[0]
    assert winner.warehouse_id == outlet.pk and winner.created_by_id == winner.request.assigned_technician_id
    assert Consumption.objects.filter(part=part).count() == 1
    lv = StockLevel.objects.get(part=part, warehouse=outlet)
    assert (lv.on_hand, lv.reserved) == (0, 0)
    assert ledger_drift() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_exceed_on_hand(make_user):
    """Each technician reserves and consumes from his own van while the desk reserves too."""
    clerk = make_user(Role.PARTS_CLERK)
    manager = make_user(Role.MANAGER)
    tech = make_user(Role.TECHNICIAN)
    van = make_van(clerk, tech)
    part = make_part(clerk)
    stock(clerk, van, part, 3)
    jobs = [job_for(tech, manager) for _ in range(2)]
    calls = []
    for i in range(12):
        job = jobs[i % 2]
        if i % 3 == 0:
            calls.append(lambda job=job: part_consume(actor=tech, request=job, part=part, quantity=1))
        else:
            calls.append(lambda job=job: part_reserve(actor=tech, request=job, part=part, quantity=1))
    results = _race(calls)
    ok = [r for r in results if not isinstance(r, Exception)]
    assert len(ok) == 3
    assert all(isinstance(r, InsufficientStock) for r in results if isinstance(r, Exception))
    lv = StockLevel.objects.get(part=part, warehouse=van)
    assert 0 <= lv.reserved <= lv.on_hand
    assert ledger_drift() == []
