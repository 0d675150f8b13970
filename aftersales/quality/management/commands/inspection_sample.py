"""``manage.py inspection_sample [--days 7] [--seed N]``: plan inspections for a random share of
each technician's jobs completed in the last days (R-QA-1; the rate per technician is set in the
admin, the default is 10 %)."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from aftersales.quality.services import inspection_sample


class Command(BaseCommand):
    help = "Sample completed jobs for inspection."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args, days, seed, **options):
        end = timezone.now()
        created = inspection_sample(start=end - dt.timedelta(days=max(1, days)), end=end, seed=seed)
        self.stdout.write(f"{len(created)} inspections planned")
