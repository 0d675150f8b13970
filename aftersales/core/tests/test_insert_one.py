"""core.compiled.insert_one: the same row, signals and state as ``save(force_insert=True)``."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Value
from django.db.models.signals import post_save, pre_save
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.models import Organization
from aftersales.accounts.tests.factories import UserFactory
from aftersales.core.compiled import insert_one
from aftersales.core.models import AuditEvent, IdempotencyKey, Sequence

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 12, 8, 9, 30, tzinfo=dt.UTC)


def _audit(user, **extra):
    fields = {
        "actor": user,
        "actor_label": user.username,
        "action": "request.create",
        "object_type": "tickets.servicerequest",
        "object_id": "7",
        "object_repr": "SR2612-000007 漏水",
        "changes": {"status": [None, "new"], "备注": ["", "热水器底部漏水"]},
        "at": AT,
        **extra,
    }
    return AuditEvent(**fields)


def _row(obj):
    return {k: v for k, v in model_to_dict(type(obj).objects.get(pk=obj.pk)).items() if k != "id"}


def test_the_row_is_the_one_save_writes():
    user = UserFactory()
    fast, slow = _audit(user), _audit(user)
    assert insert_one(fast) is fast
    slow.save(force_insert=True)
    assert fast.pk and fast.pk != slow.pk
    assert _row(fast) == _row(slow)
    assert not fast._state.adding and fast._state.db == "default"


def test_defaults_and_auto_now_fields_are_filled_as_save_fills_them():
    org = insert_one(Organization(name="华东服务商"))
    stored = Organization.objects.get(pk=org.pk)
    assert stored.created_at == org.created_at and stored.updated_at == org.updated_at
    assert org.updated_at is not None


def test_one_statement_and_the_same_signals():
    user = UserFactory()
    insert_one(_audit(user))  # compiled
    seen = []

    def pre(sender, instance, **kwargs):
        seen.append(("pre", instance.pk, kwargs["raw"]))

    def post(sender, instance, created, **kwargs):
        seen.append(("post", instance.pk, created))

    pre_save.connect(pre, sender=AuditEvent)
    post_save.connect(post, sender=AuditEvent)
    try:
        with CaptureQueriesContext(connection) as ctx:
            obj = insert_one(_audit(user))
    finally:
        pre_save.disconnect(pre, sender=AuditEvent)
        post_save.disconnect(post, sender=AuditEvent)
    assert len(ctx.captured_queries) == 1
    assert seen == [("pre", None, False), ("post", obj.pk, True)]


def test_what_this_path_does_not_cover_is_saved_the_usual_way():
    user = UserFactory()
    # A primary key given by the caller (a natural key), and a value that is an expression.
    insert_one(Sequence(name="sr-2612", value=3))
    assert Sequence.objects.get(name="sr-2612").value == 3
    key = insert_one(IdempotencyKey(user=user, scope="s", key="k", request_hash="h", object_id=Value(5)))
    assert IdempotencyKey.objects.get(pk=key.pk).object_id == 5


def test_a_failed_insert_marks_the_transaction_for_rollback():
    user = UserFactory()
    IdempotencyKey.objects.create(user=user, scope="s", key="k", request_hash="h")
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            insert_one(IdempotencyKey(user=user, scope="s", key="k", request_hash="h"))
        assert connection.needs_rollback  # the block ends in a rollback, as after save()
    assert IdempotencyKey.objects.filter(user=user).count() == 1


def test_a_new_connection_compiles_again(monkeypatch):
    from aftersales.core import compiled

    user = UserFactory()
    insert_one(_audit(user))
    # A thread's connection object is replaced when it is closed and opened again.
    monkeypatch.setattr(compiled._INSERTS, "default", (object(), {AuditEvent: None}))
    obj = insert_one(_audit(user))
    assert AuditEvent.objects.filter(pk=obj.pk).exists()
    assert (
        compiled._INSERTS.default[0] is connections["default"] and compiled._INSERTS.default[1][AuditEvent] is not None
    )


def test_an_expression_is_never_compiled_into_the_statement(monkeypatch):
    from aftersales.core import compiled

    user = UserFactory()
    monkeypatch.setattr(compiled._INSERTS, "default", (connections["default"], {}))
    # The first object of its model in this thread carries an expression: saved the usual way,
    # and the statement is compiled later from a plain object.
    first = insert_one(IdempotencyKey(user=user, scope="s", key="a", request_hash="h", object_id=Value(5)))
    assert IdempotencyKey not in compiled._INSERTS.default[1]
    second = insert_one(IdempotencyKey(user=user, scope="s", key="b", request_hash="h", object_id=6))
    assert compiled._INSERTS.default[1][IdempotencyKey] is not None
    stored = dict(IdempotencyKey.objects.filter(user=user).values_list("key", "object_id"))
    assert stored == {"a": 5, "b": 6} and first.pk != second.pk
