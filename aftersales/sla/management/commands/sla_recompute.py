from django.core.management.base import BaseCommand

from aftersales.sla.services import sla_refresh, sla_refresh_open


class Command(BaseCommand):
    help = "Recompute SLA clocks from the status history: one request, or every open request."

    def add_arguments(self, parser):
        parser.add_argument("--request", type=int, help="Service request id (default: every open request).")

    def handle(self, *args, request, **options):
        if request:
            clocks = sla_refresh(request)
            self.stdout.write(f"Request {request}: {len(clocks)} clocks.")
        else:
            self.stdout.write(f"{sla_refresh_open()} open requests recomputed.")
