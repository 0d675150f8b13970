from django.core.management.base import BaseCommand, CommandError

from aftersales.sla.china import known_years
from aftersales.sla.models import Calendar
from aftersales.sla.services import calendar_seed_china


class Command(BaseCommand):
    help = "Load China's statutory holidays and make-up working days (调休) into a business calendar."

    def add_arguments(self, parser):
        parser.add_argument("--calendar", default="standard", help="Calendar code (default: standard).")
        parser.add_argument("--years", nargs="*", type=int, help="Years to load (default: every year known).")

    def handle(self, *args, calendar, years, **options):
        cal = Calendar.objects.filter(code=calendar).first()
        if cal is None:
            raise CommandError(f"No calendar with code {calendar!r}.")
        known = known_years()
        unknown = sorted(set(years or ()) - set(known))
        if unknown:
            raise CommandError(f"No statutory data for {unknown}; known: {known[0]}–{known[-1]}.")
        counts = calendar_seed_china(cal, years=years or None)
        self.stdout.write(
            f"{cal.name}: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['kept']} hand-edited kept (years {', '.join(map(str, years or known))})."
        )
