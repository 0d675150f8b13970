import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from aftersales.complaints.escalation import DEFAULT_BATCH, complaint_sweep


class Command(BaseCommand):
    help = "Run one complaint escalation sweep now: missed reply deadlines climb the chain, once per level."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="Complaints per transaction.")
        parser.add_argument("--now", help="Sweep as if it were this ISO datetime (testing and replays).")
        parser.add_argument("--json", dest="as_json", action="store_true", help="Print the counts as JSON.")

    def handle(self, *args, batch, now, as_json, **options):
        moment = parse_datetime(now) if now else None
        if now and moment is None:
            raise CommandError("--now: give an ISO datetime, e.g. 2026-03-02T09:00:00+08:00")
        result = complaint_sweep(now=moment, batch=max(1, batch))
        if as_json:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        self.stdout.write(f"looked at {result.looked_at}, levels reached {result.escalated}")
