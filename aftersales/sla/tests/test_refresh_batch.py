"""The worker refreshes clocks in batches (issue 12): a burst of changes marks requests
pending, one queued drain recomputes them all in a fixed number of queries, and the
result is the same as refreshing each request alone."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.core.models import AuditEvent
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.sla.models import SlaClock, SlaRefreshPending
from aftersales.sla.services import (
    COMPUTED_FIELDS,
    sla_refresh,
    sla_refresh_many,
    sla_refresh_mark,
    sla_refresh_pending,
)
from aftersales.tickets.choices import Action
from aftersales.tickets.services import request_create, request_transition

from .calendars import at

pytestmark = pytest.mark.django_db
FILED = at(2026, 3, 9, 9)  # Monday
H = dt.timedelta(hours=1)


def _file(agent, n, **kwargs):
    out = []
    for i in range(n):
        fields = {"channel": "phone", "service_type": "repair", "description": f"漏水 {i}", "now": FILED, **kwargs}
        out.append(request_create(actor=agent, customer=CustomerFactory(), **fields))
    return out


def _state(request_ids):
    return {
        (c.request_id, c.kind): tuple(getattr(c, f) for f in (*COMPUTED_FIELDS, "warn_at", "escalate_at"))
        for c in SlaClock.objects.filter(request_id__in=request_ids)
    }


def _clock_writes(queries) -> int:
    return sum('INSERT INTO "sla_slaclock"' in q["sql"] for q in queries)


def test_a_batch_costs_the_same_queries_for_3_or_30_requests(agent):
    few = [r.pk for r in _file(agent, 3)]
    many = [r.pk for r in _file(agent, 30)]
    SlaClock.objects.all().delete()
    sla_refresh_many(few[:1], now=FILED)  # calendar snapshots cached
    SlaClock.objects.all().delete()
    with CaptureQueriesContext(connection) as ten_times:
        sla_refresh_many(many, now=FILED + H)
    with CaptureQueriesContext(connection) as once:
        sla_refresh_many(few, now=FILED + H)
    # SQLite caps the parameters of one statement, so it splits the clocks' upsert; on
    # PostgreSQL it is one statement (one array per column) however many clocks.
    assert _clock_writes(once.captured_queries) == 1
    if connection.vendor == "postgresql":
        assert _clock_writes(ten_times.captured_queries) == 1
    assert len(once.captured_queries) - 1 == len(ten_times.captured_queries) - _clock_writes(ten_times.captured_queries)
    assert SlaClock.objects.filter(request_id__in=many).values("request_id").distinct().count() == 30


def test_batch_equals_one_by_one(agent):
    requests = _file(agent, 4)
    request_transition(actor=agent, request=requests[1], action=Action.ACKNOWLEDGE, now=FILED + H)
    request_transition(actor=agent, request=requests[2], action=Action.CANCEL, reason="重复", now=FILED + H)
    ids = [r.pk for r in requests]
    later = FILED + 30 * H  # some clocks breached by now
    for pk in ids:
        sla_refresh(pk, now=later)
    alone = _state(ids)
    SlaClock.objects.all().delete()
    sla_refresh_many(ids, now=later)  # created afresh
    assert _state(ids) == alone
    sla_refresh_many(ids, now=later)  # and updated in place: still the same
    assert _state(ids) == alone


def test_pending_requests_are_drained_once_each(agent):
    ids = [r.pk for r in _file(agent, 5)]
    SlaClock.objects.all().delete()
    sla_refresh_mark(ids)
    sla_refresh_mark(ids[:2])  # marked twice in a burst: refreshed once
    assert SlaRefreshPending.objects.count() == 5
    audits = AuditEvent.objects.filter(action="sla.refresh").count()
    assert sla_refresh_pending() == 5
    assert SlaRefreshPending.objects.count() == 0
    assert SlaClock.objects.filter(request_id__in=ids).values("request_id").distinct().count() == 5
    assert AuditEvent.objects.filter(action="sla.refresh").count() == audits + 5
    assert sla_refresh_pending() == 0


def test_a_commit_marks_and_drains(agent, django_capture_on_commit_callbacks):
    """What the web does after a create: mark pending, queue one drain (inline in tests)."""
    with django_capture_on_commit_callbacks(execute=True):
        (request,) = _file(agent, 1)
    assert SlaClock.objects.filter(request=request).exists()
    assert not SlaRefreshPending.objects.exists()


def test_a_drain_leaves_what_comes_in_meanwhile_to_the_next_batch(agent, monkeypatch):
    """Marks that arrive while a drain runs queued their own drain: they wait for it (one batch)
    instead of being refreshed in a trickle of small batches, each with its fixed cost."""
    from aftersales.sla.services import refresh

    first, arrival = [r.pk for r in _file(agent, 4)[:3]], _file(agent, 1)[0].pk
    SlaRefreshPending.objects.all().delete()
    sla_refresh_mark(first)
    real = refresh.sla_refresh_many

    def and_a_change_meanwhile(ids, **kwargs):
        sla_refresh_mark([arrival])
        return real(ids, **kwargs)

    monkeypatch.setattr(refresh, "sla_refresh_many", and_a_change_meanwhile)
    assert sla_refresh_pending() == 3
    assert list(SlaRefreshPending.objects.values_list("request_id", flat=True)) == [arrival]
    # A full chunk goes on to the next one: a backlog is drained in one call.
    monkeypatch.setattr(refresh, "sla_refresh_many", real)
    monkeypatch.setattr(refresh, "REFRESH_CHUNK", 2)
    sla_refresh_mark(first)
    assert sla_refresh_pending() == 4
    assert not SlaRefreshPending.objects.exists()
