"""Make the monthly management report now, in this process, and print how long it took.

manage.py monthly_report --month 2026-11 [--language en] [--out report.pdf]
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aftersales.core.errors import DomainError

from ...periods import month_add, month_first, month_parse
from ...services import report_run_now


class Command(BaseCommand):
    help = "Make the monthly management report (PDF and Excel kept with the report; managers told)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])
        parser.add_argument("--out", help="also write the PDF to this file")

    def handle(self, *args, **opts):
        try:
            month = month_parse(opts["month"]) if opts["month"] else month_add(month_first(timezone.localdate()), -1)
        except DomainError as exc:
            raise CommandError(str(exc.fields.get("month", [exc.message])[0])) from None
        began = time.monotonic()
        report = report_run_now(month=month, language=opts["language"])
        took = time.monotonic() - began
        if report.status != "done":
            raise CommandError(f"report {report.pk} failed: {report.error}")
        if opts["out"]:
            with open(opts["out"], "wb") as fh:
                fh.write(bytes(report.pdf))
        self.stdout.write(
            f"report {report.pk} for {month:%Y-%m}: content+PDF+Excel in {report.seconds:.2f} s "
            f"({took:.2f} s with the outbox); PDF {len(report.pdf):,} bytes, Excel {len(report.xlsx):,} bytes"
        )
