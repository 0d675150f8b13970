"""``manage.py parts_check``: recompute every stock level from the ledger and report drift, and check
that the open low-stock alerts are exactly the low-stock list (``--fix-alerts`` brings them in line).

Exit status 1 when any level differs from what its moves sum to (on-hand or reserved), or when the
alerts disagree with the list and ``--fix-alerts`` was not given."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from aftersales.parts.models import StockLevel, StockMove
from aftersales.parts.selectors import ledger_drift, low_stock_alert_drift
from aftersales.parts.services import low_stock_alerts_sync


class Command(BaseCommand):
    help = "Check that every stock level equals the sum of its ledger moves and that the low-stock alerts match."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix-alerts",
            action="store_true",
            help="Open the missing low-stock alerts (the parts clerks are told) and resolve the stale ones.",
        )

    def handle(self, *args, **options):
        drift = ledger_drift()
        for d in drift:
            part, wh, store, lot = d["key"]
            self.stdout.write(
                f"DRIFT part={part} warehouse={wh} store={store} lot={lot!r}: "
                f"on_hand {d['on_hand']} vs ledger {d['ledger_on_hand']}, "
                f"reserved {d['reserved']} vs ledger {d['ledger_reserved']}"
            )
        alerts = low_stock_alert_drift()
        for name, pairs in alerts.items():
            for part, wh in sorted(pairs):
                self.stdout.write(f"ALERT {name} part={part} warehouse={wh}")
        off = len(alerts["missing"]) + len(alerts["stale"])
        if off and options["fix_alerts"]:
            with transaction.atomic():
                fixed = low_stock_alerts_sync()
            self.stdout.write(f"Low-stock alerts: {fixed['opened']} opened, {fixed['resolved']} resolved.")
            off = 0
        summary = (
            f"{StockLevel.objects.count()} levels, {StockMove.objects.count()} moves, {len(drift)} with drift; "
            f"{off} low-stock alert(s) out of line."
        )
        if drift or off:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(f"OK: {summary}"))
