"""Edit pages for parts, warehouses and reorder rules: success, forbidden, invalid input
(nothing changes), links from the detail pages, pinned queries on the rules list."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from aftersales.accounts.choices import Role
from aftersales.parts.choices import Tracking, WarehouseKind
from aftersales.parts.models import Consumption, Part, ReorderRule, Warehouse
from aftersales.parts.services import reorder_rule_create

from .factories import job_for, make_part, make_region, make_van, make_warehouse, serve, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(clerk, technician, manager):
    part = make_part(clerk, code="PT-FAN-01", cost="12.00")
    central = make_warehouse(clerk)
    van = make_van(clerk, technician)
    stock(clerk, central, part, 10)
    return {"part": part, "central": central, "van": van}


def part_data(part, **kw):
    data = {
        "code": part.code,
        "name": part.name,
        "specification": part.specification,
        "unit_of_measure": part.unit_of_measure,
        "cost": str(part.cost),
        "price": str(part.price),
        "tracking": part.tracking,
        "warranty_months": part.warranty_months,
        "is_active": "on",
    }
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


# --- parts ------------------------------------------------------------------------------


def test_part_edit_page(client, clerk, world):
    part = world["part"]
    client.force_login(clerk)
    url = reverse("parts:part_edit", args=[part.pk])
    resp = client.get(url)
    assert resp.status_code == 200 and 'value="PT-FAN-01"' in resp.content.decode()
    resp = client.post(url, part_data(part, name="风扇电机", price="30.00", return_required="on"))
    assert resp.status_code == 302 and resp["Location"] == reverse("parts:part", args=[part.pk])
    part.refresh_from_db()
    assert (part.name, part.price, part.return_required) == ("风扇电机", Decimal("30.00"), True)
    client.post(url, part_data(part, is_active=None))  # unticked: deactivated
    part.refresh_from_db()
    assert part.is_active is False


def test_part_edit_forbidden(client, agent, technician, dispatcher, world):
    url = reverse("parts:part_edit", args=[world["part"].pk])
    for user in (agent, technician, dispatcher):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, part_data(world["part"], name="x")).status_code == 403
    assert Part.objects.get(pk=world["part"].pk).name == world["part"].name
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_part_edit_invalid_changes_nothing(client, clerk, world):
    part = world["part"]
    make_part(clerk, code="PT-TAKEN")
    client.force_login(clerk)
    url = reverse("parts:part_edit", args=[part.pk])
    resp = client.post(url, part_data(part, code="pt-taken"))
    assert resp.status_code == 400 and "exists already" in resp.content.decode()
    resp = client.post(url, part_data(part, tracking=Tracking.SERIAL))
    assert resp.status_code == 400 and "cannot change once stock has moved" in resp.content.decode()
    assert client.post(url, part_data(part, cost="-3")).status_code == 400
    assert client.post(url, part_data(part, name="")).status_code == 400
    fresh = Part.objects.get(pk=part.pk)
    assert (fresh.code, fresh.tracking, fresh.cost, fresh.name) == (part.code, part.tracking, part.cost, part.name)
    assert client.get(reverse("parts:part_edit", args=[999999])).status_code == 404


def test_part_detail_links_to_edit_for_the_parts_team_only(client, clerk, dispatcher, world):
    reorder_rule_create(
        actor=clerk, part=world["part"], warehouse=world["central"], reorder_point=2, reorder_quantity=5
    )
    edit = reverse("parts:part_edit", args=[world["part"].pk])
    client.force_login(clerk)
    html = client.get(reverse("parts:part", args=[world["part"].pk])).content.decode()
    assert edit in html and reverse("parts:reorder_rules", args=[world["central"].pk]) in html
    client.force_login(dispatcher)
    html = client.get(reverse("parts:part", args=[world["part"].pk])).content.decode()
    assert edit not in html and world["central"].code in html  # the rule is shown, not editable


# --- warehouses -------------------------------------------------------------------------


def test_warehouse_edit_page(client, manager, world):
    region = make_region(manager)
    wh = world["central"]
    client.force_login(manager)
    url = reverse("parts:warehouse_edit", args=[wh.pk])
    assert client.get(url).status_code == 200
    data = {
        "code": "rdc-sh",
        "name": "上海区域仓",
        "kind": WarehouseKind.REGIONAL,
        "organization": wh.organization_id,
        "region": region.pk,
        "is_active": "on",
    }
    resp = client.post(url, data)
    assert resp.status_code == 302 and resp["Location"] == reverse("parts:warehouse", args=[wh.pk])
    wh.refresh_from_db()
    assert (wh.code, wh.name, wh.kind, wh.region_id) == ("RDC-SH", "上海区域仓", WarehouseKind.REGIONAL, region.pk)
    html = client.get(reverse("parts:warehouse", args=[wh.pk])).content.decode()
    assert url in html and reverse("parts:reorder_rules", args=[wh.pk]) in html


def test_van_edit_page_keeps_kind_and_organization(client, clerk, world):
    van = world["van"]
    client.force_login(clerk)
    url = reverse("parts:warehouse_edit", args=[van.pk])
    html = client.get(url).content.decode()
    assert 'name="kind"' not in html and 'name="organization"' not in html
    resp = client.post(
        url, {"code": van.code, "name": "张师傅的新车", "kind": WarehouseKind.CENTRAL, "is_active": "on"}
    )
    assert resp.status_code == 302
    van.refresh_from_db()
    assert (van.name, van.kind) == ("张师傅的新车", WarehouseKind.VAN)


def test_warehouse_edit_forbidden(client, technician, agent, world):
    for user, wh in ((technician, world["van"]), (agent, world["central"])):
        client.force_login(user)
        url = reverse("parts:warehouse_edit", args=[wh.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"code": "X", "name": "x", "is_active": ""}).status_code == 403
    assert Warehouse.objects.get(pk=world["van"].pk).is_active


def test_warehouse_edit_invalid_changes_nothing(client, clerk, world):
    wh = world["central"]
    client.force_login(clerk)
    url = reverse("parts:warehouse_edit", args=[wh.pk])
    base = {"code": wh.code, "name": wh.name, "kind": wh.kind, "organization": wh.organization_id}
    resp = client.post(url, base)  # "open" unticked: close it, but it holds stock
    assert resp.status_code == 400 and "still holds stock" in resp.content.decode()
    resp = client.post(url, {**base, "code": world["van"].code, "is_active": "on"})
    assert resp.status_code == 400 and "exists already" in resp.content.decode()
    assert client.post(url, {**base, "kind": WarehouseKind.VAN, "is_active": "on"}).status_code == 400
    assert client.post(url, {**base, "organization": 999999, "is_active": "on"}).status_code == 400
    fresh = Warehouse.objects.get(pk=wh.pk)
    assert (fresh.code, fresh.kind, fresh.is_active) == (wh.code, wh.kind, True)
    assert client.get(reverse("parts:warehouse_edit", args=[999999])).status_code == 404


# --- reorder rules ----------------------------------------------------------------------


def test_reorder_rules_list_add_edit_delete(client, clerk, world):
    wh = world["central"]
    client.force_login(clerk)
    url = reverse("parts:reorder_rules", args=[wh.pk])
    assert "No reorder rules" in client.get(url).content.decode()
    resp = client.post(
        url, {"part": "pt-fan-01", "reorder_point": 12, "reorder_quantity": 20, "lead_time_days": 5, "safety_stock": 2}
    )
    assert resp.status_code == 302
    rule = ReorderRule.objects.get()
    assert (rule.part, rule.warehouse, rule.reorder_point, rule.lead_time_days) == (world["part"], wh, 12, 5)
    html = client.get(url).content.decode()
    assert "PT-FAN-01" in html and 'class="table-warning"' in html  # 10 available <= 12
    edit = reverse("parts:reorder_rule_edit", args=[rule.pk])
    assert client.get(edit).status_code == 200
    resp = client.post(edit, {"reorder_point": 4, "reorder_quantity": 20, "lead_time_days": 5, "safety_stock": 2})
    assert resp.status_code == 302 and resp["Location"] == url
    rule.refresh_from_db()
    assert rule.reorder_point == 4
    assert client.get(reverse("parts:reorder_rule_delete", args=[rule.pk])).status_code == 405
    assert client.post(reverse("parts:reorder_rule_delete", args=[rule.pk])).status_code == 302
    assert not ReorderRule.objects.exists()


def test_reorder_rules_forbidden(client, clerk, technician, agent, dispatcher, world):
    rule = reorder_rule_create(
        actor=clerk, part=world["part"], warehouse=world["central"], reorder_point=2, reorder_quantity=5
    )
    body = {"reorder_point": 9, "reorder_quantity": 9, "lead_time_days": 1, "safety_stock": 0}
    for user in (technician, agent, dispatcher):
        client.force_login(user)
        assert client.get(reverse("parts:reorder_rules", args=[world["central"].pk])).status_code == 403
        assert (
            client.post(reverse("parts:reorder_rules", args=[world["central"].pk]), {**body, "part": "PT-FAN-01"})
        ).status_code == 403
        assert client.post(reverse("parts:reorder_rule_edit", args=[rule.pk]), body).status_code == 403
        assert client.post(reverse("parts:reorder_rule_delete", args=[rule.pk])).status_code == 403
    rule.refresh_from_db()
    assert rule.reorder_point == 2
    client.force_login(clerk)
    assert client.get(reverse("parts:reorder_rule_edit", args=[999999])).status_code == 404
    assert client.post(reverse("parts:reorder_rule_delete", args=[999999])).status_code == 404


def test_reorder_rules_invalid_changes_nothing(client, clerk, world):
    wh = world["central"]
    rule = reorder_rule_create(actor=clerk, part=world["part"], warehouse=wh, reorder_point=2, reorder_quantity=5)
    client.force_login(clerk)
    url = reverse("parts:reorder_rules", args=[wh.pk])
    body = {"reorder_point": 3, "reorder_quantity": 6, "lead_time_days": 7, "safety_stock": 0}
    resp = client.post(url, {**body, "part": "PT-FAN-01"})  # one rule per part and warehouse
    assert resp.status_code == 400 and "already" in resp.content.decode()
    assert client.post(url, {**body, "part": "NOPE"}).status_code == 400
    assert client.post(url, {**body, "part": "PT-FAN-01", "reorder_quantity": 0}).status_code == 400
    assert client.get(url, {"cursor": "garbage"}).status_code == 400
    edit = reverse("parts:reorder_rule_edit", args=[rule.pk])
    assert client.post(edit, {**body, "lead_time_days": 999}).status_code == 400
    assert client.post(edit, {**body, "reorder_point": "-1"}).status_code == 400
    rule.refresh_from_db()
    assert ReorderRule.objects.count() == 1 and (rule.reorder_point, rule.reorder_quantity) == (2, 5)


def test_reorder_rules_list_pins_queries(client, clerk, world, django_assert_max_num_queries):
    for _ in range(8):
        part = make_part(clerk)
        stock(clerk, world["central"], part, 4)
        reorder_rule_create(actor=clerk, part=part, warehouse=world["central"], reorder_point=1, reorder_quantity=5)
    client.force_login(clerk)
    with django_assert_max_num_queries(6):  # session, user, warehouse, rules, stock
        assert client.get(reverse("parts:reorder_rules", args=[world["central"].pk])).status_code == 200


# --- the job page offers the technician's shared counters --------------------------------


def test_job_page_lets_a_technician_pick_up_at_his_regional_counter(client, clerk, manager, technician, world):
    region = make_region(manager)
    serve(manager, technician, region)
    outlet = make_warehouse(clerk, kind=WarehouseKind.OUTLET, region=region)
    stock(clerk, outlet, world["part"], 1)
    job = job_for(technician, manager)
    client.force_login(technician)
    url = reverse("parts:job", args=[job.pk])
    html = client.get(url).content.decode()
    assert outlet.code in html and world["central"].code not in html
    resp = client.post(url, {"part": "PT-FAN-01", "quantity": 1, "warehouse": outlet.pk, "op": "consume"})
    assert resp.status_code == 302
    assert Consumption.objects.get().warehouse == outlet
    resp = client.post(url, {"part": "PT-FAN-01", "quantity": 1, "warehouse": world["central"].pk, "op": "consume"})
    assert resp.status_code == 400  # central is not offered to him
    assert Consumption.objects.count() == 1


def test_job_page_other_roles(client, make_user, world, manager, technician):
    job = job_for(technician, manager)
    client.force_login(make_user(Role.TECHNICIAN))
    assert client.get(reverse("parts:job", args=[job.pk])).status_code == 404


def test_part_edit_sets_compatible_models_by_code(client, clerk, world):
    from aftersales.catalog.services import category_create, product_create

    category = category_create(actor=clerk, code="wm", name="洗衣机")
    washer = product_create(actor=clerk, model_code="XQG100-B1", name="滚筒洗衣机", category=category)
    dryer = product_create(actor=clerk, model_code="GDH90-A", name="热泵干衣机", category=category)
    part = world["part"]
    client.force_login(clerk)
    url = reverse("parts:part_edit", args=[part.pk])
    bad = client.post(url, part_data(part, compatible_products="xqg100-b1, NO-SUCH-MODEL"))
    assert bad.status_code == 400 and "NO-SUCH-MODEL" in bad.content.decode()
    assert not part.compatible_products.exists()
    ok = client.post(url, part_data(part, compatible_products="xqg100-b1，GDH90-A"))
    assert ok.status_code == 302
    assert set(part.compatible_products.all()) == {washer, dryer}
    page = client.get(url).content.decode()
    assert "GDH90-A, XQG100-B1" in page
