"""/api/parts van issues and adjustments: success, forbidden and invalid input (nothing
written) per endpoint; scoping as on the pages; Idempotency-Key on the creates."""

from __future__ import annotations

import pytest

from aftersales.accounts.choices import Role
from aftersales.parts.choices import Store, VanIssueStatus, WarehouseKind
from aftersales.parts.models import Adjustment, StockLevel, StockMove, VanIssue
from aftersales.parts.selectors import ledger_drift
from aftersales.parts.services import adjustment_create, van_issue_request

from .factories import job_for, make_part, make_region, make_van, make_warehouse, serve, stock

pytestmark = pytest.mark.django_db
API = "/api/parts"
JSON = "application/json"


@pytest.fixture
def world(clerk, technician, make_user):
    part = make_part(clerk)
    central = make_warehouse(clerk)
    van = make_van(clerk, technician)
    other = make_user(Role.TECHNICIAN)
    other_van = make_van(clerk, other)
    stock(clerk, central, part, 10)
    return {"part": part, "central": central, "van": van, "other": other, "other_van": other_van}


@pytest.fixture(autouse=True)
def _no_drift():
    yield
    assert ledger_drift() == []


def as_(client, user):
    client.force_login(user)
    return client


def on_hand(part, wh):
    lv = StockLevel.objects.filter(part=part, warehouse=wh, store=Store.GOOD).first()
    return lv.on_hand if lv else 0


def issue_body(world, **kw):
    return {"source": world["central"].pk, "lines": [{"part": world["part"].pk, "quantity": 2}], **kw}


# --- van issues: create -----------------------------------------------------------------


def test_van_issue_create_by_technician_defaults_to_his_van(client, technician, world):
    resp = as_(client, technician).post(f"{API}/van-issues", issue_body(world, note="明天的工单"), content_type=JSON)
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["van_id"] == world["van"].pk and body["status"] == VanIssueStatus.REQUESTED
    assert body["number"].startswith("VI") and body["note"] == "明天的工单" and body["created_by_id"] == technician.pk
    part = world["part"]
    assert body["lines"] == [
        {"part_id": part.pk, "part_code": part.code, "part_name": part.name, "lot": "", "quantity": 2}
        | {"at_source": 10, "in_van": 0}
    ]
    assert on_hand(world["part"], world["central"]) == 10  # nothing moves before approval


def test_van_issue_create_by_clerk_for_any_van(client, clerk, world):
    resp = as_(client, clerk).post(f"{API}/van-issues", issue_body(world, van=world["other_van"].pk), content_type=JSON)
    assert resp.status_code == 201 and resp.json()["van_id"] == world["other_van"].pk


def test_van_issue_create_is_idempotent(client, technician, world):
    c = as_(client, technician)
    first = c.post(f"{API}/van-issues", issue_body(world), content_type=JSON, HTTP_IDEMPOTENCY_KEY="vi-1")
    again = c.post(f"{API}/van-issues", issue_body(world), content_type=JSON, HTTP_IDEMPOTENCY_KEY="vi-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and VanIssue.objects.count() == 1
    other = c.post(
        f"{API}/van-issues",
        issue_body(world, note="different"),
        content_type=JSON,
        HTTP_IDEMPOTENCY_KEY="vi-1",
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert VanIssue.objects.count() == 1


def test_van_issue_create_forbidden(client, technician, agent, partner_user, world):
    # Another technician's van is not his to see (404); other roles may not ask (403).
    resp = as_(client, technician).post(
        f"{API}/van-issues", issue_body(world, van=world["other_van"].pk), content_type=JSON
    )
    assert resp.status_code == 404
    for user in (agent, partner_user):
        assert as_(client, user).post(f"{API}/van-issues", issue_body(world), content_type=JSON).status_code == 403
    assert not VanIssue.objects.exists()


def test_van_issue_create_invalid_writes_nothing(client, clerk, technician, world):
    c = as_(client, technician)
    assert c.post(f"{API}/van-issues", issue_body(world, lines=[]), content_type=JSON).status_code == 422
    bad_qty = issue_body(world, lines=[{"part": world["part"].pk, "quantity": 0}])
    assert c.post(f"{API}/van-issues", bad_qty, content_type=JSON).status_code == 422
    resp = c.post(f"{API}/van-issues", issue_body(world, source=world["van"].pk), content_type=JSON)
    assert resp.status_code == 400 and "source" in resp.json()["fields"]
    resp = c.post(f"{API}/van-issues", issue_body(world, source=world["other_van"].pk), content_type=JSON)
    assert resp.status_code == 400 and "source" in resp.json()["fields"]  # never from another van
    assert c.post(f"{API}/van-issues", issue_body(world, source=999999), content_type=JSON).status_code == 404
    too_many = issue_body(world, lines=[{"part": world["part"].pk, "quantity": 7}] * 2)  # 14 > the 10 there
    resp = c.post(f"{API}/van-issues", too_many, content_type=JSON)
    assert resp.status_code == 400 and set(resp.json()["fields"]) == {"lines.0.quantity", "lines.1.quantity"}
    assert "10" in resp.json()["fields"]["lines.0.quantity"][0]
    key_too_long = c.post(f"{API}/van-issues", issue_body(world), content_type=JSON, HTTP_IDEMPOTENCY_KEY="k" * 129)
    assert key_too_long.status_code == 400
    # The parts desk has no van of its own: it must say which.
    resp = as_(client, clerk).post(f"{API}/van-issues", issue_body(world), content_type=JSON)
    assert resp.status_code == 400 and "van" in resp.json()["fields"]
    assert not VanIssue.objects.exists()


# --- van issues: list and get -----------------------------------------------------------


def test_van_issue_list_and_get_scoping(client, clerk, technician, world):
    mine = van_issue_request(
        actor=technician, van=world["van"], source=world["central"], lines=[{"part": world["part"], "quantity": 1}]
    )
    theirs = van_issue_request(
        actor=world["other"],
        van=world["other_van"],
        source=world["central"],
        lines=[{"part": world["part"], "quantity": 1}],
    )
    t = as_(client, technician)
    assert [i["id"] for i in t.get(f"{API}/van-issues").json()["items"]] == [mine.pk]
    assert t.get(f"{API}/van-issues/{mine.pk}").json()["lines"][0]["quantity"] == 1
    assert t.get(f"{API}/van-issues/{theirs.pk}").status_code == 404
    c = as_(client, clerk)
    assert [i["id"] for i in c.get(f"{API}/van-issues").json()["items"]] == [theirs.pk, mine.pk]
    assert [i["id"] for i in c.get(f"{API}/van-issues?van={world['van'].pk}").json()["items"]] == [mine.pk]
    page = c.get(f"{API}/van-issues?size=1").json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    assert c.get(f"{API}/van-issues?status=approved").json()["items"] == []


def test_van_issue_list_and_get_forbidden(client, agent, dispatcher, partner_user, customer_user, world):
    issue = van_issue_request(
        actor=world["other"],
        van=world["other_van"],
        source=world["central"],
        lines=[{"part": world["part"], "quantity": 1}],
    )
    for user in (agent, dispatcher, partner_user, customer_user):
        c = as_(client, user)
        assert c.get(f"{API}/van-issues").status_code == 403
        assert c.get(f"{API}/van-issues/{issue.pk}").status_code == 403
    client.logout()
    assert client.get(f"{API}/van-issues").status_code == 401


def test_van_issue_list_invalid(client, clerk, world):
    c = as_(client, clerk)
    assert c.get(f"{API}/van-issues?status=lost").status_code == 422
    assert c.get(f"{API}/van-issues?size=0").status_code == 422
    assert c.get(f"{API}/van-issues?cursor=garbage").status_code == 400
    assert c.get(f"{API}/van-issues/0").status_code == 404  # an id out of range names nothing


# --- van issues: decide -----------------------------------------------------------------


def test_van_issue_decide_approve_and_reject(client, clerk, technician, world):
    a = van_issue_request(
        actor=technician, van=world["van"], source=world["central"], lines=[{"part": world["part"], "quantity": 3}]
    )
    b = van_issue_request(
        actor=technician, van=world["van"], source=world["central"], lines=[{"part": world["part"], "quantity": 1}]
    )
    c = as_(client, clerk)
    resp = c.post(f"{API}/van-issues/{a.pk}/decide", {"approve": True}, content_type=JSON)
    assert resp.status_code == 200 and resp.json()["status"] == VanIssueStatus.APPROVED
    assert resp.json()["decided_by_id"] == clerk.pk and resp.json()["decided_at"]
    assert (on_hand(world["part"], world["central"]), on_hand(world["part"], world["van"])) == (7, 3)
    resp = c.post(f"{API}/van-issues/{b.pk}/decide", {"approve": False, "reason": "车上已有"}, content_type=JSON)
    assert resp.json()["status"] == VanIssueStatus.REJECTED and resp.json()["reason"] == "车上已有"
    assert on_hand(world["part"], world["van"]) == 3


def test_van_issue_decide_forbidden(client, technician, agent, world):
    issue = van_issue_request(
        actor=technician, van=world["van"], source=world["central"], lines=[{"part": world["part"], "quantity": 1}]
    )
    url = f"{API}/van-issues/{issue.pk}/decide"
    resp = as_(client, technician).post(url, {"approve": True}, content_type=JSON)
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"  # his own issue: he sees it, may not decide
    # Deciding is the parts team's: another technician is refused for his role before the issue is looked up.
    assert as_(client, world["other"]).post(url, {"approve": True}, content_type=JSON).status_code == 403
    assert as_(client, agent).post(url, {"approve": True}, content_type=JSON).status_code == 403
    issue.refresh_from_db()
    assert issue.status == VanIssueStatus.REQUESTED and on_hand(world["part"], world["van"]) == 0


def test_van_issue_decide_invalid_changes_nothing(client, clerk, technician, world):
    big = van_issue_request(
        actor=technician, van=world["van"], source=world["central"], lines=[{"part": world["part"], "quantity": 8}]
    )
    # the central's stock went down after the request: only 4 left
    adjustment_create(actor=clerk, warehouse=world["central"], part=world["part"], quantity=-6, reason="盘亏")
    c = as_(client, clerk)
    url = f"{API}/van-issues/{big.pk}/decide"
    resp = c.post(url, {"approve": False}, content_type=JSON)  # a rejection needs a reason
    assert resp.status_code == 400 and "reason" in resp.json()["fields"]
    assert c.post(url, {"approve": "maybe"}, content_type=JSON).status_code == 422
    resp = c.post(url, {"approve": True}, content_type=JSON)  # the central has 4 now
    assert resp.status_code == 409 and resp.json()["code"] == "insufficient_stock"
    big.refresh_from_db()
    assert big.status == VanIssueStatus.REQUESTED
    assert not StockMove.objects.filter(doc_type="van_issue").exists()
    assert c.get(f"{API}/van-issues/{big.pk}").json()["lines"][0]["at_source"] == 4  # what the approver sees
    c.post(url, {"approve": False, "reason": "too many"}, content_type=JSON)
    resp = c.post(url, {"approve": True}, content_type=JSON)
    assert resp.status_code == 409 and resp.json()["code"] == "illegal_transition"


# --- adjustments ------------------------------------------------------------------------


def adj_body(world, **kw):
    return {"warehouse": world["central"].pk, "part": world["part"].pk, "quantity": -2, "reason": "摔坏", **kw}


def test_adjustment_create(client, clerk, world):
    c = as_(client, clerk)
    resp = c.post(f"{API}/adjustments", adj_body(world), content_type=JSON)
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert (body["quantity"], body["reason"], body["store"], body["created_by_id"]) == (-2, "摔坏", "good", clerk.pk)
    assert on_hand(world["part"], world["central"]) == 8
    resp = c.post(f"{API}/adjustments", adj_body(world, quantity=3, reason="盘盈"), content_type=JSON)
    assert resp.status_code == 201 and on_hand(world["part"], world["central"]) == 11
    assert c.get(f"{API}/adjustments/{body['id']}").json()["reason"] == "摔坏"


def test_adjustment_create_is_idempotent(client, clerk, world):
    c = as_(client, clerk)
    first = c.post(f"{API}/adjustments", adj_body(world), content_type=JSON, HTTP_IDEMPOTENCY_KEY="adj-7")
    again = c.post(f"{API}/adjustments", adj_body(world), content_type=JSON, HTTP_IDEMPOTENCY_KEY="adj-7")
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert Adjustment.objects.count() == 1 and on_hand(world["part"], world["central"]) == 8
    other = c.post(f"{API}/adjustments", adj_body(world, quantity=-1), content_type=JSON, HTTP_IDEMPOTENCY_KEY="adj-7")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


def test_adjustment_create_forbidden(client, technician, agent, partner_user, world):
    body = adj_body(world, warehouse=world["van"].pk, quantity=5)
    assert as_(client, technician).post(f"{API}/adjustments", body, content_type=JSON).status_code == 403
    for user in (agent, partner_user):
        assert as_(client, user).post(f"{API}/adjustments", adj_body(world), content_type=JSON).status_code == 403
    assert not Adjustment.objects.exists() and on_hand(world["part"], world["van"]) == 0


def test_adjustment_create_invalid_writes_nothing(client, clerk, world):
    c = as_(client, clerk)
    for body, status, field in (
        (adj_body(world, reason="  "), 400, "reason"),
        (adj_body(world, quantity=0), 400, "quantity"),
        (adj_body(world, quantity=-11), 409, None),  # only 10 on hand: stock never goes negative
        (adj_body(world, lot="B1"), 400, "lot"),  # the part is not tracked
        (adj_body(world, store="shelf"), 422, None),
        (adj_body(world, quantity=2_000_000), 422, None),
        ({k: v for k, v in adj_body(world).items() if k != "reason"}, 422, None),
    ):
        resp = c.post(f"{API}/adjustments", body, content_type=JSON)
        assert resp.status_code == status, (body, resp.json())
        if field:
            assert field in resp.json()["fields"]
    assert c.post(f"{API}/adjustments", adj_body(world, warehouse=999999), content_type=JSON).status_code == 404
    assert not Adjustment.objects.exists() and on_hand(world["part"], world["central"]) == 10


def test_adjustment_list(client, clerk, world):
    a = adjustment_create(actor=clerk, warehouse=world["central"], part=world["part"], quantity=-1, reason="x")
    b = adjustment_create(actor=clerk, warehouse=world["central"], part=world["part"], quantity=2, reason="y")
    other_wh = make_warehouse(clerk)
    c_ = adjustment_create(actor=clerk, warehouse=other_wh, part=world["part"], quantity=1, reason="z")
    c = as_(client, clerk)
    assert [x["id"] for x in c.get(f"{API}/adjustments").json()["items"]] == [c_.pk, b.pk, a.pk]
    assert [x["id"] for x in c.get(f"{API}/adjustments?warehouse={other_wh.pk}").json()["items"]] == [c_.pk]
    first = c.get(f"{API}/adjustments?size=2").json()
    rest = c.get(f"{API}/adjustments", {"size": 2, "cursor": first["next_cursor"]}).json()
    assert [x["id"] for x in first["items"] + rest["items"]] == [c_.pk, b.pk, a.pk]


def test_adjustment_list_forbidden(client, clerk, technician, dispatcher, customer_user, world):
    adj = adjustment_create(actor=clerk, warehouse=world["central"], part=world["part"], quantity=-1, reason="x")
    for user in (technician, dispatcher, customer_user):
        c = as_(client, user)
        assert c.get(f"{API}/adjustments").status_code == 403
        assert c.get(f"{API}/adjustments/{adj.pk}").status_code == 403


def test_adjustment_list_invalid(client, clerk, world):
    c = as_(client, clerk)
    assert c.get(f"{API}/adjustments?warehouse=0").status_code == 422
    assert c.get(f"{API}/adjustments?store=shelf").status_code == 422
    assert c.get(f"{API}/adjustments?cursor=garbage").status_code == 400
    assert c.get(f"{API}/adjustments/999999").status_code == 404


# --- consume at a shared counter through the API ------------------------------------------


def test_technician_consumes_at_his_regional_counter_via_api(client, clerk, manager, technician, world):
    region = make_region(manager)
    serve(manager, technician, region)
    outlet = make_warehouse(clerk, kind=WarehouseKind.OUTLET, region=region)
    stock(clerk, outlet, world["part"], 1)
    job = job_for(technician, manager)
    c = as_(client, technician)
    body = {"request": job.pk, "part": world["part"].pk, "quantity": 1, "warehouse": outlet.pk}
    resp = c.post(f"{API}/consume", body, content_type=JSON)
    assert resp.status_code == 201 and resp.json()["warehouse_id"] == outlet.pk
    resp = c.post(f"{API}/consume", body, content_type=JSON)
    assert resp.status_code == 409 and resp.json()["code"] == "insufficient_stock"
    resp = c.post(f"{API}/consume", {**body, "warehouse": world["central"].pk}, content_type=JSON)
    assert resp.status_code == 404  # the central warehouse is not his to take from
    assert on_hand(world["part"], world["central"]) == 10
