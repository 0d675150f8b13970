"""/api/returns: every step of an RMA over the API, the pure eligibility check, the policies,
idempotent creates, scoping (404), roles (403) and bad input (4xx, nothing written)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.returns.models import ReturnPolicy, Rma
from aftersales.returns.tests.factories import file_rma, make_unit

pytestmark = pytest.mark.django_db
URL = "/api/returns"
TODAY = timezone.localdate


def api(user):
    client = Client()
    client.force_login(user)
    return client


def post(client, path, body=None, **headers):
    return client.post(f"{URL}{path}", body or {}, content_type="application/json", **headers)


def test_the_whole_flow_to_an_exchange_over_the_api(agent, make_user):
    clerk = make_user(Role.PARTS_CLERK)
    unit = make_unit(agent, sold_days_ago=10)
    c = api(agent)
    r = post(c, "", {"unit_id": unit.pk, "reason": "fault", "description": "不制冷"})
    assert r.status_code == 201, r.content
    rma = r.json()
    assert rma["status"] == "requested" and rma["allowed_actions"] == ["check", "cancel"]
    assert rma["public_url"].endswith(f"/returns/r/{Rma.objects.get().public_token}/")
    r = post(c, f"/{rma['id']}/check")
    body = r.json()
    assert body["status"] == "checked" and body["rule"] == "fault_15d" and body["remedies"] == ["exchange", "repair"]
    check = body["eligibility"]
    assert check["dates"]["day"] == 10 and check["provisional"] is True
    assert ["Sale date (day 0)", unit.purchase_date.isoformat()] in check["dates_shown"]
    assert "day 10" in check["text"]
    assert [line["rule"] for line in check["trace"]][:2] == ["fault_7d", "fault_15d"]
    r = post(api(clerk), f"/{rma['id']}/inspect", {"fault_finding": "confirmed", "goods_condition": "intact"})
    assert r.json()["eligibility"]["provisional"] is False
    r = post(c, f"/{rma['id']}/choice", {"remedy": "exchange"})
    assert r.json()["customer_choice"] == "exchange"
    r = post(c, f"/{rma['id']}/decide", {"resolution": "exchange"})
    decision = r.json()["decision"]
    assert (decision["rule"], decision["message"]) == ("fault_15d", "returns.rule.fault_15d")
    assert decision["dates"]["day"] == 10
    r = post(api(clerk), f"/{rma['id']}/exchange", {"serial_number": "api-new-1", "old_unit_fate": "refurbish"})
    body = r.json()
    assert body["status"] == "exchanged"
    assert (
        body["new_unit"]["serial_number"] == "API-NEW-1" and body["new_unit"]["warranty_start"] == TODAY().isoformat()
    )
    events = api(agent).get(f"{URL}/{rma['id']}/timeline").json()
    assert [e["action"] for e in events] == ["", "check", "inspect", "", "decide_exchange", "exchange"]


def test_refund_flow_and_the_refunds_view(agent):
    unit = make_unit(agent, sold_days_ago=3)
    c = api(agent)
    rma_id = post(c, "", {"unit_id": unit.pk, "reason": "fault", "description": "屏幕闪"}).json()["id"]
    post(c, f"/{rma_id}/check")
    post(c, f"/{rma_id}/inspect", {"fault_finding": "confirmed", "goods_condition": "intact"})
    post(c, f"/{rma_id}/decide", {"resolution": "return"})
    r = post(c, f"/{rma_id}/refund", {"amount": "10.00", "method": "cash", "old_unit_fate": "scrap"})
    assert r.status_code == 409 and r.json()["code"] == "not_received"
    r = post(c, f"/{rma_id}/receive", {"returned_on": TODAY().isoformat()})
    assert r.json()["refund_due"] == (TODAY() + dt.timedelta(days=7)).isoformat()
    rows = c.get(URL, {"view": "refunds"}).json()
    assert [(row["id"], row["refund_state"]) for row in rows] == [(rma_id, "on_time")]
    r = post(
        c,
        f"/{rma_id}/refund",
        {"amount": "3999.50", "method": "wechat", "reference": "WX1", "old_unit_fate": "refurbish"},
    )
    assert r.json()["status"] == "refunded" and r.json()["refund_amount"] == "3999.50"


def test_create_is_idempotent(agent):
    unit = make_unit(agent)
    c = api(agent)
    body = {"unit_id": unit.pk, "reason": "fault", "description": "x"}
    first = post(c, "", body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(c, "", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Rma.objects.count() == 1
    other = post(c, "", {**body, "description": "y"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409


@pytest.mark.parametrize(
    "body, field",
    [
        ({"reason": "fault", "description": "x"}, "unit_id"),
        ({"unit_id": 987654, "reason": "fault", "description": "x"}, "unit_id"),
        ({"reason": "whatever", "description": "x"}, "reason"),
        ({"reason": "fault", "description": ""}, "description"),
        ({"reason": "fault", "description": "x", "requested_on": "9999-01-01"}, "requested_on"),
        ({"reason": "fault", "description": "x", "surprise": 1}, "surprise"),
    ],
)
def test_bad_creates_are_refused(agent, body, field):
    unit = make_unit(agent)
    if "unit_id" not in body and field != "unit_id":
        body = {"unit_id": unit.pk, **body}
    r = post(api(agent), "", body)
    assert r.status_code in (400, 422) and field in r.json()["fields"], r.json()
    assert not Rma.objects.exists()


def test_scoping_and_roles(agent, make_user, partner_user, partner_org):
    theirs = file_rma(agent, make_unit(agent), organization=partner_org)
    other = file_rma(agent, make_unit(agent))
    p = api(partner_user)
    assert [row["id"] for row in p.get(URL).json()] == [theirs.pk]
    assert p.get(f"{URL}/{other.pk}").status_code == 404
    assert post(p, f"/{other.pk}/check").status_code == 403  # role first, before the object
    assert post(p, f"/{theirs.pk}/receive").status_code == 409  # not checked yet
    assert api(make_user(Role.TECHNICIAN)).get(URL).status_code == 403
    assert Client().get(URL).status_code == 401


def test_illegal_step_is_409(agent):
    rma = file_rma(agent, make_unit(agent))
    r = post(api(agent), f"/{rma.pk}/decide", {"resolution": "exchange"})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"


# --- the pure check ------------------------------------------------------------------------------


def test_eligibility_endpoint_dates_in_decision_out(agent):
    c = api(agent)
    body = {"sale_date": "2026-01-10", "request_date": "2026-01-17", "warranty_end": "2027-01-09"}
    r = post(c, "/eligibility", body)
    assert r.status_code == 200
    assert r.json()["rule"] == "fault_7d" and r.json()["remedies"] == ["return", "exchange", "repair"]
    assert "day 7" in r.json()["text"]
    r = post(c, "/eligibility", {**body, "request_date": "2026-01-18"})
    assert r.json()["rule"] == "fault_15d"
    r = post(c, "/eligibility", {**body, "request_date": "2026-01-09"})
    assert r.status_code == 400 and "request_date" in r.json()["fields"]
    r = post(c, "/eligibility", {**body, "days_in_repair": 5, "days_waiting_parts": 6})
    assert r.status_code == 400
    assert not Rma.objects.exists()


# --- policies ----------------------------------------------------------------------------------------


def test_policies_over_the_api(manager, agent):
    policy = ReturnPolicy.objects.get(product_category=None)
    assert [p["display_name"] for p in api(agent).get(f"{URL}/policies").json()] == ["China 三包 (default)"]
    r = api(agent).patch(f"{URL}/policies/{policy.pk}", {"refund_days": 3}, content_type="application/json")
    assert r.status_code == 403
    m = api(manager)
    r = m.patch(f"{URL}/policies/{policy.pk}", {"refund_days": 3}, content_type="application/json")
    assert r.status_code == 200 and r.json()["refund_days"] == 3
    r = m.patch(f"{URL}/policies/{policy.pk}", {"exchange_days": 2}, content_type="application/json")
    assert r.status_code == 400 and "exchange_days" in r.json()["fields"]
    r = m.patch(f"{URL}/policies/{policy.pk}", {"return_days": 999}, content_type="application/json")
    assert r.status_code == 422
    from aftersales.catalog.services import category_create

    cat = category_create(actor=manager, code="API-SOFA", name="沙发")
    r = post(m, "/policies", {"name": "定制沙发", "product_category_id": cat.pk, "no_reason_return": False})
    assert r.status_code == 201 and r.json()["no_reason_return"] is False and r.json()["return_days"] == 7
