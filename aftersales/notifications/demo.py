"""Demo inbox (see ``core.demos``): after every app's demo set, each person has read all but his newest
few notifications, as someone who opens the bell every day has — the demo shows a handful unread, not
everything the demo history sent."""

from __future__ import annotations

from django.utils import timezone

from .models import Notification

DEMO_ORDER = 45
UNREAD_KEPT = 8


def demo_finish(ctx) -> None:
    now = timezone.now()
    unread = Notification.objects.filter(read_at__isnull=True)
    seen: dict[int, int] = {}
    read = []
    for pk, recipient in unread.order_by("-created_at", "-id").values_list("pk", "recipient_id"):
        seen[recipient] = seen.get(recipient, 0) + 1
        if seen[recipient] > UNREAD_KEPT:
            read.append(pk)
    Notification.objects.filter(pk__in=read).update(read_at=now)
    ctx.log(f"{len(read)} older notifications read, at most {UNREAD_KEPT} unread per person")
