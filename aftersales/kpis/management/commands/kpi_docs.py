from django.core.management.base import BaseCommand, CommandError

from aftersales.kpis.docs import docs_path, docs_render


class Command(BaseCommand):
    help = "Write the measures' definitions into docs/kpis.md (between its generated markers)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Exit 1 when docs/kpis.md is stale; write nothing.")

    def handle(self, *args, check=False, **options):
        path = docs_path()
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        fresh = docs_render(current)
        if check:
            if fresh != current:
                raise CommandError(f"{path} is stale: run manage.py kpi_docs")
            self.stdout.write("docs/kpis.md is up to date")
            return
        if fresh != current:
            path.write_text(fresh, encoding="utf-8")
            self.stdout.write(f"wrote {path}")
        else:
            self.stdout.write(f"{path} unchanged")
