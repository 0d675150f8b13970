"""Two desks at once (PostgreSQL: real row locks): an RMA is exchanged once, refunded once and
filed once per unit, whatever the race."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from aftersales.accounts.services import api_token_create
from aftersales.catalog.models import ProductUnit
from aftersales.returns.choices import Resolution, Status
from aftersales.returns.models import Rma
from aftersales.returns.tests.factories import file_rma, make_unit, walk

N = 8


def _race(user, url: str, bodies: list[dict]) -> list[int]:
    _, secret = api_token_create(actor=user, user=user, name="desk")
    start = threading.Barrier(len(bodies))

    def send(i):
        try:
            start.wait()
            resp = Client().post(
                url, json.dumps(bodies[i]), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
            )
            return resp.status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, range(len(bodies))))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_rma_is_exchanged_once(agent):
    rma = walk(file_rma(agent, make_unit(agent, sold_days_ago=10)), agent, to="decided", resolution=Resolution.EXCHANGE)
    bodies = [{"serial_number": f"RACE-{i}", "old_unit_fate": "scrap"} for i in range(N)]
    codes = _race(agent, f"/api/returns/{rma.pk}/exchange", bodies)
    assert sorted(codes) == [200] + [409] * (N - 1)
    assert ProductUnit.objects.filter(exchanged_from=rma.unit).count() == 1
    assert Rma.objects.get(pk=rma.pk).status == Status.EXCHANGED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_open_rma_per_unit_under_a_race(agent):
    unit = make_unit(agent)
    bodies = [{"unit_id": unit.pk, "reason": "fault", "description": f"第 {i} 次"} for i in range(N)]
    codes = _race(agent, "/api/returns", bodies)
    assert codes.count(201) == 1 and Rma.objects.filter(unit=unit).count() == 1
