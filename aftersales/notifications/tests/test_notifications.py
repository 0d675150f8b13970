"""The inbox: unread count, list, mark as read (own only); texts in the reader's language."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from aftersales.notifications.models import Notification
from aftersales.notifications.services import message_send, notification_mark_read

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def web(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def note(user, text, key="core.text"):
    (row,) = message_send(key=key, params={"text": text}, to=[user])
    return Notification.objects.get(outbox=row)


def test_inbox_unread_badge_and_mark_read(agent, manager):
    for i in range(3):
        note(agent, f"n{i}")
    theirs = note(manager, "theirs")
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


def test_the_same_notification_reads_in_each_readers_language(agent, make_user):
    import datetime as dt

    from aftersales.accounts.choices import Role

    colleague = make_user(Role.AGENT)
    due = dt.datetime(2026, 3, 9, 2, 0, tzinfo=dt.UTC)
    message_send(
        key="sla.warning",
        params={"number": "SR1", "target": "arrival", "due": due.isoformat(), "left": 600},
        to=[agent, colleague],
    )
    english = web(agent, "en").get(reverse("notifications:inbox")).content.decode()
    chinese = web(colleague, "zh-hans").get(reverse("notifications:inbox")).content.decode()
    assert "On-site arrival: warning, due at 2026-03-09 10:00 (10 min left)." in english and "SLA warning" in english
    assert "上门到达预警：截止 2026-03-09 10:00（剩余 10 分钟）。" in chinese and "SLA 预警" in chinese
    assert "On-site" not in chinese


def test_inbox_links_to_what_the_message_is_about(agent, manager):
    from aftersales.customers.tests.factories import CustomerFactory
    from aftersales.tickets.services import request_create

    request = request_create(
        actor=agent, customer=CustomerFactory(), channel="phone", service_type="repair", description="x"
    )
    message_send(key="core.text", params={"text": "look"}, to=[manager], link=request)
    html = web(manager).get(reverse("notifications:inbox")).content.decode()
    assert f'href="/requests/{request.pk}/"' in html and request.number in html


def test_nav_loads_the_count_lazily(agent):
    html = web(agent).get(reverse("tickets:queue")).content.decode()
    assert 'hx-get="/notifications/unread/"' in html


def test_inbox_needs_login():
    assert Client().get(reverse("notifications:inbox")).status_code == 302


def test_inbox_query_count_does_not_grow_with_rows(agent, django_assert_max_num_queries):
    for i in range(30):
        note(agent, f"n{i}")
    client = web(agent)
    client.get(reverse("notifications:inbox"))
    with django_assert_max_num_queries(8):
        client.get(reverse("notifications:inbox"))
