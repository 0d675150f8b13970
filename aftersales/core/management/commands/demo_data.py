"""Load demo data: ``manage.py demo_data [--if-empty] [--seed N] [--requests N]``.

Without ``--requests``: the demo logins (see ``accounts.demo``), regions, catalog, ~200
customers and ~300 service requests in every status, technician profiles and dispatch
policies, spare parts with stock in every kind of warehouse, the field-service fault tree and
checklists and a few completed visits, all through the services.
With ``--requests N``: the benchmark scale mode; adds N requests (and customers, units,
timeline rows in proportion) in bulk. See ``core.demo`` and ``core.demo_bulk``.
"""

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from aftersales.core.demo import demo_reference_ensure, demo_small_create
from aftersales.core.demo_bulk import demo_bulk_create
from aftersales.dispatch.demo import demo_dispatch
from aftersales.field.demo import demo_field
from aftersales.parts.demo import demo_parts
from aftersales.tickets.models import ServiceRequest

SMALL_CUSTOMERS = 200
SMALL_REQUESTS = 300


class Command(BaseCommand):
    help = "Fill the database with realistic demo data (never on a production database)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when any service request exists already."
        )
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for a repeatable data set.")
        parser.add_argument(
            "--requests", type=int, default=None, help="Scale mode: add this many requests in bulk (benchmarks)."
        )
        parser.add_argument("--batch-size", type=int, default=5000, help="Scale mode: requests per transaction.")
        parser.add_argument("--no-events", action="store_true", help="Scale mode: skip the CREATED timeline rows.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        if options["if_empty"] and ServiceRequest.objects.exists():
            self.stdout.write("Service requests exist already; demo data not loaded.")
            return
        quiet = options["no_progress"] or options["verbosity"] < 1
        count = options["requests"]
        if count is not None:
            if count < 1:
                raise CommandError("--requests must be at least 1.")
            self._bulk(count, options, quiet)
        else:
            self._small(options, quiet)

    def _small(self, options, quiet):
        started = time.perf_counter()
        seed = 2026 if options["seed"] is None else options["seed"]
        with tqdm(total=SMALL_CUSTOMERS + SMALL_REQUESTS, desc="demo data", unit="item", disable=quiet) as bar:
            demo_small_create(seed=seed, customers=SMALL_CUSTOMERS, requests=SMALL_REQUESTS, progress=bar.update)
        # The later capabilities add theirs on top: technician profiles and policies, spare parts,
        # the fault tree, checklists and a few completed visits.
        demo_dispatch(rng=random.Random(seed))
        demo_parts(rng=random.Random(seed))
        demo_field(rng=random.Random(seed))
        self.stdout.write(
            f"Demo data: {SMALL_CUSTOMERS} customers, {SMALL_REQUESTS} service requests "
            f"in {time.perf_counter() - started:.1f} s."
        )

    def _bulk(self, count, options, quiet):
        ref = demo_reference_ensure()
        with tqdm(total=count, desc="requests", unit="req", unit_scale=True, disable=quiet) as bar:
            stats = demo_bulk_create(
                count,
                seed=options["seed"],
                batch_size=options["batch_size"],
                events=not options["no_events"],
                ref=ref,
                progress=bar.update,
            )
        self.stdout.write(
            f"Added {stats.requests:,} requests, {stats.customers:,} customers, {stats.addresses:,} addresses, "
            f"{stats.units:,} units, {stats.events:,} timeline rows on {connection.vendor} "
            f"in {stats.seconds:.1f} s: {stats.requests / stats.seconds:,.0f} requests/s, "
            f"{stats.rows / stats.seconds:,.0f} rows/s."
        )
