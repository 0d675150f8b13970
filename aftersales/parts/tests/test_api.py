"""/api/parts: success, forbidden and invalid per endpoint, with the same scoping as the UI."""

from __future__ import annotations

import pytest

from aftersales.accounts.choices import Role
from aftersales.parts.choices import WarehouseKind
from aftersales.parts.models import StockCount, TransferOrder

from .factories import job_for, make_part, make_van, make_warehouse, stock

pytestmark = pytest.mark.django_db
API = "/api/parts"


@pytest.fixture
def world(clerk, technician, manager):
    part = make_part(clerk)
    central = make_warehouse(clerk)
    van = make_van(clerk, technician)
    stock(clerk, central, part, 10)
    stock(clerk, van, part, 2)
    return {"part": part, "central": central, "van": van, "job": job_for(technician, manager)}


def as_(client, user):
    client.force_login(user)
    return client


def test_parts_list_create(client, clerk, technician, customer_user, world):
    c = as_(client, clerk)
    assert c.get(f"{API}/parts").json()["items"][0]["code"] == world["part"].code
    resp = c.post(f"{API}/parts", {"code": "pt-api", "name": "配件"}, content_type="application/json")
    assert resp.status_code == 201 and resp.json()["code"] == "PT-API"
    resp = c.post(f"{API}/parts", {"code": "", "name": "x"}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["code"] == "invalid"
    resp = as_(client, technician).post(f"{API}/parts", {"code": "PT-T", "name": "x"}, content_type="application/json")
    assert resp.status_code == 403
    # The catalogue is for staff: a customer is refused for his role (403, as on the pages), whatever the id.
    assert as_(client, customer_user).get(f"{API}/parts/{world['part'].pk}").status_code == 403


def test_warehouses_and_levels_scoping(client, clerk, technician, partner_user, world):
    outlet = make_warehouse(clerk, kind=WarehouseKind.OUTLET, organization=partner_user.organization)
    assert len(as_(client, clerk).get(f"{API}/warehouses").json()) == 3
    assert [w["id"] for w in as_(client, technician).get(f"{API}/warehouses").json()] == [world["van"].pk]
    assert [w["id"] for w in as_(client, partner_user).get(f"{API}/warehouses").json()] == [outlet.pk]
    assert as_(client, technician).get(f"{API}/warehouses/{world['central'].pk}").status_code == 404
    levels = as_(client, technician).get(f"{API}/levels").json()
    assert [(lv["warehouse_id"], lv["available"]) for lv in levels] == [(world["van"].pk, 2)]
    assert as_(client, clerk).get(f"{API}/levels?warehouse=0").status_code == 422


def test_moves_list_filter_and_scope(client, clerk, technician, make_user, world):
    moves = as_(client, clerk).get(f"{API}/moves?move_type=receipt").json()["items"]
    assert len(moves) == 2
    assert len(as_(client, technician).get(f"{API}/moves").json()["items"]) == 1
    assert as_(client, clerk).get(f"{API}/moves?move_type=nope").status_code == 422
    assert as_(client, clerk).get(f"{API}/moves?cursor=garbage").status_code == 400


def test_receipts(client, clerk, technician, world):
    body = {
        "warehouse": world["central"].pk,
        "supplier": "S",
        "lines": [{"part": world["part"].pk, "quantity": 2, "unit_cost": "9.50"}],
    }
    assert as_(client, clerk).post(f"{API}/receipts", body, content_type="application/json").status_code == 201
    assert as_(client, technician).post(f"{API}/receipts", body, content_type="application/json").status_code == 403
    body["lines"] = []
    assert as_(client, clerk).post(f"{API}/receipts", body, content_type="application/json").status_code == 422


def test_receipt_transfer_and_reservation_retries_are_done_once(client, clerk, technician, world):
    from aftersales.parts.models import PurchaseReceipt, Reservation, StockLevel

    c = as_(client, clerk)
    receipt = {
        "warehouse": world["central"].pk,
        "supplier": "S",
        "lines": [{"part": world["part"].pk, "quantity": 2, "unit_cost": "9.50"}],
    }
    on_hand = StockLevel.objects.filter(warehouse=world["central"], part=world["part"]).values_list(
        "on_hand", flat=True
    )
    before = sum(on_hand)
    codes = [
        c.post(f"{API}/receipts", receipt, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r-1").status_code
        for _ in range(2)
    ]
    assert codes == [201, 200] and PurchaseReceipt.objects.filter(supplier="S").count() == 1
    assert sum(on_hand.all()) == before + 2
    van = world["van"]
    transfer = {
        "source": world["central"].pk,
        "destination": van.pk,
        "lines": [{"part": world["part"].pk, "quantity": 1}],
    }
    first = c.post(f"{API}/transfers", transfer, content_type="application/json", HTTP_IDEMPOTENCY_KEY="t-1")
    again = c.post(f"{API}/transfers", transfer, content_type="application/json", HTTP_IDEMPOTENCY_KEY="t-1")
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert TransferOrder.objects.count() == 1
    t = as_(client, technician)
    body = {"request": world["job"].pk, "part": world["part"].pk, "quantity": 1}
    codes = [
        t.post(f"{API}/reserve", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="res-1").status_code
        for _ in range(2)
    ]
    assert codes == [201, 200] and Reservation.objects.count() == 1


def test_transfers_and_transitions(client, clerk, partner_user, world):
    outlet = make_warehouse(clerk, kind=WarehouseKind.OUTLET, organization=partner_user.organization)
    c = as_(client, clerk)
    body = {
        "source": world["central"].pk,
        "destination": outlet.pk,
        "lines": [{"part": world["part"].pk, "quantity": 3}],
    }
    t = c.post(f"{API}/transfers", body, content_type="application/json").json()
    url = f"{API}/transfers/{t['id']}/transition"
    assert c.post(url, {"action": "ship"}, content_type="application/json").json()["code"] == "illegal_transition"
    for action in ("approve", "ship"):
        assert c.post(url, {"action": action}, content_type="application/json").status_code == 200
    p = as_(client, partner_user)
    assert p.get(f"{API}/transfers").json()[0]["status"] == "shipped"
    assert p.post(url, {"action": "receive"}, content_type="application/json").json()["status"] == "received"
    assert TransferOrder.objects.get().status == "received"


def test_reserve_consume_release(client, technician, make_user, world):
    c = as_(client, technician)
    body = {"request": world["job"].pk, "part": world["part"].pk, "quantity": 1}
    r = c.post(f"{API}/reserve", body, content_type="application/json")
    assert r.status_code == 201
    resp = c.post(f"{API}/consume", {**body, "reservation": r.json()["id"]}, content_type="application/json")
    assert resp.status_code == 201
    resp = c.post(f"{API}/consume", {**body, "quantity": 5}, content_type="application/json")
    assert resp.status_code == 409 and resp.json()["code"] == "insufficient_stock"
    r2 = c.post(f"{API}/reserve", body, content_type="application/json").json()
    assert c.post(f"{API}/reservations/{r2['id']}/release").json()["status"] == "released"
    other = make_user(Role.TECHNICIAN)
    assert as_(client, other).post(f"{API}/consume", body, content_type="application/json").status_code == 404
    assert c.post(f"{API}/consume", {**body, "quantity": 0}, content_type="application/json").status_code == 422


def test_consume_resubmitted_with_the_same_key_books_once(client, technician, world):
    from aftersales.parts.models import Consumption

    c = as_(client, technician)
    body = {"request": world["job"].pk, "part": world["part"].pk, "quantity": 1}
    first = c.post(f"{API}/consume", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="phone-1")
    again = c.post(f"{API}/consume", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="phone-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Consumption.objects.count() == 1
    other = c.post(
        f"{API}/consume", {**body, "quantity": 2}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="phone-1"
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


def test_defective_returns(client, clerk, technician, world):
    c = as_(client, technician)
    body = {
        "request": world["job"].pk,
        "part": world["part"].pk,
        "quantity": 1,
        "expect_return": True,
        "old_serial": "OLD9",
    }
    consumption = c.post(f"{API}/consume", body, content_type="application/json").json()
    ret_id = consumption["defective_return_id"]
    assert [d["id"] for d in c.get(f"{API}/defective-returns").json()] == [ret_id]
    assert c.get(f"{API}/defective-returns?overdue=true").json() == []
    url = f"{API}/defective-returns/{ret_id}/receive"
    assert c.post(url, {"warehouse": world["central"].pk}, content_type="application/json").status_code == 404
    assert (
        as_(client, clerk)
        .post(url, {"warehouse": world["central"].pk}, content_type="application/json")
        .json()["status"]
        == "received"
    )


def test_counts(client, clerk, technician, world):
    c = as_(client, clerk)
    count = c.post(f"{API}/counts", {"warehouse": world["central"].pk}, content_type="application/json").json()
    line = count["lines"][0]
    assert c.post(f"{API}/counts/{count['id']}/approve").status_code == 409
    bad = c.post(
        f"{API}/counts/{count['id']}/enter", {"counted": {str(line["id"]): -2}}, content_type="application/json"
    )
    assert bad.status_code == 400
    c.post(f"{API}/counts/{count['id']}/enter", {"counted": {str(line["id"]): 8}}, content_type="application/json")
    done = c.post(f"{API}/counts/{count['id']}/approve").json()
    assert done["status"] == "approved" and done["lines"][0]["variance"] == -2
    assert as_(client, technician).get(f"{API}/counts/{count['id']}").status_code == 403
    assert StockCount.objects.count() == 1


def test_availability(client, dispatcher, technician, world):
    resp = as_(client, dispatcher).get(f"{API}/availability?part_ids={world['part'].pk}")
    carriers = resp.json()[str(world["part"].pk)]
    assert {c["warehouse_id"] for c in carriers} == {world["central"].pk, world["van"].pk}
    assert as_(client, technician).get(f"{API}/availability?part_ids=1").status_code == 403
    assert as_(client, dispatcher).get(f"{API}/availability?part_ids=a,b").status_code == 400
