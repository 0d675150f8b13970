import sys

from django.core.management.base import BaseCommand

from aftersales.kpis.services import kpi_check

from .kpi_rebuild import _day


class Command(BaseCommand):
    help = (
        "Recompute the daily figures from the raw rows and compare them with the stored aggregates; "
        "prints every difference and exits 1 when there is one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first day (YYYY-MM-DD), included")
        parser.add_argument("--to", dest="end", help="last day (YYYY-MM-DD), included")
        parser.add_argument("--show", type=int, default=50, help="differences printed at most")

    def handle(self, *args, start=None, end=None, show=50, **options):
        diffs = kpi_check(start=_day(start) if start else None, end=_day(end) if end else None)
        for diff in diffs[:show]:
            self.stdout.write(str(diff))
        if diffs:
            self.stderr.write(f"{len(diffs)} difference(s): run manage.py kpi_rebuild for the days listed")
            sys.exit(1)
        self.stdout.write("aggregates agree with the raw rows")
