from django.core.management.base import BaseCommand

from aftersales.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from aftersales.accounts.models import User


class Command(BaseCommand):
    help = "Print the demo logins (one per role) that exist in this database."

    def handle(self, *args, **options):
        existing = set(User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).values_list("username", flat=True))
        if not existing:
            self.stdout.write("No demo logins in this database.")
            return
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, org, _last, _first in DEMO_USERS:
            if username in existing:
                self.stdout.write(f"  {username:<12} {role.label!s:<28} {org or ''}")
