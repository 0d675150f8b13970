"""core.bulk: the upsert of many rows and the id filters of batches (on SQLite and PostgreSQL)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.tests.factories import UserFactory
from aftersales.core.bulk import bulk_upsert, ids_in, pk_in
from aftersales.core.models import AuditEvent, IdempotencyKey

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 12, 8, 9, 30, tzinfo=dt.UTC)


def _key(user, key, object_id, request_hash="h"):
    return IdempotencyKey(user=user, scope="s", key=key, request_hash=request_hash, object_id=object_id, created_at=AT)


def test_upsert_inserts_new_rows_and_updates_the_named_fields_of_existing_ones():
    user = UserFactory()
    kept = IdempotencyKey.objects.create(user=user, scope="s", key="a", request_hash="old", object_id=1)
    rows = [_key(user, "a", 10, request_hash="new"), _key(user, "b", 20), _key(user, "c", None)]
    with CaptureQueriesContext(connection) as ctx:
        bulk_upsert(IdempotencyKey, rows, unique_fields=["user", "scope", "key"], update_fields=["object_id"])
    assert len([q for q in ctx.captured_queries if "INSERT" in q["sql"]]) == 1
    stored = {k.key: k for k in IdempotencyKey.objects.filter(user=user)}
    assert {k: (v.object_id, v.request_hash) for k, v in stored.items()} == {
        "a": (10, "old"),  # only object_id is updated
        "b": (20, "h"),
        "c": (None, "h"),
    }
    # Every object knows its row, the existing one its old id.
    assert [r.pk for r in rows] == [kept.pk, stored["b"].pk, stored["c"].pk]
    assert not any(r._state.adding for r in rows)
    assert stored["b"].created_at == AT


def test_upsert_of_nothing_writes_nothing():
    with CaptureQueriesContext(connection) as ctx:
        bulk_upsert(IdempotencyKey, [], unique_fields=["user", "scope", "key"], update_fields=["object_id"])
    assert ctx.captured_queries == []


def test_upsert_writes_json_values_as_they_are(agent):
    from aftersales.customers.tests.factories import CustomerFactory
    from aftersales.sla.models import SlaClock
    from aftersales.tickets.services import request_create

    request = request_create(
        actor=agent, customer=CustomerFactory(), channel="phone", service_type="repair", description="漏水"
    )
    SlaClock.objects.filter(request=request).delete()
    clock = SlaClock(
        request=request,
        kind="response",
        policy_why=[{"key": "规则", "params": {"n": 1}}],
        pauses=[["2026-12-08T09:00:00+08:00", None]],
        target_seconds=3600,
        started_at=AT,
        due_at=AT,
        warning_at=AT,
        state="running",
        computed_at=AT,
    )
    fields = ["policy_why", "pauses", "state"]
    bulk_upsert(SlaClock, [clock], unique_fields=["request", "kind"], update_fields=fields)
    stored = SlaClock.objects.get(pk=clock.pk)
    assert stored.policy_why == [{"key": "规则", "params": {"n": 1}}]
    assert stored.pauses == [["2026-12-08T09:00:00+08:00", None]]
    again = SlaClock(
        **{f.attname: getattr(clock, f.attname) for f in SlaClock._meta.concrete_fields if f.attname != "id"}
    )
    again.pauses, again.state = [], "met"
    bulk_upsert(SlaClock, [again], unique_fields=["request", "kind"], update_fields=fields)
    stored.refresh_from_db()
    assert (again.pk, stored.pauses, stored.state) == (clock.pk, [], "met")


def test_id_filters_match_the_in_lookup_and_take_one_parameter_on_postgresql():
    users = UserFactory.create_batch(3)
    for user in users:
        AuditEvent.objects.create(actor=user, actor_label=user.username, action="x", object_type="t", object_id="1")
    ids = [users[0].pk, users[2].pk, 10**12]
    events = AuditEvent.objects.filter(ids_in(AuditEvent, "actor_id", ids))
    assert sorted(e.actor_id for e in events) == sorted(ids[:2])
    assert sorted(
        AuditEvent.objects.filter(pk_in(AuditEvent, [e.pk for e in events])).values_list("actor_id", flat=True)
    ) == sorted(ids[:2])
    # A path through a relation is an IN list on every database.
    assert AuditEvent.objects.filter(ids_in(AuditEvent, "actor__id", ids)).count() == 2
    sql, params = events.query.sql_with_params()
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and list(params) == [ids]
    else:
        assert list(params) == ids
