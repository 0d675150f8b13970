"""KPI benchmark: build the daily aggregates for N requests, then time the dashboard.

Generates N service requests with their lifecycle timestamps (``tickets.demo_bulk``, the same
generator as ``manage.py demo_data --requests N``), rebuilds every measure's facts and daily
aggregates (``kpis.services.kpi_rebuild``) and measures the whole dashboard page (``GET /kpis/``:
every card, the trend and the eight breakdowns, rendered) for a month and for a year, with and
without a region filter, for random measures. Prints p50 / p95 / max, the aggregate table's size,
the machine, and the command that reproduces the figures. Targets: month < 1 s, year < 3 s (p95).

    createdb -h 127.0.0.1 -U postgres aftersales_bench_kpis
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench_kpis
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/kpis.py --requests 1000000        # --skip-generate to time an existing set

The bulk generator writes requests (with acknowledgement, completion, closing, technician,
region, product, channel, service type); measures read from visits, surveys, follow-ups, SLA
clocks, inspections and complaints stay empty at this scale, so their facts are not part of the
figures (the aggregate rows per day are what the dashboard's cost depends on).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=1_000_000, help="service requests to generate")
    p.add_argument("--samples", type=int, default=30, help="dashboard loads per scenario")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--skip-generate", action="store_true", help="use the requests already in the database")
    p.add_argument("--skip-rebuild", action="store_true", help="use the aggregates already built")
    p.add_argument(
        "--aggregates-only", action="store_true", help="rebuild the aggregate tables from the stored facts only"
    )
    return p.parse_args()


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main():
    args = parse_args()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from aftersales.accounts.choices import Role
    from aftersales.accounts.models import User
    from aftersales.customers.models import Region
    from aftersales.kpis.definitions import KPIS
    from aftersales.kpis.models import KpiDaily, KpiDailyCube, KpiDailyDim, KpiFact, KpiMonthly, KpiMonthlyCube
    from aftersales.kpis.services import kpi_aggregates_from_facts, kpi_rebuild
    from aftersales.tickets.demo_bulk import demo_bulk_create
    from aftersales.tickets.models import ServiceRequest

    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; set DATABASE_URL (figures on SQLite are not the target's)")
    rng = random.Random(args.seed)
    if not args.skip_generate:
        t = time.perf_counter()
        stats = demo_bulk_create(args.requests, seed=args.seed, events=False)
        print(f"generated {stats.requests:,} requests ({stats.rows:,} rows) in {time.perf_counter() - t:.0f} s")
    if args.aggregates_only:
        t = time.perf_counter()
        rows = kpi_aggregates_from_facts()
        print(f"aggregates from facts: {rows:,} daily rows in {time.perf_counter() - t:.0f} s")
    elif not args.skip_rebuild:
        result = kpi_rebuild(progress=lambda kpi, n: print(f"  {kpi.key:30} {n:>10,} facts", flush=True))
        print(f"aggregates: {result.facts:,} facts, {result.daily_rows:,} daily rows in {result.seconds:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE kpis_kpidaily")
            cursor.execute("VACUUM ANALYZE kpis_kpidailycube")
            cursor.execute("VACUUM ANALYZE kpis_kpidailydim")
            cursor.execute("VACUUM ANALYZE kpis_kpimonthly")
            cursor.execute("VACUUM ANALYZE kpis_kpimonthlycube")
    requests = ServiceRequest.objects.count()
    daily = KpiDaily.objects.count()
    cube = KpiDailyCube.objects.count()
    single = KpiDailyDim.objects.count()
    facts = KpiFact.objects.count()
    monthly = KpiMonthly.objects.count()
    monthly_cube = KpiMonthlyCube.objects.count()

    manager = User.objects.filter(role=Role.MANAGER, is_active=True).exclude(username="system").first()
    regions = list(Region.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    client = Client()
    client.force_login(manager)
    plain = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    results = {}
    with override_settings(STORAGES=plain, DEBUG=False, ALLOWED_HOSTS=["testserver", "127.0.0.1", "localhost"]):
        for name, days in (("month", 30), ("year", 365)):
            for filtered in (False, True):
                times = []
                for _ in range(args.samples + 2):
                    params = {
                        "start": (today - timezone.timedelta(days=days - 1)).isoformat(),
                        "end": today.isoformat(),
                        "k": rng.choice(KPIS).key,
                    }
                    if filtered and regions:
                        params["region"] = rng.choice(regions)
                    t = time.perf_counter()
                    response = client.get("/kpis/", params)
                    times.append(time.perf_counter() - t)
                    assert response.status_code == 200, response.status_code
                times = times[2:]  # warm-up
                key = f"{name}{' + region filter' if filtered else ''}"
                results[key] = times
    print()
    print(
        f"requests {requests:,} · facts {facts:,} · daily rows {daily:,} · daily rows without people {cube:,} · "
        f"daily totals and single dimensions {single:,} · monthly rows {monthly:,} · "
        f"monthly rows without people {monthly_cube:,}"
    )
    print(f"{'scenario':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target")
    for key, times in results.items():
        target = "< 1000 ms" if key.startswith("month") else "< 3000 ms"
        print(
            f"{key:28} {statistics.median(times) * 1000:8.0f} {pct(times, 95) * 1000:8.0f} "
            f"{max(times) * 1000:8.0f}  {target}"
        )
    version = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = "PostgreSQL " + cursor.fetchone()[0]
    print(
        f"machine: {platform.node()} · {platform.processor() or platform.machine()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · {version or connection.vendor}"
    )
    print("reproduce: " + " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/kpis.py", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
