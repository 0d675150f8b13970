"""The outbox: written in the caller's transaction, delivered by the worker with retries and
backoff; a failing channel loses nothing and delivers once when it recovers."""

import datetime as dt

import pytest
from django.contrib.admin.sites import site
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.core.models import AuditEvent
from aftersales.notifications.channels import message_id
from aftersales.notifications.models import Channel, Notification, OutboxMessage, OutboxStatus
from aftersales.notifications.services import (
    Outgoing,
    message_send,
    messages_send,
    outbox_deliver,
    outbox_retry,
    retry_delay,
)

from .channels import Flaky

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 9, 2, 0, tzinfo=dt.UTC)
S = dt.timedelta(seconds=1)


@pytest.fixture
def flaky(settings):
    settings.OUTBOX_CHANNELS = {"email": "aftersales.notifications.tests.channels.Flaky"}
    settings.OUTBOX_RETRY_SECONDS = 30
    settings.OUTBOX_RETRY_MAX_SECONDS = 3600
    settings.OUTBOX_MAX_ATTEMPTS = 4
    Flaky.down, Flaky.delivered, Flaky.calls = True, [], 0
    yield Flaky


def test_rows_are_written_in_the_callers_transaction(agent, django_capture_on_commit_callbacks):
    agent.email = "agent@example.com"
    agent.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                message_send(key="core.text", params={"text": "x"}, to=[agent], channels=("in_app", "email"))
                assert OutboxMessage.objects.count() == 2 and Notification.objects.count() == 1
                raise RuntimeError
        except RuntimeError:
            pass
    assert not callbacks and not mail.outbox
    assert not OutboxMessage.objects.exists() and not Notification.objects.exists()


def test_in_app_is_delivered_in_the_transaction_and_email_after_commit(agent, django_capture_on_commit_callbacks):
    agent.email = "agent@example.com"
    agent.save()
    with django_capture_on_commit_callbacks(execute=True):
        rows = message_send(key="core.text", params={"text": "hello"}, to=[agent], channels=("in_app", "email"))
        in_app, email = sorted(rows, key=lambda r: r.channel != "in_app")
        assert OutboxMessage.objects.get(pk=in_app.pk).status == OutboxStatus.SENT
        assert Notification.objects.get().outbox_id == in_app.pk
        assert OutboxMessage.objects.get(pk=email.pk).status == OutboxStatus.PENDING
        assert not mail.outbox
    email.refresh_from_db()
    assert email.status == OutboxStatus.SENT and email.attempts == 1 and email.sent_at is not None
    (sent,) = mail.outbox
    assert sent.to == ["agent@example.com"] and sent.body.startswith("hello")
    assert sent.extra_headers["Message-ID"] == message_id(email)


def test_nobody_to_write_to_is_no_row_and_unknown_kinds_are_refused(agent):
    agent.email = ""
    agent.save()
    assert [
        r.channel for r in message_send(key="core.text", params={"text": "x"}, to=[agent], channels=("email",))
    ] == []
    with pytest.raises(LookupError):
        message_send(key="nobody.registered.this", to=[agent])
    with pytest.raises(ValueError):
        message_send(key="core.text", params={"text": "x"}, to=[agent], channels=("fax",))
    assert message_send(key="core.text", params={"text": "x"}, to=[agent], channels="in_app")[0].channel == "in_app"


def test_a_failing_channel_keeps_the_row_retries_with_backoff_and_delivers_once(flaky, agent):
    agent.email = "agent@example.com"
    agent.save()
    (row,) = messages_send(
        [Outgoing(key="core.text", params={"text": "x"}, recipient=agent, channels=("email",))], now=T0
    )
    result = outbox_deliver(now=T0)
    assert (result.sent, result.failed) == (0, 1)
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED and row.attempts == 1
    assert "provider unreachable" in row.last_error and row.next_attempt_at == T0 + 30 * S
    # Not due yet: nothing is tried.
    assert outbox_deliver(now=T0 + 29 * S).failed == 0 and flaky.calls == 1
    outbox_deliver(now=T0 + 30 * S)
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at == T0 + 30 * S + 60 * S  # doubled
    flaky.down = False
    assert outbox_deliver(now=T0 + 29 * S + 60 * S).sent == 0  # still backing off
    assert outbox_deliver(now=T0 + 90 * S).sent == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and row.last_error == "" and row.attempts == 3
    assert flaky.delivered == [row.pk]
    assert outbox_deliver(now=T0 + 10_000 * S).sent == 0 and flaky.delivered == [row.pk]  # once


def test_backoff_is_capped_and_gives_up_after_the_last_attempt(flaky, settings, agent):
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]
    agent.email = "agent@example.com"
    agent.save()
    (row,) = message_send(key="core.text", params={"text": "x"}, to=[agent], channels=("email",))
    moment = timezone.now()
    for _ in range(settings.OUTBOX_MAX_ATTEMPTS):
        outbox_deliver(now=moment)
        moment += dt.timedelta(hours=2)
    row.refresh_from_db()
    assert row.status == OutboxStatus.DEAD and row.attempts == 4 and row.next_attempt_at is None
    assert outbox_deliver(now=moment + dt.timedelta(days=1)).failed == 0  # kept, not retried
    # "Retry now" (admin) once the provider is back: sent, once.
    flaky.down = False
    assert outbox_retry(actor=agent, ids=[row.pk]) == 1
    outbox_deliver()
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and flaky.delivered == [row.pk]
    assert AuditEvent.objects.filter(action="outbox.retry", object_id=str(row.pk)).exists()
    assert outbox_retry(actor=agent, ids=[row.pk]) == 0  # a sent row is not sent again


def test_sms_and_wechat_without_provider_are_kept_and_say_so(agent):
    agent.phone = "13900001111"
    agent.save()
    rows = message_send(key="core.text", params={"text": "x"}, to=[agent, "wx-openid"], channels=(Channel.WECHAT,))
    (sms,) = message_send(key="core.text", params={"text": "x"}, to=[agent], channels=(Channel.SMS,))
    assert sms.address == "13900001111"
    outbox_deliver()
    for row in OutboxMessage.objects.filter(pk__in=[sms.pk, *[r.pk for r in rows]]):
        assert row.status == OutboxStatus.DEAD and row.attempts == 1
        assert "No provider is configured" in row.last_error


def test_a_row_left_sending_by_a_killed_worker_is_sent_after_its_lease(flaky, settings, agent):
    settings.OUTBOX_LEASE_SECONDS = 300
    flaky.down = False
    agent.email = "agent@example.com"
    agent.save()
    (row,) = message_send(key="core.text", params={"text": "x"}, to=[agent], channels=("email",))
    # A worker claimed it and died before delivering.
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=OutboxStatus.SENDING, claim_token="dead-worker", claimed_at=T0, next_attempt_at=T0 + 300 * S, attempts=1
    )
    assert outbox_deliver(now=T0 + 299 * S).sent == 0
    assert outbox_deliver(now=T0 + 300 * S).sent == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and row.attempts == 2 and flaky.delivered == [row.pk]


def test_a_late_worker_whose_claim_was_taken_over_does_not_mark_it(flaky, agent):
    """Worker A's lease ran out; B claimed the row and sent it. A's late result is dropped."""
    from aftersales.notifications import services

    flaky.down = False
    agent.email = "agent@example.com"
    agent.save()
    (row,) = message_send(key="core.text", params={"text": "x"}, to=[agent], channels=("email",))
    token_a, (claimed_a,) = services._claim(timezone.now(), ids=None, batch=5)
    later = timezone.now() + dt.timedelta(hours=1)
    token_b, (claimed_b,) = services._claim(later, ids=None, batch=5)
    assert token_a != token_b and claimed_a.pk == claimed_b.pk == row.pk
    result = services.DeliverResult()
    services._deliver_one(claimed_a, token_a, result, 0)
    assert result.lost == 1 and result.sent == 0
    services._deliver_one(claimed_b, token_b, result, 0)
    assert result.sent == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT


def test_in_app_failing_in_line_is_retried_by_the_worker(settings, agent, monkeypatch):
    from aftersales.notifications.channels import InAppChannel

    calls = []

    def broken(self, messages):
        calls.append(len(messages))
        raise RuntimeError("inbox table locked")

    monkeypatch.setattr(InAppChannel, "deliver_many", broken)
    (row,) = message_send(key="core.text", params={"text": "x"}, to=[agent])
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING and "inbox table locked" in row.last_error
    assert not Notification.objects.exists()
    monkeypatch.undo()
    assert outbox_deliver().sent == 1
    assert Notification.objects.get().outbox_id == row.pk
    assert outbox_deliver(now=timezone.now() + dt.timedelta(days=1)).sent == 0


def test_a_message_can_link_to_any_object(agent, manager):
    (row,) = message_send(key="core.text", params={"text": "x"}, to=[manager], link=agent, url="/somewhere/")
    note = Notification.objects.get(outbox=row)
    assert (note.link_type.model, note.link_id, note.link_label, note.href) == (
        "user",
        str(agent.pk),
        str(agent),
        "/somewhere/",
    )
    assert list(Notification.objects.linked_to(agent)) == [note]
    (evil,) = message_send(key="core.text", params={"text": "x"}, to=[manager], url="javascript:alert(1)")
    assert Notification.objects.get(outbox=evil).href == ""


def test_admin_lists_filters_and_retries(flaky, make_user, agent, django_capture_on_commit_callbacks):
    admin_user = make_user(Role.ADMIN)
    agent.email = "agent@example.com"
    agent.save()
    (row,) = message_send(key="core.text", params={"text": "x"}, to=[agent], channels=("email",))
    outbox_deliver()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(admin_user)
    url = reverse("admin:notifications_outboxmessage_changelist")
    page = client.get(url, {"status__exact": "failed", "channel__exact": "email"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "provider unreachable" in body, body[body.find("<table") :][:3000]
    assert "立即重试" in body  # translated action
    assert client.get(url, {"status__exact": "sent"}).context["cl"].result_count == 0
    flaky.down = False
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "retry_now", "_selected_action": [row.pk]})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT  # enqueued on commit, delivered (immediate Huey)
    assert client.get(reverse("admin:notifications_outboxmessage_change", args=[row.pk])).status_code == 200
    # Staff without the right cannot see the outbox.
    clerk = make_user(Role.AGENT)
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    assert client.get(url).status_code == 403
    assert site.is_registered(OutboxMessage)
