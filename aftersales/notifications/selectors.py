from __future__ import annotations

from .models import Notification

INBOX_SIZE = 100


def notification_unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_inbox(user, *, unread_only: bool = False, size: int = INBOX_SIZE) -> list[Notification]:
    """The user's latest notifications, newest first (texts render in the reader's language)."""
    if not user.is_authenticated:
        return []
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return list(qs.order_by("-created_at", "-id")[:size])
