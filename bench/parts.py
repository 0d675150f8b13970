"""Spare-parts benchmark (R-PRT-1): a big ledger, the stock reads, concurrent consumption.

1. Bulk-generates ``--moves`` ledger rows (default 1,000,000) over ``--parts`` parts,
   one central warehouse, regional warehouses and one van per technician, then builds
   the stock levels from the ledger with one INSERT … SELECT … GROUP BY (so levels equal
   the ledger, as ``manage.py parts_check`` then confirms).
2. Times, in-process (ORM, no HTTP), p50/p95/max over ``--reads`` calls each:
   - stock lookup per location: the warehouse page's level query (one warehouse);
   - dispatch-time availability: ``selectors.part_availability`` for 3 parts (all
     regions, and one region).
3. Concurrent consumption through ``services.part_consume`` with ``--threads`` threads:
   each technician from his own van (no contention), then all threads from the central
   warehouse on the same part (one hot row).

Run on PostgreSQL with a database of its own (it is filled, not cleaned):

  createdb -h 127.0.0.1 -U postgres parts_bench
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/parts_bench .venv/bin/python manage.py migrate
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/parts_bench .venv/bin/python bench/parts.py
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shlex
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--moves", type=int, default=1_000_000)
    p.add_argument("--parts", type=int, default=2000)
    p.add_argument("--technicians", type=int, default=200)
    p.add_argument("--regions", type=int, default=10)
    p.add_argument("--reads", type=int, default=300)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--consumes", type=int, default=50, help="consumptions per thread per scenario")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args()


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def report(name, ms):
    print(
        f"  {name:<48} n={len(ms):>4}  p50={statistics.median(ms):7.2f} ms  p95={pct(ms, 0.95):7.2f} ms  max={max(ms):7.2f} ms"
    )


def main():
    args = parse_args()
    import django

    django.setup()
    from django.db import connection, connections, transaction

    from aftersales.accounts.choices import OrganizationKind, Role
    from aftersales.accounts.models import Organization, User
    from aftersales.core.pagination import keyset_page
    from aftersales.customers.models import Region
    from aftersales.customers.services import customer_create
    from aftersales.parts.choices import DocType, MoveType, Store, WarehouseKind
    from aftersales.parts.models import Part, StockLevel, StockMove, Warehouse
    from aftersales.parts.selectors import ledger_drift, level_list_for, part_availability
    from aftersales.parts.services import InsufficientStock, part_consume, receipt_create
    from aftersales.parts.views import LEVEL_ORDER, PAGE
    from aftersales.tickets.choices import Status
    from aftersales.tickets.tests.paths import drive_to

    rng = random.Random(args.seed)
    vendor = connection.vendor
    print(
        f"Spare-parts benchmark on {vendor} · {platform.platform()} · {os.cpu_count()} CPUs · Python {platform.python_version()}"
    )
    print("Command:", " ".join(shlex.quote(a) for a in sys.argv))
    tag = f"B{int(time.time()) % 100000}"

    # --- 1. data ---------------------------------------------------------------------
    t0 = time.perf_counter()
    with transaction.atomic():
        org = Organization.objects.create(name=f"bench org {tag}", kind=OrganizationKind.OWN)
        clerk = User.objects.create(username=f"clerk-{tag}", role=Role.PARTS_CLERK, organization=org)
        manager = User.objects.create(username=f"mgr-{tag}", role=Role.MANAGER, organization=org)
        regions = [
            Region.objects.create(code=f"{tag}-R{i}", name=f"区域{i}", province="江苏", city=f"城市{i}")
            for i in range(args.regions)
        ]
        techs = User.objects.bulk_create(
            [
                User(
                    username=f"tech-{tag}-{i}",
                    role=Role.TECHNICIAN,
                    organization=org,
                    last_name="师",
                    first_name=str(i),
                )
                for i in range(args.technicians)
            ]
        )
        parts = Part.objects.bulk_create(
            [Part(code=f"{tag}-P{i:05d}", name=f"配件{i}", cost=10, price=20, avg_cost=10) for i in range(args.parts)]
        )
        central = Warehouse.objects.create(
            code=f"{tag}-C", name="中心仓", kind=WarehouseKind.CENTRAL, organization=org, region=regions[0]
        )
        regional = Warehouse.objects.bulk_create(
            [
                Warehouse(
                    code=f"{tag}-W{i}", name=f"区域仓{i}", kind=WarehouseKind.REGIONAL, organization=org, region=r
                )
                for i, r in enumerate(regions)
            ]
        )
        vans = Warehouse.objects.bulk_create(
            [
                Warehouse(
                    code=f"{tag}-V{i}",
                    name=f"车{i}",
                    kind=WarehouseKind.VAN,
                    organization=org,
                    technician=t,
                    region=regions[i % len(regions)],
                )
                for i, t in enumerate(techs)
            ]
        )
    whs = [central, *regional, *vans]
    batch = 20_000
    written = 0
    while written < args.moves:
        n = min(batch, args.moves - written)
        rows = []
        for _ in range(n):
            wh = central if rng.random() < 0.2 else rng.choice(whs)
            part = (
                parts[min(int(rng.paretovariate(1.2)) - 1, len(parts) - 1)] if rng.random() < 0.5 else rng.choice(parts)
            )
            inbound = rng.random() < 0.6
            rows.append(
                StockMove(
                    move_type=MoveType.RECEIPT if inbound else MoveType.CONSUME,
                    part=part,
                    warehouse=wh,
                    store=Store.GOOD,
                    quantity=rng.randint(1, 10) if inbound else -rng.randint(1, 3),
                    unit_cost=10,
                    doc_type=DocType.IMPORT,
                    doc_id=0,
                )
            )
        StockMove.objects.bulk_create(rows, batch_size=5000)
        written += n
    # Whatever summed below zero gets an opening adjustment, so the ledger is valid.
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO parts_stockmove (at, move_type, part_id, warehouse_id, store, lot, quantity, reserved_delta,
                                         unit_cost, doc_type, doc_id, reason)
            SELECT now(), 'adjust', part_id, warehouse_id, store, lot, -SUM(quantity), 0, 10, 'adjustment', 0, 'bench'
              FROM parts_stockmove WHERE warehouse_id = ANY(%s)
             GROUP BY part_id, warehouse_id, store, lot HAVING SUM(quantity) < 0
            """,
            [[w.pk for w in whs]],
        )
        cur.execute(
            """
            INSERT INTO parts_stocklevel (part_id, warehouse_id, store, lot, on_hand, reserved, updated_at)
            SELECT part_id, warehouse_id, store, lot, SUM(quantity), SUM(reserved_delta), now()
              FROM parts_stockmove WHERE warehouse_id = ANY(%s)
             GROUP BY part_id, warehouse_id, store, lot
            """,
            [[w.pk for w in whs]],
        )
        if vendor == "postgresql":
            cur.execute("ANALYZE parts_stockmove; ANALYZE parts_stocklevel;")
    levels = StockLevel.objects.filter(warehouse__in=whs).count()
    print(
        f"Data: {StockMove.objects.filter(warehouse__in=whs).count():,} ledger rows, {levels:,} stock levels, "
        f"{len(parts)} parts, {len(whs)} locations in {time.perf_counter() - t0:.1f} s "
        f"(total ledger in the database: {StockMove.objects.count():,} rows)"
    )

    # --- 2. reads ----------------------------------------------------------------------
    print("Reads (in-process ORM, wall time per call):")

    def location_levels(wh):
        return level_list_for(clerk).filter(warehouse=wh).exclude(on_hand=0, reserved=0).select_related("part")

    for label, fn in (
        (
            "stock at a location, page 1 (warehouse page)",
            lambda wh: keyset_page(location_levels(wh), order=LEVEL_ORDER, cursor=None, size=PAGE).items,
        ),
        ("stock of one part at a location", lambda wh: list(location_levels(wh).filter(part=rng.choice(parts)))),
        ("whole location, every level (export-size)", lambda wh: list(location_levels(wh))),
    ):
        ms = []
        for _ in range(args.reads):
            wh = rng.choice(whs)
            s = time.perf_counter()
            fn(wh)
            ms.append((time.perf_counter() - s) * 1000)
        report(label, ms)
    for label, region in (("availability, 3 parts, all regions", None), ("availability, 3 parts, one region", "one")):
        ms = []
        for _ in range(args.reads):
            ids = [p.pk for p in rng.sample(parts[:200], 3)]
            s = time.perf_counter()
            part_availability(ids, region=rng.choice(regions) if region else None)
            ms.append((time.perf_counter() - s) * 1000)
        report(label, ms)

    # --- 3. concurrent consumption ---------------------------------------------------
    users = {Role.MANAGER: manager}
    n = args.threads
    hot = parts[-1]
    receipt_create(
        actor=clerk, warehouse=central, supplier="bench", lines=[{"part": hot, "quantity": n * args.consumes}]
    )
    for i in range(n):
        receipt_create(
            actor=clerk, warehouse=vans[i], supplier="bench", lines=[{"part": hot, "quantity": args.consumes}]
        )
    jobs = [
        drive_to(
            Status.IN_PROGRESS,
            users={**users, Role.TECHNICIAN: techs[i]},
            technician=techs[i],
            customer=customer_create(actor=manager, name=f"压测客户{i}", phone=f"+86137{int(tag[1:]):05d}{i:03d}"),
        )
        for i in range(n)
    ]

    def scenario(label, fn):
        barrier = threading.Barrier(n)
        counts = {"ok": 0, "insufficient": 0}
        lock = threading.Lock()

        def run(i):
            try:
                barrier.wait()
                for _ in range(args.consumes):
                    try:
                        fn(i)
                        with lock:
                            counts["ok"] += 1
                    except InsufficientStock:
                        with lock:
                            counts["insufficient"] += 1
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        s = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        secs = time.perf_counter() - s
        print(
            f"  {label:<48} {counts['ok']:>5} consumptions in {secs:6.2f} s = {counts['ok'] / secs:7.1f}/s "
            f"({n} threads; insufficient_stock: {counts['insufficient']})"
        )

    print(
        "Concurrent consumption (services.part_consume, each a transaction with ledger row, level F() update, audit):"
    )
    scenario(
        "own vans (no contention)",
        lambda i: part_consume(actor=techs[i], request=jobs[i], part=hot, quantity=1, warehouse=vans[i]),
    )
    scenario(
        "one hot row (central, same part)",
        lambda i: part_consume(actor=clerk, request=jobs[i], part=hot, quantity=1, warehouse=central),
    )
    drift = [d for d in ledger_drift() if d["key"][1] in {w.pk for w in whs}]
    print(f"Consistency: {len(drift)} stock levels drift from the ledger.")


if __name__ == "__main__":
    main()
