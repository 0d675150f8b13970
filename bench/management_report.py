"""Monthly management report benchmark: how long the worker takes to make one report.

Times, without writing anything, the steps ``management.services.report_generate`` runs: the
content read through ``kpis.selectors`` (20 headline measures for the month and the month before,
six twelve-month trends, nine "worst" breakdowns), the improvement plans and scorecards (when the
management tables exist in that database), the PDF (WeasyPrint) and the Excel file. Prints each
step's median over ``--samples`` runs, the size of the aggregates, the machine and the command.
Target (issue 14): a year of data, the report under 60 s.

    # the demo database (SQLite, var/):
    .venv/bin/python bench/management_report.py
    # the kpis benchmark's database (1,000,000 requests over a year, PostgreSQL; read only):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench_kpis .venv/bin/python bench/management_report.py
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--month", help="YYYY-MM (default: last month)")
    p.add_argument("--samples", type=int, default=3)
    p.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])
    args = p.parse_args()
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from aftersales.kpis.models import KpiDaily
    from aftersales.management.exports import report_pdf, report_xlsx
    from aftersales.management.periods import month_add, month_bounds, month_first, month_parse
    from aftersales.management.services import reports as R

    month = month_parse(args.month) if args.month else month_add(month_first(timezone.localdate()), -1)
    start, end = month_bounds(month)
    tables = set(connection.introspection.table_names())
    has_mgmt = "management_plan" in tables

    steps = {"headline": [], "trends": [], "worst": [], "plans+scorecards": [], "pdf": [], "excel": [], "total": []}
    for _ in range(args.samples):
        t0 = time.perf_counter()
        content = {"month": f"{month:%Y-%m}", "start": start.isoformat(), "end": end.isoformat()}
        t = time.perf_counter()
        content["headline"] = R._headline(start, end)
        steps["headline"].append(time.perf_counter() - t)
        t = time.perf_counter()
        content["trends"] = R._trends(start)
        steps["trends"].append(time.perf_counter() - t)
        t = time.perf_counter()
        content["worst"] = R._worst(start, end)
        steps["worst"].append(time.perf_counter() - t)
        t = time.perf_counter()
        by_key = {r["key"]: r for r in content["headline"]}
        content["complaints"] = {
            "count": by_key["complaint_rate"]["num"],
            "requests": by_key["complaint_rate"]["den"],
            "rate": by_key["complaint_rate"]["value"],
            "answered": by_key["complaints_on_time"]["den"],
            "on_time": by_key["complaints_on_time"]["value"],
        }
        content["plans"] = (
            R._plans(start, end, timezone.localdate())
            if has_mgmt
            else {"open": 0, "overdue": 0, "evaluated": 0, "rows": []}
        )
        content["scorecards"] = R._scorecards(start) if has_mgmt else []
        content["summary"] = {
            "measures": sum(1 for r in content["headline"] if r["meets"] is not None),
            "met": sum(1 for r in content["headline"] if r["meets"] is True),
            "missed": [r["key"] for r in content["headline"] if r["meets"] is False],
        }
        steps["plans+scorecards"].append(time.perf_counter() - t)
        t = time.perf_counter()
        pdf = report_pdf(content, language=args.language)
        steps["pdf"].append(time.perf_counter() - t)
        t = time.perf_counter()
        xlsx = report_xlsx(content, language=args.language)
        steps["excel"].append(time.perf_counter() - t)
        steps["total"].append(time.perf_counter() - t0)

    rows = KpiDaily.objects.count()
    print(f"management report for {month:%Y-%m} on {connection.vendor} ({connection.settings_dict['NAME']})")
    print(
        f"  daily aggregate rows: {rows:,}; management tables: {'yes' if has_mgmt else 'no (plans and scorecards empty)'}"
    )
    head = {r["key"]: r for r in content["headline"]}
    print(f"  requests filed in the month: {head['volume']['num']:,}; PDF {len(pdf):,} B, Excel {len(xlsx):,} B")
    for name, values in steps.items():
        print(f"  {name:18} median {statistics.median(values):7.2f} s   max {max(values):7.2f} s")
    print(
        f"  machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    env = f"DATABASE_URL={os.environ['DATABASE_URL']} " if os.environ.get("DATABASE_URL") else ""
    print(f"  rerun: {env}.venv/bin/python bench/management_report.py {shlex.join(sys.argv[1:])}".rstrip())


if __name__ == "__main__":
    main()
