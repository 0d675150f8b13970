import json

from django.core.management.base import BaseCommand

from aftersales.notifications.services import outbox_deliver


class Command(BaseCommand):
    help = "Deliver the outbox's due messages now (what the worker does every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=20, help="Rows claimed per transaction.")
        parser.add_argument("--limit", type=int, default=None, help="Stop after this many rows.")
        parser.add_argument(
            "--slow-ms", type=int, default=0, help="Sleep this long per delivery (to test a kill mid-delivery)."
        )
        parser.add_argument("--json", dest="as_json", action="store_true", help="Print the counts as JSON.")

    def handle(self, *args, batch, limit, slow_ms, as_json, **options):
        result = outbox_deliver(batch=batch, limit=limit, slow_ms=slow_ms)
        if as_json:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        self.stdout.write(
            f"sent {result.sent}, failed {result.failed}, given up {result.dead}, taken over {result.lost}"
        )
