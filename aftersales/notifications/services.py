"""Every write of notifications. Rows are written in the caller's transaction; e-mail
goes out only after that transaction commits (never for work that was rolled back)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Draft:
    """One notification to write: ``email`` asks for an e-mail too (if the user has an address)."""

    recipient: object
    verb: str
    text: str
    request: object = None
    email: bool = False
    subject: str = ""
    in_app: bool = True


def notify(drafts: Iterable[Draft]) -> list[Notification]:
    """Write the in-app notifications (one query) and send the e-mails after commit.

    Returns the rows written (drafts with ``in_app=False`` are e-mail only)."""
    drafts = list(drafts)
    if not drafts:
        return []
    now = timezone.now()
    in_app = [d for d in drafts if d.in_app]
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient=d.recipient,
                verb=d.verb,
                request=d.request,
                text=d.text[:500],
                created_at=now,
                email_to=(d.recipient.email or "") if d.email else "",
            )
            for d in in_app
        ]
    )
    mails = [
        (n.pk, n.email_to, d.subject or d.text[:120], d.text)
        for n, d in zip(created, in_app, strict=True)
        if n.email_to
    ]
    mails += [(None, d.recipient.email, d.subject or d.text[:120], d.text) for d in drafts if not d.in_app and d.email]
    mails = [m for m in mails if m[1]]
    if mails:
        transaction.on_commit(lambda: notification_emails_send(mails))
    return created


def notification_emails_send(mails: list[tuple[int | None, str, str, str]]) -> int:
    """Send (notification id, to, subject, body) over one connection; mark what went out.

    Called after commit. A failure is logged, not raised: the in-app notification is
    the record, the e-mail is a courtesy copy (at most once)."""
    sent, sent_ids = 0, []
    try:
        with get_connection() as connection:
            for pk, to, subject, body in mails:
                message = EmailMessage(
                    subject=subject,
                    body=body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[to],
                    connection=connection,
                )
                try:
                    message.send()
                except Exception:  # noqa: BLE001 - one bad address must not stop the others
                    logger.exception("Notification %s: e-mail to %s failed.", pk, to)
                else:
                    sent += 1
                    if pk is not None:
                        sent_ids.append(pk)
    except Exception:  # noqa: BLE001 - the mail server is down: the in-app rows stand
        logger.exception("Notification e-mails not sent (%d).", len(mails))
    if sent_ids:
        Notification.objects.filter(pk__in=sent_ids).update(emailed_at=timezone.now())
    return sent


def notification_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when ``ids`` is None)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
