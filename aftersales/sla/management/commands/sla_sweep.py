import json

from django.core.management.base import BaseCommand
from django.utils.dateparse import parse_datetime

from aftersales.sla.escalation import DEFAULT_BATCH, sla_sweep


class Command(BaseCommand):
    help = "Run one SLA sweep now: flip breaches, send due warnings, act on due escalation levels."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="Rows per transaction.")
        parser.add_argument("--now", help="Sweep as if it were this ISO datetime (testing and replays).")
        parser.add_argument(
            "--slow-ms", type=int, default=0, help="Sleep this long per warning/level (to test a kill mid-sweep)."
        )
        parser.add_argument("--json", dest="as_json", action="store_true", help="Print the counts as JSON.")

    def handle(self, *args, batch, now, slow_ms, as_json, **options):
        moment = parse_datetime(now) if now else None
        result = sla_sweep(now=moment, batch=batch, slow_ms=slow_ms)
        if as_json:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        self.stdout.write(
            f"flipped {result.flipped}, warned {result.warned}, escalated {result.escalated}, "
            f"notifications {result.notifications}, busy {result.busy}; "
            + ", ".join(f"{k} {v:.3f} s" for k, v in result.seconds.items())
        )
