"""The inbox: unread count, list, mark as read (own only); e-mail only after commit."""

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from aftersales.notifications.models import Notification
from aftersales.notifications.services import Draft, notification_mark_read, notify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def web(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_notify_writes_rows_and_mails_after_commit(agent, manager, django_capture_on_commit_callbacks):
    agent.email = "agent@example.com"
    agent.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rows = notify(
            [
                Draft(recipient=agent, verb="info", text="hello", email=True, subject="Hi"),
                Draft(recipient=manager, verb="info", text="no address", email=True),
                Draft(recipient=manager, verb="info", text="mail only", email=True, in_app=False),
            ]
        )
        assert not mail.outbox  # nothing before commit
    assert len(callbacks) == 1
    assert [n.recipient for n in rows] == [agent, manager]
    assert [(m.to, m.subject) for m in mail.outbox] == [(["agent@example.com"], "Hi")]
    assert Notification.objects.get(recipient=agent).emailed_at is not None
    assert Notification.objects.get(recipient=manager).emailed_at is None


def test_rolled_back_work_mails_nobody(agent, django_capture_on_commit_callbacks):
    agent.email = "agent@example.com"
    agent.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify([Draft(recipient=agent, verb="info", text="x", email=True)])
                raise RuntimeError
        except RuntimeError:
            pass
    assert not callbacks and not mail.outbox
    assert not Notification.objects.exists()


def test_inbox_unread_badge_and_mark_read(agent, manager):
    notify([Draft(recipient=agent, verb="sla_warning", text=f"n{i}") for i in range(3)])
    theirs = notify([Draft(recipient=manager, verb="info", text="theirs")])[0]
    client = web(agent)
    badge = client.get(reverse("notifications:unread")).content.decode()
    assert 'id="notification-count"' in badge and ">3<" in badge
    page = client.get(reverse("notifications:inbox"))
    assert [n.text for n in page.context["notifications"]] == ["n2", "n1", "n0"]
    first = page.context["notifications"][0]
    response = client.post(
        reverse("notifications:mark_read"), {"id": [first.pk, theirs.pk], "next": "/notifications/?unread=1"}
    )
    assert response.status_code == 302 and response["Location"] == "/notifications/?unread=1"
    assert Notification.objects.get(pk=theirs.pk).read_at is None  # not mine: untouched
    assert len(client.get(reverse("notifications:inbox"), {"unread": "1"}).context["notifications"]) == 2
    client.post(reverse("notifications:mark_read"), {"all": "1", "next": "//evil.example"})
    assert client.get(reverse("notifications:unread")).content == b""
    assert notification_mark_read(user=manager) == 1


def test_nav_loads_the_count_lazily(agent):
    html = web(agent).get(reverse("tickets:queue")).content.decode()
    assert 'hx-get="/notifications/unread/"' in html


def test_inbox_needs_login():
    assert Client().get(reverse("notifications:inbox")).status_code == 302
