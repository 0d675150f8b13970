"""The delivery channels of the outbox, chosen in ``settings.OUTBOX_CHANNELS``
({channel: dotted path of a ``Channel`` class, or None for "no provider configured"}).

A channel's ``deliver(message)`` sends one :class:`OutboxMessage` or raises: any
exception is retried with backoff, :class:`ChannelUnavailable` gives up at once (no
provider, no address: retrying cannot help; an administrator can retry after fixing it).

Delivery guarantees, per channel:

- **in_app** is ``transactional``: the Notification is written in the same transaction
  that marks the row sent (in the writer's own transaction when possible), so it exists
  exactly once.
- **email** is at-least-once across a crash: the row is claimed (``sending``, committed)
  before the SMTP conversation and marked sent after it. A worker killed after the server
  accepted the mail but before that commit leaves the row ``sending``; when its lease
  runs out another worker sends it again. The Message-ID is fixed per row
  (``<outbox-<id>.<created>@<site host>>``), so the second copy carries the same id and
  mail systems that de-duplicate on it show one message.
- **sms**, **wechat**: no provider yet; rows are kept, marked as given up with the reason.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from aftersales.core.bulk import RowWriter
from aftersales.core.messages import render, render_subject

from .models import Channel as ChannelName
from .models import Notification, OutboxMessage


class ChannelUnavailable(Exception):
    """Delivery cannot succeed by retrying (no provider, no address)."""


class Channel:
    name: str = ""
    # Delivered inside a database transaction (and so exactly once).
    transactional: bool = False

    def address_for(self, user) -> str:
        """Where this channel reaches ``user`` ("" if nowhere)."""
        return ""

    def deliver(self, message: OutboxMessage) -> None:
        raise NotImplementedError


class InAppChannel(Channel):
    name = ChannelName.IN_APP
    transactional = True

    def address_for(self, user) -> str:
        return ""

    def deliver(self, message: OutboxMessage) -> None:
        self.deliver_many([message])

    def deliver_rows(self, rows: list[dict]) -> None:
        """``deliver_many`` for outbox rows written in bulk (``services.messages_send_bulk``:
        dicts of the row's columns, ids set): the same Notification rows, written by COPY."""
        RowWriter(Notification, db_ids=True, read_at=None).write(
            [
                {
                    "recipient_id": r["recipient_id"],
                    "key": r["key"],
                    "params": r["params"],
                    "link_type_id": r["link_type_id"],
                    "link_id": r["link_id"],
                    "link_label": r["link_label"],
                    "url": r["url"],
                    "outbox_id": r["id"],
                    "created_at": r["created_at"],
                }
                for r in rows
                if r["recipient_id"] is not None
            ]
        )

    def deliver_many(self, messages: list[OutboxMessage]) -> None:
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=m.recipient_id,
                    key=m.key,
                    params=m.params,
                    link_type_id=m.link_type_id,
                    link_id=m.link_id,
                    link_label=m.link_label,
                    url=m.url,
                    outbox=m,
                    created_at=m.created_at,
                )
                for m in messages
                if m.recipient_id is not None
            ]
        )


def message_id(message: OutboxMessage) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<outbox-{message.pk}.{message.created_at:%Y%m%d}@{host}>"


class EmailChannel(Channel):
    name = ChannelName.EMAIL

    def address_for(self, user) -> str:
        return (getattr(user, "email", "") or "").strip()

    def deliver(self, message: OutboxMessage) -> None:
        if not message.address:
            raise ChannelUnavailable(_("No e-mail address."))
        body = render(message.key, message.params, message.language)
        if message.url:
            link = message.url if "://" in message.url else settings.SITE_URL.rstrip("/") + message.url
            body = f"{body}\n\n{link}"
        EmailMessage(
            subject=render_subject(message.key, message.params, message.language).replace("\n", " ")[:200],
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            headers={"Message-ID": message_id(message)},
        ).send()


class NoProvider(Channel):
    """A channel named in ``Channel`` but without a provider configured."""

    def __init__(self, name: str):
        self.name = name

    def address_for(self, user) -> str:
        return (getattr(user, "phone", "") or "").strip() if self.name == ChannelName.SMS else ""

    def deliver(self, message: OutboxMessage) -> None:
        raise ChannelUnavailable(
            _("No provider is configured for the channel “%(channel)s”.") % {"channel": ChannelName(self.name).label}
        )


DEFAULT_CHANNELS = {
    ChannelName.IN_APP: "aftersales.notifications.channels.InAppChannel",
    ChannelName.EMAIL: "aftersales.notifications.channels.EmailChannel",
    ChannelName.SMS: None,
    ChannelName.WECHAT: None,
}


def _configured() -> dict:
    return {**DEFAULT_CHANNELS, **getattr(settings, "OUTBOX_CHANNELS", {})}


@cache
def _load(path: str) -> Channel:
    return import_string(path)()


def channel_get(name: str) -> Channel:
    """The channel that delivers ``name`` now (settings may change in tests)."""
    path = _configured().get(name)
    if not path:
        return NoProvider(name)
    return _load(path)
