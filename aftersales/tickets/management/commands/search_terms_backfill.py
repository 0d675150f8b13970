"""Write the description search terms of existing requests (after a bulk load)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from aftersales.tickets.search import search_terms_backfill


class Command(BaseCommand):
    help = "Index the problem descriptions of existing service requests for search (safe to re-run)."

    def add_arguments(self, parser):
        parser.add_argument("--after-id", type=int, default=0, help="start after this request id")
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, after_id: int, batch_size: int, **options):
        done = search_terms_backfill(batch=batch_size, after_id=after_id)
        self.stdout.write(f"{done} requests indexed")
