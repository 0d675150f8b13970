"""Ten concurrent retries of one filing, with one Idempotency-Key, create one request."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from aftersales.accounts.services import api_token_create
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.tickets.models import ServiceRequest

RETRIES = 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_retries_create_exactly_one_request(agent):
    customer = CustomerFactory()
    _, secret = api_token_create(actor=agent, user=agent, name="integration")
    body = json.dumps(
        {"customer_id": customer.pk, "channel": "wechat", "service_type": "repair", "description": "洗衣机漏水"}
    )
    start = threading.Barrier(RETRIES)

    def post(_):
        try:
            start.wait()
            response = Client().post(
                "/api/requests",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {secret}",
                HTTP_IDEMPOTENCY_KEY="crm-order-4711",
            )
            return response.status_code, response.json()["id"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=RETRIES) as pool:
        results = list(pool.map(post, range(RETRIES)))

    assert ServiceRequest.objects.count() == 1
    assert {pk for _, pk in results} == {ServiceRequest.objects.get().pk}
    assert sorted(code for code, _ in results) == [200] * (RETRIES - 1) + [201]
