"""Load demo data: ``manage.py demo_data [--if-empty] [--seed N] [--requests N]``.

Each app owns its demo data in ``<app>/demo.py``; this command finds those modules and runs them
in their ``DEMO_ORDER`` (see ``core.demos``), naming no app. Without ``--requests``: the demo logins,
regions, catalog, ~400 customers and ~1,400 service requests in every status, technician profiles and
dispatch policies, spare parts with stock in every kind of warehouse, the field-service fault tree
and checklists and a few completed visits, all through the services.
With ``--requests N``: the benchmark scale mode; the reference data, then N requests (and customers,
units, timeline rows in proportion) in bulk (``tickets.demo_bulk``).
"""

import time

from django.core.management.base import BaseCommand, CommandError

from aftersales.core.demos import DemoContext, demo_present, demo_run


class Command(BaseCommand):
    help = "Fill the database with realistic demo data (never on a production database)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database holds data already (an app's demo_present(): any service request).",
        )
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for a repeatable data set.")
        parser.add_argument(
            "--requests", type=int, default=None, help="Scale mode: add this many requests in bulk (benchmarks)."
        )
        parser.add_argument("--batch-size", type=int, default=5000, help="Scale mode: requests per transaction.")
        parser.add_argument("--no-events", action="store_true", help="Scale mode: skip the CREATED timeline rows.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        if options["if_empty"] and demo_present():
            self.stdout.write("The database holds data already; demo data not loaded.")
            return
        count = options["requests"]
        if count is not None and count < 1:
            raise CommandError("--requests must be at least 1.")
        seed = options["seed"]
        ctx = DemoContext(
            # The demo set is the same every time unless told otherwise; scale mode differs unless seeded.
            seed=2026 if seed is None and count is None else seed,
            scale=count,
            options={"batch_size": options["batch_size"], "events": not options["no_events"]},
            quiet=options["no_progress"] or options["verbosity"] < 1,
            log=self.stdout.write,
        )
        started = time.perf_counter()
        labels = demo_run(ctx)
        if count is None:
            self.stdout.write(f"Demo data ({', '.join(labels)}) in {time.perf_counter() - started:.1f} s.")
