"""``manage.py parts_defective_overdue [--remind]``: list old parts (旧件) not returned by
their due date; with ``--remind`` send today's reminders (on commit), as the daily Huey
task does."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from aftersales.parts.choices import DefectiveStatus
from aftersales.parts.models import DefectiveReturn
from aftersales.parts.services import defective_return_remind


class Command(BaseCommand):
    help = "List overdue defective-part returns; --remind notifies the technicians."

    def add_arguments(self, parser):
        parser.add_argument("--remind", action="store_true", help="Send today's reminders.")

    def handle(self, *args, **options):
        today = timezone.localdate()
        rows = (
            DefectiveReturn.objects.filter(status=DefectiveStatus.PENDING, due_date__lt=today)
            .select_related("request", "part", "technician")
            .order_by("due_date", "id")
        )
        for r in rows:
            tech = r.technician.display_name if r.technician else "-"
            self.stdout.write(
                f"D{r.pk} {r.request.number} {r.part.code} x{r.quantity} due {r.due_date} "
                f"({(today - r.due_date).days} days late) {tech} reminders={r.reminders}"
            )
        self.stdout.write(f"{rows.count()} overdue.")
        if options["remind"]:
            ids = defective_return_remind()
            self.stdout.write(f"{len(ids)} reminders sent.")
