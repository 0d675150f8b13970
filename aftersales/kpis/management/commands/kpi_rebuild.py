from django.core.management.base import BaseCommand

from aftersales.core.formfields import DayField
from aftersales.kpis.services import kpi_rebuild


def _day(value):
    from django.core.exceptions import ValidationError
    from django.core.management.base import CommandError

    try:
        return DayField().clean(value)
    except ValidationError as exc:
        raise CommandError(f"{value}: {'; '.join(exc.messages)}") from None


class Command(BaseCommand):
    help = "Recompute the measures' facts and daily aggregates from the raw rows (all days, or --from/--to)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first day (YYYY-MM-DD), included")
        parser.add_argument("--to", dest="end", help="last day (YYYY-MM-DD), included")

    def handle(self, *args, start=None, end=None, **options):
        start = _day(start) if start else None
        end = _day(end) if end else None
        verbose = options["verbosity"] > 1

        def tick(kpi, n):
            if verbose:
                self.stdout.write(f"  {kpi.key}: {n} facts")

        result = kpi_rebuild(start=start, end=end, progress=tick)
        self.stdout.write(
            f"{result.facts} facts, {result.daily_rows} daily rows in {result.seconds:.1f} s"
            f" ({start or 'first day'} – {end or 'last day'})"
        )
