from django.core.management.base import BaseCommand

from aftersales.training.services import certification_sweep


class Command(BaseCommand):
    help = "Send the certification reminders (30 days before expiry) and lapse notices that are due."

    def handle(self, *args, **options):
        told = certification_sweep()
        self.stdout.write(f"reminded {told['reminded']}, lapsed {told['lapsed']}")
