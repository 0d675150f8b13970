import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aftersales.accounts.models import User
from aftersales.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print its secret (shown once, never stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. 'ERP sync'.")
        parser.add_argument("--expires-days", type=int, default=None, help="Days until it expires (default: never).")

    def handle(self, *args, username, name, expires_days, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        if not name.strip():
            raise CommandError("--name must not be empty.")
        expires_at = None
        if expires_days is not None:
            if expires_days <= 0:
                raise CommandError("--expires-days must be positive.")
            expires_at = timezone.now() + datetime.timedelta(days=expires_days)
        token, secret = api_token_create(actor=user, user=user, name=name.strip(), expires_at=expires_at)
        self.stderr.write(f"Token {token.prefix}… ({token.name}) created for {user.username}. Copy the secret now:")
        self.stdout.write(secret)
