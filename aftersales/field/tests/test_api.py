"""/api/field: per endpoint a success, a forbidden (another technician 404, a dispatcher 403)
and an invalid input (400 with ``fields``, nothing changed); every POST done once per
Idempotency-Key."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.choices import Role
from aftersales.accounts.services import api_token_create
from aftersales.core.models import IdempotencyKey
from aftersales.field.choices import ChargeReason, OldPart, Outcome, QuoteStatus, SignaturePurpose, VisitStatus
from aftersales.field.models import CheckRecord, Payment, Quote, Signature, Visit, VisitPart
from aftersales.field.services import (
    payment_record,
    quote_accept,
    quote_create,
    visit_check_in,
    visit_checks_record,
    visit_diagnose,
    visit_part_use,
    visit_sign,
)
from aftersales.parts.models import DefectiveReturn, StockLevel
from aftersales.tickets.choices import Status

from .factories import (
    blank_signature_data_url,
    ensure_public_form_url,
    field_job,
    passing_results,
    quote_lines,
    signature_data_url,
)

pytestmark = pytest.mark.django_db
API = "/api/field"
LOT = "B202607"


@pytest.fixture(autouse=True)
def _urls(settings):
    ensure_public_form_url(settings)


@pytest.fixture
def job(technician, manager):
    return field_job(technician, manager)


@pytest.fixture
def warranty_job(technician, manager):
    return field_job(technician, manager, in_warranty=True)


@pytest.fixture
def other(make_user):
    return make_user(Role.TECHNICIAN)


def api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(user, url, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api(user).post(f"{API}{url}", body, content_type="application/json", **headers)


def fields(resp) -> dict:
    data = resp.json()
    assert set(data) >= {"code", "message", "fields"}
    return data["fields"]


def van_qty(job) -> int:
    return StockLevel.objects.get(part=job.part, warehouse=job.van, lot=LOT).on_hand


def status_of(job) -> str:
    job.request.refresh_from_db()
    return job.request.status


# --- state built through the services ------------------------------------------------------------


def checked_in(job):
    return visit_check_in(actor=job.technician, request=job.request)


def diagnosed(job):
    return visit_diagnose(
        actor=job.technician, visit=checked_in(job), cause=job.cause, inspection_result="不启动", solution="更换压缩机"
    )


def quoted(job):
    visit = diagnosed(job)
    return visit, quote_create(actor=job.technician, visit=visit, lines=quote_lines(job))


def working(job):
    visit, quote = quoted(job)
    quote_accept(actor=job.technician, quote=quote, signer_name="张伟", signature=signature_data_url())
    return Visit.objects.get(pk=visit.pk)


def ready_to_pay(job):
    visit = working(job)
    visit_part_use(actor=job.technician, visit=visit, part=job.part, quantity=1, lot=LOT, old_part=OldPart.DISPOSED)
    visit_checks_record(actor=job.technician, visit=visit, results=passing_results(visit))
    visit_sign(actor=job.technician, visit=visit, signer_name="张伟", signature=signature_data_url())
    return Visit.objects.get(pk=visit.pk)


# --- reads ---------------------------------------------------------------------------------------


def test_visits_list_scoped_filtered_and_constant_queries(job, technician, manager, other, dispatcher):
    visit = checked_in(job)
    second = field_job(technician, manager, stock_quantity=0)
    checked_in(second)
    items = api(technician).get(f"{API}/visits").json()["items"]
    assert len(items) == 2
    only = api(technician).get(f"{API}/visits", {"request": job.request.pk}).json()["items"]
    assert [v["id"] for v in only] == [visit.pk]
    assert only[0]["number"] == visit.number and only[0]["request_number"] == job.request.number
    assert only[0]["technician"] == {"id": technician.pk, "name": technician.display_name}
    assert api(technician).get(f"{API}/visits", {"open": "false"}).json()["items"] == []
    assert api(other).get(f"{API}/visits").json()["items"] == []
    assert len(api(dispatcher).get(f"{API}/visits").json()["items"]) == 2
    # invalid input
    resp = api(technician).get(f"{API}/visits", {"cursor": "garbage"})
    assert resp.status_code == 400 and "cursor" in fields(resp)
    assert api(technician).get(f"{API}/visits", {"request": 0}).status_code == 422
    # the page costs the same whatever its length
    client = api(dispatcher)
    with CaptureQueriesContext(connection) as two:
        client.get(f"{API}/visits")
    for _ in range(3):
        checked_in(field_job(technician, manager, stock_quantity=0))
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(f"{API}/visits").json()["items"]) == 5
    assert len(five) == len(two)


def test_visit_detail(job, other, dispatcher, customer_user):
    visit = ready_to_pay(job)
    resp = api(job.technician).get(f"{API}/visits/{visit.pk}")
    assert resp.status_code == 200
    data = resp.json()
    assert data["status"] == VisitStatus.WORKING and data["fault_cause"]["id"] == job.cause.pk
    [quote] = data["quotes"]
    assert quote["status"] == QuoteStatus.ACCEPTED and Decimal(quote["total"]) == Decimal("1730.00")
    assert [line["kind"] for line in quote["lines"]] == ["part", "labour", "call_out"]
    [part] = data["parts"]
    assert (part["part_id"], part["quantity"], part["lot"], part["old_part"]) == (job.part.pk, 1, LOT, "disposed")
    assert len(data["checks"]) == len(job.checks)
    assert {(s["purpose"], s["has_image"]) for s in data["signatures"]} == {("quote", True), ("form", True)}
    assert "image" not in data["signatures"][0]
    assert data["payments"] == [] and Decimal(data["owed"]) == Decimal("1730.00")
    assert data["missing"] == ["payment of 1730.00 CNY"]
    assert api(dispatcher).get(f"{API}/visits/{visit.pk}").status_code == 200  # office staff read
    assert api(other).get(f"{API}/visits/{visit.pk}").status_code == 404
    assert api(customer_user).get(f"{API}/visits/{visit.pk}").status_code == 404
    assert api(job.technician).get(f"{API}/visits/999999").status_code == 404


def test_visit_detail_queries_do_not_grow_with_the_form(job, technician, manager):
    visit = ready_to_pay(job)
    client = api(technician)
    with CaptureQueriesContext(connection) as one:
        client.get(f"{API}/visits/{visit.pk}")
    visit_part_use(actor=technician, visit=visit, part=job.part, quantity=1, lot=LOT, old_part=OldPart.RETURNED)
    payment_record(actor=technician, visit=visit, method="cash", amount="10")
    with CaptureQueriesContext(connection) as two:
        assert len(client.get(f"{API}/visits/{visit.pk}").json()["parts"]) == 2
    assert len(two) == len(one)


def test_fault_tree(job, other, dispatcher):
    resp = api(job.technician).get(f"{API}/requests/{job.request.pk}/fault-tree")
    assert resp.status_code == 200
    causes = [c["id"] for cat in resp.json() for f in cat["faults"] for c in f["causes"]]
    assert job.cause.pk in causes
    assert api(dispatcher).get(f"{API}/requests/{job.request.pk}/fault-tree").status_code == 200
    assert api(other).get(f"{API}/requests/{job.request.pk}/fault-tree").status_code == 404
    assert api(job.technician).get(f"{API}/requests/0/fault-tree").status_code == 404


def test_checks_list(warranty_job, other):
    job = warranty_job
    visit = diagnosed(job)
    lines = api(job.technician).get(f"{API}/visits/{visit.pk}/checks").json()
    assert {line["id"] for line in lines} == {c.pk for c in job.checks}
    assert all(line["result"] is None for line in lines)
    visit_checks_record(actor=job.technician, visit=visit, results=passing_results(visit))
    lines = api(job.technician).get(f"{API}/visits/{visit.pk}/checks").json()
    assert {line["result"] for line in lines} == {"pass"}
    assert api(other).get(f"{API}/visits/{visit.pk}/checks").status_code == 404


# --- check-in ------------------------------------------------------------------------------------


def test_check_in(job, other, dispatcher):
    body = {"request": job.request.pk, "latitude": "31.2304", "longitude": 121.4737}
    assert post(other, "/check-in", body).status_code == 404
    resp = post(dispatcher, "/check-in", body)
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"
    resp = post(job.technician, "/check-in", {**body, "latitude": "91"})
    assert resp.status_code == 422 and "latitude" in fields(resp)  # refused by the schema's range
    assert not Visit.objects.exists() and status_of(job) == Status.ACCEPTED

    resp = post(job.technician, "/check-in", body)
    assert resp.status_code == 201
    data = resp.json()
    assert data["sequence"] == 1 and data["status"] == VisitStatus.ON_SITE and data["number"].startswith("SF")
    assert Decimal(data["check_in_lat"]) == Decimal("31.230400")
    assert status_of(job) == Status.IN_PROGRESS
    resp = post(job.technician, "/check-in", body)
    assert resp.status_code == 409 and resp.json()["code"] == "visit_open"


def test_check_in_replayed_with_the_same_key_checks_in_once(job):
    body = {"request": job.request.pk}
    first = post(job.technician, "/check-in", body, key="phone-1")
    again = post(job.technician, "/check-in", body, key="phone-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Visit.objects.count() == 1
    resp = post(job.technician, "/check-in", {**body, "latitude": "31"}, key="phone-1")
    assert resp.status_code == 409 and resp.json()["code"] == "idempotency_key_reused"
    resp = post(job.technician, "/check-in", body, key="x" * 129)
    assert resp.status_code == 400 and "Idempotency-Key" in fields(resp)


def test_check_in_over_a_bearer_token(job):
    _, secret = api_token_create(actor=job.technician, user=job.technician, name="phone")
    resp = Client().post(
        f"{API}/check-in",
        {"request": job.request.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert resp.status_code == 201
    assert (
        Client().post(f"{API}/check-in", {"request": job.request.pk}, content_type="application/json").status_code
        == 401
    )


# --- diagnose ------------------------------------------------------------------------------------


def diagnosis(job, **kw):
    return {"cause": job.cause.pk, "inspection_result": "压缩机不启动", "solution": "更换压缩机", **kw}


def test_diagnose(job, other, dispatcher):
    visit = checked_in(job)
    url = f"/visits/{visit.pk}/diagnose"
    assert post(other, url, diagnosis(job)).status_code == 404
    assert post(dispatcher, url, diagnosis(job)).status_code == 403
    resp = post(job.technician, url, diagnosis(job, inspection_result="  ", solution=""))
    assert resp.status_code == 400 and set(fields(resp)) == {"inspection_result", "solution"}
    resp = post(job.technician, url, diagnosis(job, cause=999999))
    assert resp.status_code == 400 and "cause" in fields(resp)
    resp = post(job.technician, url, diagnosis(job, charge_reason="because"))
    assert resp.status_code == 400 and "charge_reason" in fields(resp)
    assert Visit.objects.get().status == VisitStatus.ON_SITE

    resp = post(job.technician, url, diagnosis(job), key="d-1")
    assert resp.status_code == 200
    data = resp.json()
    assert data["status"] == VisitStatus.DIAGNOSED and data["charge_reason"] == ChargeReason.OUT_OF_WARRANTY
    assert data["missing"]  # nothing quoted, tested or signed yet
    again = post(job.technician, url, diagnosis(job), key="d-1")
    assert again.status_code == 200 and again.json()["diagnosed_at"] == data["diagnosed_at"]


# --- quote ---------------------------------------------------------------------------------------


def quote_body(job, **line):
    lines = [
        {"kind": "part", "part": job.part.pk, "quantity": 1, "unit_price": "1500.00"},
        {"kind": "labour", "description": "更换压缩机工时", "quantity": "2", "unit_price": "90"},
        {"kind": "call_out", "description": "上门费", "unit_price": 50},
    ]
    lines[1].update(line)
    return {"lines": lines}


def test_quote(job, other, dispatcher):
    visit = diagnosed(job)
    url = f"/visits/{visit.pk}/quote"
    assert post(other, url, quote_body(job)).status_code == 404
    assert post(dispatcher, url, quote_body(job)).status_code == 403
    resp = post(job.technician, url, quote_body(job, covered=True))
    assert resp.status_code == 400 and list(fields(resp)) == ["lines.1.covered"]
    resp = post(job.technician, url, {"lines": []})
    assert resp.status_code == 400 and "lines" in fields(resp)
    resp = post(job.technician, url, quote_body(job, quantity="1e30"))
    assert resp.status_code == 422 and list(fields(resp)) == ["lines.1.quantity"]  # past the schema's digits
    resp = post(job.technician, url, quote_body(job, quantity="1001"))
    assert resp.status_code == 400 and list(fields(resp)) == ["lines.1.quantity"]  # the service's range
    assert not Quote.objects.exists() and status_of(job) == Status.IN_PROGRESS

    resp = post(job.technician, url, quote_body(job), key="q-1")
    assert resp.status_code == 201
    data = resp.json()
    assert [Decimal(data[k]) for k in ("subtotal", "covered", "total")] == [Decimal("1730"), 0, Decimal("1730")]
    assert [Decimal(line["amount"]) for line in data["lines"]] == [Decimal("1500"), Decimal("180"), Decimal("50")]
    assert status_of(job) == Status.WAITING_QUOTE
    again = post(job.technician, url, quote_body(job), key="q-1")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Quote.objects.count() == 1 and Quote.objects.get().status == QuoteStatus.PENDING


# --- the customer's answer -----------------------------------------------------------------------


def test_quote_draft(warranty_job, job, other):
    """The draft a mobile app starts from: in warranty with extras, the repair lines are on the warranty."""
    wjob = warranty_job
    visit = visit_diagnose(
        actor=wjob.technician,
        visit=checked_in(wjob),
        cause=wjob.cause,
        inspection_result="不制冷",
        solution="更换压缩机",
        charge_reason=ChargeReason.EXTRA_ITEMS,
    )
    response = api(wjob.technician).get(f"{API}/visits/{visit.pk}/quote-draft")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["may_cover"] is True
    assert [line["kind"] for line in data["lines"]] == ["call_out", "labour", "part"]
    assert all(line["covered"] for line in data["lines"])
    assert Decimal(data["customer_pays"]) == 0
    assert Decimal(data["warranty_pays"]) == Decimal(data["list_price"]) == Decimal("130.00") + wjob.part.price
    # an extra the customer asked for, sent with the draft's lines: only that is charged
    lines = data["lines"] + [{"kind": "other", "description": "深度清洗", "quantity": "1", "unit_price": "120.00"}]
    body = {"lines": [{k: v for k, v in ln.items() if k != "part_id"} | {"part": ln.get("part_id")} for ln in lines]}
    quoted_ = post(wjob.technician, f"/visits/{visit.pk}/quote", body, key="draft-1")
    assert quoted_.status_code == 201, quoted_.content
    assert (Decimal(quoted_.json()["covered"]), Decimal(quoted_.json()["total"])) == (
        Decimal("130.00") + wjob.part.price,
        Decimal("120.00"),
    )
    # out of warranty: nothing on the warranty; another technician: 404
    plain = diagnosed(job)
    data = api(job.technician).get(f"{API}/visits/{plain.pk}/quote-draft").json()
    assert data["may_cover"] is False and not any(line["covered"] for line in data["lines"])
    assert Decimal(data["customer_pays"]) == Decimal(data["list_price"])
    assert api(other).get(f"{API}/visits/{plain.pk}/quote-draft").status_code == 404


def test_quote_accept(job, other, dispatcher, technician, manager):
    visit, quote = quoted(job)
    url = f"/visits/{visit.pk}/quote/accept"
    body = {"quote": quote.pk, "signer_name": "张伟", "signature": signature_data_url()}
    assert post(other, url, body).status_code == 404
    assert post(dispatcher, url, body).status_code == 403
    resp = post(job.technician, url, {**body, "signature": blank_signature_data_url()})
    assert resp.status_code == 400 and "signature" in fields(resp)
    _, foreign = quoted(field_job(technician, manager, stock_quantity=0))
    resp = post(job.technician, url, {**body, "quote": foreign.pk})
    assert resp.status_code == 400 and "quote" in fields(resp)
    resp = post(job.technician, url, {**body, "signer_name": " "})
    assert resp.status_code == 400 and "signer_name" in fields(resp)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PENDING and not Signature.objects.exists()

    resp = post(job.technician, url, body, key="a-1")
    assert resp.status_code == 200
    assert resp.json()["status"] == VisitStatus.WORKING and Decimal(resp.json()["customer_total"]) == Decimal("1730")
    again = post(job.technician, url, body, key="a-1")
    assert again.status_code == 200 and again.json()["id"] == visit.pk
    assert Signature.objects.filter(purpose=SignaturePurpose.QUOTE).count() == 1
    assert status_of(job) == Status.IN_PROGRESS
    resp = post(job.technician, url, body)  # a new answer to a decided quote
    assert resp.status_code == 409


def test_quote_decline(job, other, dispatcher):
    visit, quote = quoted(job)
    url = f"/visits/{visit.pk}/quote/decline"
    body = {"quote": quote.pk, "reason": "太贵了"}
    assert post(other, url, body).status_code == 404
    assert post(dispatcher, url, body).status_code == 403
    resp = post(job.technician, url, {**body, "reason": ""})
    assert resp.status_code == 400 and "reason" in fields(resp)
    assert status_of(job) == Status.WAITING_QUOTE

    resp = post(job.technician, url, body, key="no-1")
    assert resp.status_code == 200
    data = resp.json()
    assert data["status"] == VisitStatus.DONE and data["outcome"] == Outcome.QUOTE_DECLINED
    assert data["quotes"][0]["decline_reason"] == "太贵了" and data["missing"] == []
    assert post(job.technician, url, body, key="no-1").status_code == 200
    assert status_of(job) == Status.CANCELLED


# --- parts ---------------------------------------------------------------------------------------


def part_body(job, **kw):
    return {"part": job.part.pk, "quantity": 1, "lot": LOT, "old_part": "returned", "old_serial": "OLD-1", **kw}


def test_parts(job, other, dispatcher):
    visit = working(job)
    url = f"/visits/{visit.pk}/parts"
    assert post(other, url, part_body(job)).status_code == 404
    assert post(dispatcher, url, part_body(job)).status_code == 403
    resp = post(job.technician, url, part_body(job, old_part="thrown_away"))
    assert resp.status_code == 400 and "old_part" in fields(resp)
    resp = post(job.technician, url, part_body(job, part=999999))
    assert resp.status_code == 400 and "part" in fields(resp)
    resp = post(job.technician, url, part_body(job, quantity=99))
    assert resp.status_code == 409 and resp.json()["code"] == "insufficient_stock"
    assert van_qty(job) == 5 and not VisitPart.objects.exists()

    resp = post(job.technician, url, part_body(job), key="p-1")
    assert resp.status_code == 201
    data = resp.json()
    assert (data["part_code"], data["quantity"], data["lot"], data["old_serial"]) == (job.part.code, 1, LOT, "OLD-1")
    assert data["defective_return_id"] == DefectiveReturn.objects.get().pk
    again = post(job.technician, url, part_body(job), key="p-1")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert van_qty(job) == 4 and VisitPart.objects.count() == 1 and DefectiveReturn.objects.count() == 1


def test_parts_before_consent(job):
    visit, _ = quoted(job)
    resp = post(job.technician, f"/visits/{visit.pk}/parts", part_body(job))
    assert resp.status_code == 409 and resp.json()["code"] == "consent_required"
    assert van_qty(job) == 5


# --- checks --------------------------------------------------------------------------------------


def test_checks(warranty_job, other, dispatcher):
    job = warranty_job
    visit = diagnosed(job)
    url = f"/visits/{visit.pk}/checks"
    results = {str(c.pk): {"result": "pass"} for c in job.checks}
    body = {"results": results, "care_instructions": "每月清洗滤网"}
    assert post(other, url, body).status_code == 404
    assert post(dispatcher, url, body).status_code == 403
    first = job.checks[0].pk
    resp = post(job.technician, url, {"results": {**results, str(first): {"result": "ok"}}})
    assert resp.status_code == 400 and list(fields(resp)) == [f"check_{first}"]
    resp = post(job.technician, url, {"results": {**results, str(first): {"result": "fail"}}})
    assert resp.status_code == 400 and list(fields(resp)) == [f"check_{first}"]  # a failure needs a note
    assert not CheckRecord.objects.exists()

    resp = post(job.technician, url, body, key="c-1")
    assert resp.status_code == 200
    data = resp.json()
    assert data["tested_at"] and data["care_instructions"] == "每月清洗滤网"
    assert {c["result"] for c in data["checks"]} == {"pass"}
    assert post(job.technician, url, body, key="c-1").json()["tested_at"] == data["tested_at"]
    assert CheckRecord.objects.count() == len(job.checks)


# --- sign ----------------------------------------------------------------------------------------


def test_sign(job, other, dispatcher):
    visit = working(job)
    url = f"/visits/{visit.pk}/sign"
    body = {"signer_name": "张伟", "signature": signature_data_url(seed=4)}
    assert post(other, url, body).status_code == 404
    assert post(dispatcher, url, body).status_code == 403
    for bad in (blank_signature_data_url(), "data:image/jpeg;base64,AAAA", "not a signature"):
        resp = post(job.technician, url, {**body, "signature": bad})
        assert resp.status_code == 400 and "signature" in fields(resp)
    assert not Signature.objects.filter(purpose=SignaturePurpose.FORM).exists()

    resp = post(job.technician, url, body, key="s-1")
    assert resp.status_code == 201
    data = resp.json()
    assert (data["purpose"], data["role"], data["signer_name"], data["has_image"]) == ("form", "customer", "张伟", True)
    again = post(job.technician, url, body, key="s-1")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Signature.objects.filter(purpose=SignaturePurpose.FORM).count() == 1


# --- payments ------------------------------------------------------------------------------------


def test_payments(job, other, dispatcher):
    visit = ready_to_pay(job)
    url = f"/visits/{visit.pk}/payments"
    body = {"method": "wechat", "amount": "1730.00", "reference": "WX4200001"}
    assert post(other, url, body).status_code == 404
    assert post(dispatcher, url, body).status_code == 403
    resp = post(job.technician, url, {**body, "amount": "1730.01"})
    assert resp.status_code == 400 and "amount" in fields(resp)
    resp = post(job.technician, url, {**body, "method": "bitcoin"})
    assert resp.status_code == 400 and "method" in fields(resp)
    assert not Payment.objects.exists()

    resp = post(job.technician, url, body, key="pay-1")
    assert resp.status_code == 201
    data = resp.json()
    assert data["receipt_number"].startswith("RC") and Decimal(data["amount"]) == Decimal("1730.00")
    again = post(job.technician, url, body, key="pay-1")
    assert again.status_code == 200 and again.json()["receipt_number"] == data["receipt_number"]
    assert Payment.objects.count() == 1
    resp = post(job.technician, url, {**body, "amount": "1"}, key="pay-2")
    assert resp.status_code == 400 and fields(resp) == {"amount": ["Nothing is owed on this visit."]}


# --- check-out -----------------------------------------------------------------------------------


def test_check_out(job, other, dispatcher):
    visit = working(job)
    url = f"/visits/{visit.pk}/check-out"
    body = {"outcome": "completed"}
    assert post(other, url, body).status_code == 404
    assert post(dispatcher, url, body).status_code == 403
    resp = post(job.technician, url, body)
    assert resp.status_code == 400 and resp.json()["code"] == "form_incomplete"
    assert fields(resp)["form"] == ["function test", "the customer's signature", "payment of 1730.00 CNY"]
    resp = post(job.technician, url, {"outcome": "second_visit", "reason": "缺件"})
    assert resp.status_code == 400 and "second_visit_reason" in fields(resp)
    resp = post(job.technician, url, {"outcome": "abandoned"})
    assert resp.status_code == 400 and "outcome" in fields(resp)
    assert Visit.objects.get().status == VisitStatus.WORKING and status_of(job) == Status.IN_PROGRESS

    visit_part_use(actor=job.technician, visit=visit, part=job.part, quantity=1, lot=LOT, old_part=OldPart.DISPOSED)
    visit_checks_record(actor=job.technician, visit=visit, results=passing_results(visit))
    visit_sign(actor=job.technician, visit=visit, signer_name="张伟", signature=signature_data_url())
    payment_record(actor=job.technician, visit=visit, method="cash", amount="1730")
    resp = post(job.technician, url, body, key="out-1")
    assert resp.status_code == 200
    data = resp.json()
    assert data["status"] == VisitStatus.DONE and data["first_time_fix"] is True and data["missing"] == []
    again = post(job.technician, url, body, key="out-1")
    assert again.status_code == 200 and again.json()["checked_out_at"] == data["checked_out_at"]
    assert status_of(job) == Status.COMPLETED
    assert IdempotencyKey.objects.filter(scope=f"field.check_out.{visit.pk}").count() == 1


def test_check_out_second_visit(warranty_job):
    job = warranty_job
    visit = diagnosed(job)
    body = {"outcome": "second_visit", "second_visit_reason": "waiting_parts", "reason": "中心库调货"}
    resp = post(job.technician, f"/visits/{visit.pk}/check-out", body)
    assert resp.status_code == 200 and resp.json()["first_time_fix"] is False
    assert status_of(job) == Status.WAITING_PARTS


def test_openapi_lists_the_field_endpoints(admin_user):
    paths = api(admin_user).get("/api/openapi.json").json()["paths"]
    assert {
        "/api/field/visits",
        "/api/field/visits/{visit_id}",
        "/api/field/requests/{request_id}/fault-tree",
        "/api/field/visits/{visit_id}/checks",
        "/api/field/check-in",
        "/api/field/visits/{visit_id}/diagnose",
        "/api/field/visits/{visit_id}/quote",
        "/api/field/visits/{visit_id}/quote/accept",
        "/api/field/visits/{visit_id}/quote/decline",
        "/api/field/visits/{visit_id}/parts",
        "/api/field/visits/{visit_id}/sign",
        "/api/field/visits/{visit_id}/payments",
        "/api/field/visits/{visit_id}/check-out",
    } <= set(paths)
