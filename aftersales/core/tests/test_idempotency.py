"""core.idempotency: a retried create returns the first object; a reused key with another
payload is a conflict; a failed create leaves no key behind."""

import pytest

from aftersales.core.errors import ConflictError, ValidationFailed
from aftersales.core.idempotency import idempotent_create
from aftersales.core.models import IdempotencyKey
from aftersales.customers.models import Customer
from aftersales.customers.services import customer_create


def _create(agent, key, payload):
    return idempotent_create(
        user=agent,
        scope="customer.create",
        key=key,
        payload=payload,
        model=Customer,
        create=lambda: customer_create(actor=agent, allow_duplicate_phone=True, **payload),
    )


PAYLOAD = {"name": "王芳", "phone": "13812345678"}


@pytest.mark.django_db
def test_same_key_and_payload_returns_the_same_object(agent):
    first, created = _create(agent, "k-1", PAYLOAD)
    again, created_again = _create(agent, "k-1", dict(PAYLOAD))
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Customer.objects.count() == 1
    assert IdempotencyKey.objects.get().object_id == first.pk


@pytest.mark.django_db
def test_same_key_with_another_payload_is_a_conflict(agent):
    _create(agent, "k-1", PAYLOAD)
    with pytest.raises(ConflictError) as caught:
        _create(agent, "k-1", {**PAYLOAD, "name": "李雷"})
    assert caught.value.code == "idempotency_key_reused"
    assert caught.value.status == 409
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_per_user_and_scope(agent, dispatcher):
    _create(agent, "k-1", PAYLOAD)
    _create(dispatcher, "k-1", PAYLOAD)
    idempotent_create(
        user=agent,
        scope="other",
        key="k-1",
        payload=PAYLOAD,
        model=Customer,
        create=lambda: customer_create(actor=agent, allow_duplicate_phone=True, **PAYLOAD),
    )
    assert Customer.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("key", [None, ""])
def test_no_key_always_creates(agent, key):
    assert _create(agent, key, PAYLOAD)[1] is True
    assert _create(agent, key, PAYLOAD)[1] is True
    assert Customer.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_a_failing_create_leaves_no_key_row(agent):
    with pytest.raises(ValidationFailed):
        _create(agent, "k-2", {"name": "", "phone": "13812345678"})
    assert not IdempotencyKey.objects.exists()
    # The key is free again: a corrected retry with it creates.
    customer, created = _create(agent, "k-2", PAYLOAD)
    assert created and customer.name == "王芳"


@pytest.mark.django_db
def test_an_overlong_key_is_refused(agent):
    with pytest.raises(ValidationFailed) as caught:
        _create(agent, "k" * 129, PAYLOAD)
    assert "Idempotency-Key" in caught.value.fields
    assert not Customer.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_once(agent):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def retry(_):
        try:
            obj, created = _create(agent, "race", PAYLOAD)
            return obj.pk, created
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(retry, range(8)))
    assert len({pk for pk, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Customer.objects.count() == 1
