"""A phone that resubmits, or two taps at once: each step happens once (PostgreSQL: real row locks)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from aftersales.accounts.services import api_token_create
from aftersales.field.models import Payment, Visit, VisitPart
from aftersales.field.services import visit_check_in
from aftersales.parts.models import StockLevel
from aftersales.parts.selectors import ledger_drift
from aftersales.tickets.choices import Status

from .factories import field_job, visit_ready_to_pay

N = 10
API = "/api/field"


def _race(user, url: str, bodies: list[dict], keys: list[str | None]) -> list[tuple[int, dict]]:
    """POST all at once (a barrier), each thread on its own connection, as ``user`` with a bearer token."""
    _, secret = api_token_create(actor=user, user=user, name="phone")
    start = threading.Barrier(len(bodies))

    def send(i):
        try:
            headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
            if keys[i]:
                headers["HTTP_IDEMPOTENCY_KEY"] = keys[i]
            start.wait()
            resp = Client().post(url, json.dumps(bodies[i]), content_type="application/json", **headers)
            return resp.status_code, resp.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, range(len(bodies))))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_retries_of_one_check_in_open_one_visit(technician, manager):
    job = field_job(technician, manager, stock_quantity=0)
    body = {"request": job.request.pk, "latitude": "31.2304", "longitude": "121.4737"}
    results = _race(technician, f"{API}/check-in", [body] * N, ["arrive-SR-1"] * N)
    assert sorted(code for code, _ in results) == [200] * (N - 1) + [201]
    visit = Visit.objects.get()
    assert {data["id"] for _, data in results} == {visit.pk}
    assert visit.sequence == 1
    job.request.refresh_from_db()
    assert job.request.status == Status.IN_PROGRESS
    assert job.request.events.filter(action="start").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_different_check_ins_open_one_visit_the_rest_conflict(technician, manager):
    job = field_job(technician, manager, stock_quantity=0)
    body = {"request": job.request.pk}
    results = _race(technician, f"{API}/check-in", [body] * N, [f"tap-{i}" for i in range(N)])
    codes = sorted(code for code, _ in results)
    assert codes == [201] + [409] * (N - 1)
    conflicts = [data for code, data in results if code == 409]
    assert {data["code"] for data in conflicts} == {"visit_open"}
    assert all(data["message"] == "You are already checked in on this job." for data in conflicts)
    assert Visit.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_service_check_ins_at_once_open_one_visit(technician, manager):
    from aftersales.core.errors import ConflictError

    job = field_job(technician, manager, stock_quantity=0)
    start = threading.Barrier(N)

    def check_in(_):
        try:
            start.wait()
            return visit_check_in(actor=technician, request=job.request)
        except ConflictError as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=N) as pool:
        results = list(pool.map(check_in, range(N)))
    visits = [r for r in results if isinstance(r, Visit)]
    assert len(visits) == 1 and Visit.objects.count() == 1
    assert {r.code for r in results if not isinstance(r, Visit)} == {"visit_open"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_retries_of_one_part_take_it_from_the_van_once(technician, manager):
    job = field_job(technician, manager)  # five in the van
    visit = visit_ready_to_pay(job, use_part=False)
    body = {"part": job.part.pk, "quantity": 1, "lot": "B202607", "old_part": "returned", "old_serial": "OLD-1"}
    results = _race(technician, f"{API}/visits/{visit.pk}/parts", [body] * N, ["fit-1"] * N)
    assert sorted(code for code, _ in results) == [200] * (N - 1) + [201]
    assert VisitPart.objects.count() == 1
    assert StockLevel.objects.get(part=job.part, warehouse=job.van, lot="B202607").on_hand == 4
    assert ledger_drift() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_payments_of_the_whole_amount_at_once_take_it_once(technician, manager):
    job = field_job(technician, manager)
    visit = visit_ready_to_pay(job)
    body = {"method": "cash", "amount": str(visit.customer_total)}
    results = _race(technician, f"{API}/visits/{visit.pk}/payments", [body] * N, [f"pay-{i}" for i in range(N)])
    assert sorted(code for code, _ in results) == [201] + [400] * (N - 1)
    assert {json.dumps(data["fields"]) for code, data in results if code == 400} == {
        json.dumps({"amount": ["Nothing is owed on this visit."]})
    }
    assert Payment.objects.count() == 1
