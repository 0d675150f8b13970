"""``manage.py parts_check``: recompute every stock level from the ledger and report drift.

Exit status 1 when any level differs from what its moves sum to (on-hand or reserved)."""

from django.core.management.base import BaseCommand, CommandError

from aftersales.parts.models import StockLevel, StockMove
from aftersales.parts.selectors import ledger_drift


class Command(BaseCommand):
    help = "Check that every stock level equals the sum of its ledger moves."

    def handle(self, *args, **options):
        drift = ledger_drift()
        for d in drift:
            part, wh, store, lot = d["key"]
            self.stdout.write(
                f"DRIFT part={part} warehouse={wh} store={store} lot={lot!r}: "
                f"on_hand {d['on_hand']} vs ledger {d['ledger_on_hand']}, "
                f"reserved {d['reserved']} vs ledger {d['ledger_reserved']}"
            )
        summary = f"{StockLevel.objects.count()} levels, {StockMove.objects.count()} moves, {len(drift)} with drift."
        if drift:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(f"OK: {summary}"))
