"""Every write of the outbox and the inbox.

Sending: ``message_send(key=..., params=..., to=[...], channels=(...), link=obj)`` (or
``messages_send`` for a mixed batch) writes one ``OutboxMessage`` per recipient and
channel **in the caller's transaction**: if the caller rolls back, nothing was sent.
In-app rows are delivered at once in the same transaction (the Notification and the row
marked sent commit together); the other rows are handed to the worker after commit and
also swept every minute (``tasks.outbox_deliver_task``).

Delivering (``outbox_deliver``): a due row is *claimed* in its own committed
transaction (status ``sending``, a fresh claim token, attempts + 1, and a lease: its
``next_attempt_at`` moves ``OUTBOX_LEASE_SECONDS`` ahead). Then the channel delivers and
the row is marked sent **only if the claim is still ours** (same token). A channel that
raises leaves the row ``failed`` with the error and an exponential backoff
(``OUTBOX_RETRY_SECONDS`` × 2^(attempts−1), at most ``OUTBOX_RETRY_MAX_SECONDS``); after
``OUTBOX_MAX_ATTEMPTS`` it is ``dead`` (kept, shown in the admin, "retry now" there). A
worker killed mid-delivery leaves a ``sending`` row whose lease runs out; the next
worker claims it again. On PostgreSQL the claim takes ``FOR UPDATE SKIP LOCKED`` (workers
never wait for each other); everywhere the claim is a conditional UPDATE, so two
workers never hold one row. See ``channels`` for what each channel guarantees.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from aftersales.core.bulk import JsonText, RowWriter
from aftersales.core.messages import Message, kind_get, params_jsonable

from .channels import ChannelUnavailable, channel_get
from .models import DUE_STATUSES, Channel, Notification, OutboxMessage, OutboxStatus

CHANNEL_NAMES = frozenset(Channel.values)  # checked per message: Choices.values builds a list each time

logger = logging.getLogger(__name__)


def _setting(name: str, default):
    return getattr(settings, name, default)


def lease_seconds() -> int:
    return int(_setting("OUTBOX_LEASE_SECONDS", 300))


def max_attempts() -> int:
    return int(_setting("OUTBOX_MAX_ATTEMPTS", 8))


def retry_delay(attempts: int) -> dt.timedelta:
    """Backoff after the ``attempts``-th failed attempt: base × 2^(attempts−1), capped."""
    base = float(_setting("OUTBOX_RETRY_SECONDS", 30))
    cap = float(_setting("OUTBOX_RETRY_MAX_SECONDS", 3600))
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


# --- writing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """One message for ``messages_send``: a registered kind, its params, one recipient (a
    user, or a bare ``address`` such as a customer's e-mail) and the channels to use."""

    key: str
    params: dict = field(default_factory=dict)
    recipient: object = None
    address: str = ""
    channels: tuple[str, ...] = (Channel.IN_APP,)
    link: object = None
    url: str | None = None  # None: the linked object's own page; "": no link
    language: str = ""


def _language(recipient, language: str) -> str:
    return language or (getattr(recipient, "language", "") or "") or settings.LANGUAGE_CODE


def _link(obj, url: str | None) -> dict:
    if obj is None:
        return {"link_type": None, "link_id": "", "link_label": "", "url": url or ""}
    if url is None:
        url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    return {
        "link_type": ContentType.objects.get_for_model(obj),
        "link_id": str(obj.pk),
        "link_label": str(obj)[:100],
        "url": url,
    }


def _rows(outgoing: Iterable[Outgoing], now, *, serialize=None) -> list[dict]:
    """The outbox rows of ``outgoing`` (attnames → values), checked: registered kinds, known
    channels; a recipient the channel cannot reach (an e-mail without address) gets no row
    on that channel. One message to many people shares its params and its link: converted
    once (the SLA sweep sends tens of thousands; a URL reversed for each cost more than the
    insert). ``serialize``: how the params are stored (default: ``params_jsonable``)."""
    rows: list[dict] = []
    params_of: dict[int, tuple] = {}
    links: dict[tuple, dict] = {}
    for out in outgoing:
        if isinstance(out.key, Message):
            raise TypeError("Pass the key and params, not a Message.")
        if kind_get(out.key) is None:
            raise LookupError(f"Unknown message kind {out.key!r}: register it in its app's messages.py.")
        raw = out.params or {}
        known = params_of.get(id(raw))
        if known is None or known[0] is not raw:
            known = params_of[id(raw)] = (raw, serialize(raw) if serialize else params_jsonable(raw))
        params = known[1]
        link_key = (type(out.link), getattr(out.link, "pk", None), out.url)
        link = links.get(link_key) if out.link is None or out.link.pk is not None else None
        if link is None:
            link = links[link_key] = _link(out.link, out.url)
        names = (out.channels,) if isinstance(out.channels, str) else tuple(out.channels)
        unknown = set(names) - CHANNEL_NAMES
        if unknown:
            raise ValueError(f"Unknown channel(s): {', '.join(sorted(unknown))}.")
        for name in dict.fromkeys(names):
            if name == Channel.IN_APP:
                if out.recipient is None:
                    continue
                address = ""
            else:
                channel = channel_get(name)
                address = out.address or (channel.address_for(out.recipient) if out.recipient is not None else "")
                if not address and name == Channel.EMAIL:
                    continue  # nobody to write to: not a failure
            rows.append(
                {
                    "created_at": now,
                    "recipient": out.recipient,
                    "address": address,
                    "channel": name,
                    "key": out.key,
                    "language": _language(out.recipient, out.language),
                    "params": params,
                    "next_attempt_at": now,
                    **link,
                }
            )
    return rows


def messages_send(outgoing: Iterable[Outgoing], *, now=None) -> list[OutboxMessage]:
    """Write the messages (one INSERT) in the caller's transaction; in-app ones are
    delivered in it too, the rest after commit. A recipient the channel cannot reach
    (an e-mail without address) gets no row on that channel. Returns the rows written."""
    now = now or timezone.now()
    rows = [OutboxMessage(**row) for row in _rows(outgoing, now)]
    if not rows:
        return []
    OutboxMessage.objects.bulk_create(rows)
    _deliver_inline(rows, now)
    later = [r.pk for r in rows if r.status == OutboxStatus.PENDING]
    if later:
        transaction.on_commit(lambda: _enqueue(later))
    return rows


def _json_text(params) -> JsonText:
    """Params as stored, serialized: most are JSON-able already (``core.messages.msg``
    converts them), the rest go through ``params_jsonable`` first."""
    try:
        return JsonText(json.dumps(params, allow_nan=False))
    except (TypeError, ValueError):
        return JsonText(json.dumps(params_jsonable(params)))


def messages_send_bulk(outgoing: Iterable[Outgoing], *, now=None) -> dict[str, int]:
    """:func:`messages_send` for thousands of messages at once (the SLA sweep): the same
    rows, checks and delivery — in-app delivered in the caller's transaction under a
    savepoint (on failure the rows stay pending for the worker, with the error), the rest
    handed to the worker after commit — written without model instances: ``COPY`` on
    PostgreSQL, one ``executemany`` on SQLite, ids reserved in one query. Returns how many
    rows were written per channel, and under ``"delivered"`` how many in-app ones were
    delivered in line."""
    now = now or timezone.now()
    rows = _rows(outgoing, now, serialize=_json_text)
    counts: dict[str, int] = {}
    if not rows:
        return counts
    for row in rows:
        recipient, link_type = row.pop("recipient"), row.pop("link_type")
        row["recipient_id"] = recipient.pk if recipient is not None else None
        row["link_type_id"] = link_type.pk if link_type is not None else None
        counts[row["channel"]] = counts.get(row["channel"], 0) + 1
    writer = RowWriter(
        OutboxMessage,
        status=OutboxStatus.PENDING,
        attempts=0,
        claim_token="",
        claimed_at=None,
        last_error="",
        sent_at=None,
    )
    for row, pk in zip(rows, writer.reserve_ids(len(rows)), strict=True):
        row["id"] = pk
    inline = [r for r in rows if channel_get(r["channel"]).transactional]
    later = [r for r in rows if not channel_get(r["channel"]).transactional]
    delivered = _deliver_rows_inline(writer, inline, now)
    writer.write(later)
    counts["delivered"] = delivered
    ids = [r["id"] for r in later]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return counts


def _deliver_rows_inline(writer: RowWriter, rows: list[dict], now) -> int:
    """Transactional channels for :func:`messages_send_bulk`: each channel's rows are
    written already sent together with what the channel delivers, under a savepoint; if
    the channel fails, written pending with the error for the worker (as
    :func:`_deliver_inline` leaves them). Returns the rows delivered."""
    by_channel: dict[str, list[dict]] = {}
    for row in rows:
        by_channel.setdefault(row["channel"], []).append(row)
    delivered = 0
    for name, group in by_channel.items():
        channel = channel_get(name)
        try:
            with transaction.atomic():
                sent = {"status": OutboxStatus.SENT, "attempts": 1, "sent_at": now, "next_attempt_at": None}
                writer.write([{**row, **sent} for row in group])
                if hasattr(channel, "deliver_rows"):
                    channel.deliver_rows(group)
                else:
                    messages = list(OutboxMessage.objects.filter(pk__in=[r["id"] for r in group]).order_by("id"))
                    if hasattr(channel, "deliver_many"):
                        channel.deliver_many(messages)
                    else:
                        for message in messages:
                            channel.deliver(message)
        except Exception as exc:  # noqa: BLE001 - the worker retries; the writer's work stands
            logger.warning("Outbox: in-line delivery on %s failed; left for the worker.", name, exc_info=True)
            error = _error_text(exc)
            writer.write([{**row, "last_error": error} for row in group])
        else:
            delivered += len(group)
    return delivered


def message_send(
    *,
    key: str,
    params: dict | None = None,
    to: Iterable,
    channels: Iterable[str] = (Channel.IN_APP,),
    link=None,
    url: str | None = None,
    language: str = "",
) -> list[OutboxMessage]:
    """Send one kind of message to everyone in ``to`` (users, or addresses as strings)
    on each of ``channels``. ``link``: the object it is about (any model; the message
    links to its ``get_absolute_url()`` unless ``url`` is given, "" for no link);
    ``language``: default the recipient's (``User.language``), else the site's."""
    channels = (channels,) if isinstance(channels, str) else tuple(channels)
    return messages_send(
        [
            Outgoing(
                key=key,
                params=params or {},
                recipient=None if isinstance(person, str) else person,
                address=person if isinstance(person, str) else "",
                channels=channels,
                link=link,
                url=url,
                language=language,
            )
            for person in to
        ]
    )


def _deliver_inline(rows: list[OutboxMessage], now) -> None:
    """Transactional channels (in-app) deliver inside the writer's transaction, under a
    savepoint: if the channel fails, the rows stay pending for the worker."""
    by_channel: dict[str, list[OutboxMessage]] = {}
    for row in rows:
        by_channel.setdefault(row.channel, []).append(row)
    for name, group in by_channel.items():
        channel = channel_get(name)
        if not channel.transactional:
            continue
        try:
            with transaction.atomic():
                OutboxMessage.objects.filter(pk__in=[r.pk for r in group]).update(
                    status=OutboxStatus.SENT, attempts=1, sent_at=now, next_attempt_at=None
                )
                if hasattr(channel, "deliver_many"):
                    channel.deliver_many(group)
                else:
                    for row in group:
                        channel.deliver(row)
        except Exception as exc:  # noqa: BLE001 - the worker retries; the writer's work stands
            logger.warning("Outbox: in-line delivery on %s failed; left for the worker.", name, exc_info=True)
            OutboxMessage.objects.filter(pk__in=[r.pk for r in group]).update(last_error=_error_text(exc))
        else:
            for row in group:
                row.status, row.attempts, row.sent_at, row.next_attempt_at = OutboxStatus.SENT, 1, now, None


def _enqueue(ids: list[int]) -> None:
    from .tasks import outbox_deliver_task

    try:
        outbox_deliver_task(ids)
    except Exception:  # noqa: BLE001 - the queue is down: the periodic sweep delivers them
        logger.warning("Outbox: could not enqueue %d message(s); the sweep will deliver them.", len(ids))


# --- delivering ---------------------------------------------------------------------------------


@dataclass
class DeliverResult:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    lost: int = 0  # claims taken over by another worker meanwhile

    def as_dict(self) -> dict:
        return {"sent": self.sent, "failed": self.failed, "dead": self.dead, "lost": self.lost}


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _due(now) -> Q:
    return Q(status__in=DUE_STATUSES, next_attempt_at__lte=now)


def _claim(now, *, ids: list[int] | None, batch: int) -> tuple[str, list[OutboxMessage]]:
    """Claim up to ``batch`` due rows in one committed transaction."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        qs = OutboxMessage.objects.filter(_due(now))
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        picked = list(qs.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:batch])
        if not picked:
            return token, []
        OutboxMessage.objects.filter(_due(now), pk__in=picked).update(
            status=OutboxStatus.SENDING,
            claim_token=token,
            claimed_at=now,
            attempts=F("attempts") + 1,
            next_attempt_at=now + dt.timedelta(seconds=lease_seconds()),
        )
    rows = list(
        OutboxMessage.objects.filter(pk__in=picked, claim_token=token, status=OutboxStatus.SENDING).order_by("id")
    )
    return token, rows


def _ours(row: OutboxMessage, token: str):
    return OutboxMessage.objects.filter(pk=row.pk, claim_token=token, status=OutboxStatus.SENDING)


def _mark_failed(row: OutboxMessage, token: str, exc: BaseException, now, result: DeliverResult) -> None:
    permanent = isinstance(exc, ChannelUnavailable)
    give_up = permanent or row.attempts >= max_attempts()
    status = OutboxStatus.DEAD if give_up else OutboxStatus.FAILED
    updated = _ours(row, token).update(
        status=status,
        last_error=str(exc)[:2000] if permanent else _error_text(exc),
        next_attempt_at=None if give_up else now + retry_delay(row.attempts),
    )
    if not updated:
        result.lost += 1
    elif give_up:
        result.dead += 1
    else:
        result.failed += 1
    log = logger.info if permanent else logger.warning
    log("Outbox #%s (%s) attempt %d failed: %s", row.pk, row.channel, row.attempts, exc)


def _deliver_one(row: OutboxMessage, token: str, result: DeliverResult, slow: float, now=None) -> None:
    """Deliver one claimed row; ``now``: the clock to use (tests), default the real one."""

    def moment():
        return now or timezone.now()

    channel = channel_get(row.channel)
    if channel.transactional:
        try:
            with transaction.atomic():
                done = {"status": OutboxStatus.SENT, "sent_at": moment(), "last_error": "", "next_attempt_at": None}
                if not _ours(row, token).update(**done):
                    result.lost += 1
                    return
                if slow:
                    time.sleep(slow)
                if not Notification.objects.filter(outbox=row).exists():
                    channel.deliver(row)
        except Exception as exc:  # noqa: BLE001 - any channel error is retried
            _mark_failed(row, token, exc, moment(), result)
        else:
            result.sent += 1
        return
    try:
        if slow:
            time.sleep(slow)
        channel.deliver(row)
    except Exception as exc:  # noqa: BLE001 - any channel error is retried
        _mark_failed(row, token, exc, moment(), result)
        return
    if _ours(row, token).update(status=OutboxStatus.SENT, sent_at=moment(), last_error="", next_attempt_at=None):
        result.sent += 1
    else:
        result.lost += 1


def outbox_deliver(
    *, ids: Iterable[int] | None = None, now=None, batch: int = 20, limit: int | None = None, slow_ms: int = 0
) -> DeliverResult:
    """Deliver due rows (only ``ids`` when given) until none is due or ``limit`` rows
    were tried. Safe to run in any number of processes and to kill at any point.
    ``slow_ms`` sleeps that long per delivery (tests only: kill it part-way)."""
    result = DeliverResult()
    ids = list(ids) if ids is not None else None
    tried = 0
    while limit is None or tried < limit:
        moment = now or timezone.now()
        size = batch if limit is None else min(batch, limit - tried)
        token, rows = _claim(moment, ids=ids, batch=size)
        if not rows:
            break
        for row in rows:
            _deliver_one(row, token, result, slow_ms / 1000, now)
        tried += len(rows)
    return result


def outbox_retry(*, actor, ids: Iterable[int], now=None) -> int:
    """ "Retry now" (admin): failed or given-up rows are due again, with a fresh count of
    attempts. Rows being sent or already sent are left alone."""
    from aftersales.core.audit import audit_record

    now = now or timezone.now()
    ids = list(ids)
    with transaction.atomic():
        picked = list(
            OutboxMessage.objects.select_for_update().filter(
                pk__in=ids, status__in=[OutboxStatus.FAILED, OutboxStatus.DEAD]
            )
        )
        rows = [m.pk for m in picked]
        count = OutboxMessage.objects.filter(pk__in=rows).update(
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now
        )
        for message in picked:
            audit_record(
                actor=actor,
                action="outbox.retry",
                obj=message,
                changes={"status": [message.status, OutboxStatus.PENDING], "attempts": [message.attempts, 0]},
            )
    if rows:
        transaction.on_commit(lambda: _enqueue(rows))
    return count


# --- the inbox ---------------------------------------------------------------------------------


def notification_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when ``ids`` is None)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
