"""Every parts page: success, forbidden and invalid input; list pages pin their queries."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from aftersales.accounts.choices import Role
from aftersales.parts.choices import TransferAction, TransferStatus, WarehouseKind
from aftersales.parts.models import Part, StockCount, StockLevel, StockMove, TransferOrder, VanIssue
from aftersales.parts.selectors import ledger_drift
from aftersales.parts.services import part_consume, transfer_create, van_issue_request

from .factories import job_for, make_part, make_van, make_warehouse, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(clerk, technician, manager):
    part = make_part(clerk, code="PT-PCB-AC35", return_required=True)
    central = make_warehouse(clerk)
    van = make_van(clerk, technician)
    stock(clerk, central, part, 10)
    stock(clerk, van, part, 2)
    job = job_for(technician, manager)
    return {"part": part, "central": central, "van": van, "job": job}


def _get(client, user, name, *args, status=200, **params):
    client.force_login(user)
    resp = client.get(reverse(name, args=args), params)
    assert resp.status_code == status, (name, resp.status_code)
    return resp


READ_PAGES = [
    "parts:home",
    "parts:parts",
    "parts:warehouses",
    "parts:moves",
    "parts:transfers",
    "parts:trace",
    "parts:replenishment",
    "parts:defective",
]


@pytest.mark.parametrize("name", READ_PAGES)
def test_read_pages_for_clerk_and_forbidden_for_customer(client, clerk, customer_user, world, name):
    _get(client, clerk, name)
    _get(client, customer_user, name, status=403)


@pytest.mark.parametrize(
    "name",
    [
        "parts:part_new",
        "parts:warehouse_new",
        "parts:receipt_new",
        "parts:transfer_new",
        "parts:adjustment_new",
        "parts:counts",
        "parts:import",
    ],
)
def test_clerk_forms_forbidden_for_agent_and_technician(client, clerk, agent, technician, world, name):
    _get(client, clerk, name)
    _get(client, agent, name, status=403)
    _get(client, technician, name, status=403)


def test_list_pages_pin_queries(client, clerk, world, django_assert_max_num_queries):
    for _ in range(5):
        stock(clerk, world["central"], make_part(clerk), 3)
    client.force_login(clerk)
    for name, limit in (("parts:parts", 6), ("parts:moves", 6), ("parts:warehouses", 6), ("parts:home", 8)):
        with django_assert_max_num_queries(limit):
            assert client.get(reverse(name)).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(reverse("parts:warehouse", args=[world["central"].pk])).status_code == 200


def test_part_create_page(client, clerk):
    client.force_login(clerk)
    data = {
        "code": "pt-x1",
        "name": "主板",
        "unit_of_measure": "件",
        "cost": "10",
        "price": "20",
        "tracking": "none",
        "warranty_months": 6,
    }
    resp = client.post(reverse("parts:part_new"), data)
    assert resp.status_code == 302 and Part.objects.filter(code="PT-X1").exists()
    resp = client.post(reverse("parts:part_new"), data)
    assert resp.status_code == 400 and "exists already" in resp.content.decode()
    assert client.post(reverse("parts:part_new"), {**data, "cost": "-1", "code": "PT-Y"}).status_code == 400


def test_warehouse_create_page(client, clerk, technician):
    client.force_login(clerk)
    url = reverse("parts:warehouse_new")
    data = {
        "code": "van-zhang",
        "name": "张师傅的车",
        "kind": WarehouseKind.VAN,
        "organization": technician.organization_id,
        "technician": technician.pk,
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, "code": "VAN-2"}).status_code == 400  # one van per technician


def test_receipt_page(client, clerk, world):
    client.force_login(clerk)
    url = reverse("parts:receipt_new")
    resp = client.post(url, {"warehouse": world["central"].pk, "supplier": "供应商", "lines": "PT-PCB-AC35 3 12.50"})
    assert resp.status_code == 302
    assert StockLevel.objects.get(part=world["part"], warehouse=world["central"]).on_hand == 13
    resp = client.post(url, {"warehouse": world["central"].pk, "supplier": "供应商", "lines": "NOPE 3"})
    assert resp.status_code == 400 and "unknown part" in resp.content.decode()


def test_transfer_pages_and_actions(client, clerk, partner_user, world):
    outlet = make_warehouse(clerk, kind=WarehouseKind.OUTLET, organization=partner_user.organization)
    client.force_login(clerk)
    resp = client.post(
        reverse("parts:transfer_new"),
        {"source": world["central"].pk, "destination": outlet.pk, "lines": "PT-PCB-AC35 4"},
    )
    assert resp.status_code == 302
    t = TransferOrder.objects.get()
    url = reverse("parts:transfer", args=[t.pk])
    assert "Approve" in client.get(url).content.decode()
    assert client.post(url, {"action": TransferAction.REJECT}).status_code == 400  # no reason
    for action in (TransferAction.APPROVE, TransferAction.SHIP, TransferAction.DISPATCH):
        assert client.post(url, {"action": action}).status_code == 302
    client.force_login(partner_user)
    assert client.post(url, {"action": TransferAction.RECEIVE}).status_code == 302
    t.refresh_from_db()
    assert t.status == TransferStatus.RECEIVED
    other = transfer_create(
        actor=clerk, source=world["central"], destination=world["van"], lines=[{"part": world["part"], "quantity": 1}]
    )
    assert client.get(reverse("parts:transfer", args=[other.pk])).status_code == 404


def test_van_issue_pages(client, clerk, technician, agent, world):
    client.force_login(technician)
    url = reverse("parts:van_issues")
    part, central, van = world["part"], world["central"], world["van"]
    page = client.get(url).content.decode()
    assert f'name="q.{part.pk}"' in page  # the catalogue to pick from, with what the van and the source hold
    ask = {"source": central.pk, "van": van.pk, f"q.{part.pk}": "2"}
    assert client.post(url, ask).status_code == 302
    assert client.post(url, {"source": central.pk, "van": van.pk}).status_code == 400  # nothing picked
    assert client.post(url, ask | {f"q.{part.pk}": "-1"}).status_code == 400
    assert client.post(url, ask | {f"q.{part.pk}": "11"}).status_code == 400  # the central has 10
    issue = VanIssue.objects.get()
    assert client.post(reverse("parts:van_issue_decide", args=[issue.pk]), {"approve": "1"}).status_code == 403
    client.force_login(clerk)
    assert client.post(reverse("parts:van_issue_decide", args=[issue.pk]), {"approve": "1"}).status_code == 302
    assert StockLevel.objects.get(part=world["part"], warehouse=world["van"]).on_hand == 4
    _get(client, agent, "parts:van_issues", status=403)


def test_job_parts_page(client, technician, make_user, world):
    client.force_login(technician)
    url = reverse("parts:job", args=[world["job"].pk])
    assert client.get(url).status_code == 200
    resp = client.post(
        url, {"part": "PT-PCB-AC35", "quantity": 1, "warehouse": world["van"].pk, "op": "consume", "old_serial": "OLD1"}
    )
    assert resp.status_code == 302
    resp = client.post(url, {"part": "PT-PCB-AC35", "quantity": 5, "warehouse": world["van"].pk, "op": "consume"})
    assert resp.status_code == 400 and "Not enough stock" in resp.content.decode()
    assert (
        client.post(
            url, {"part": "PT-PCB-AC35", "quantity": 1, "warehouse": world["van"].pk, "op": "reserve"}
        ).status_code
        == 302
    )
    other = make_user(Role.TECHNICIAN)
    client.force_login(other)
    assert client.get(url).status_code == 404


def test_defective_pages(client, clerk, technician, world):
    c = part_consume(actor=technician, request=world["job"], part=world["part"], quantity=1)
    client.force_login(clerk)
    assert client.get(reverse("parts:defective"), {"overdue": "1"}).status_code == 200
    resp = client.post(reverse("parts:defective"), {"id": c.defective_return.pk, "warehouse": world["central"].pk})
    assert resp.status_code == 302
    c.defective_return.refresh_from_db()
    assert c.defective_return.status == "received"
    client.force_login(technician)
    assert client.post(reverse("parts:defective"), {"id": 999999, "warehouse": world["van"].pk}).status_code == 404


def test_adjustment_and_count_pages(client, clerk, world):
    client.force_login(clerk)
    url = reverse("parts:adjustment_new")
    base = {"warehouse": world["central"].pk, "part": world["part"].pk, "store": "good", "quantity": -2}
    assert client.post(url, {**base, "reason": "broken"}).status_code == 302
    assert client.post(url, {**base, "quantity": -100, "reason": "x"}).status_code == 400
    assert client.post(reverse("parts:counts"), {"warehouse": world["central"].pk}).status_code == 302
    count = StockCount.objects.get()
    line = count.lines.get()
    curl = reverse("parts:count", args=[count.pk])
    assert client.post(curl, {f"line_{line.pk}": "-3"}).status_code == 400
    assert client.post(curl, {f"line_{line.pk}": "7"}).status_code == 302
    assert client.post(curl, {"op": "approve"}).status_code == 302
    assert StockLevel.objects.get(part=world["part"], warehouse=world["central"]).on_hand == 7
    assert ledger_drift() == []


def test_trace_and_replenishment_and_who_carries(client, clerk, dispatcher, customer_user, world):
    client.force_login(clerk)
    assert client.get(reverse("parts:trace"), {"lot": "X" * 100}).status_code == 400
    assert client.get(reverse("parts:trace"), {"lot": "LOT1"}).status_code == 200
    client.force_login(dispatcher)
    resp = client.get(reverse("parts:who_carries"), {"part": [world["part"].pk]})
    assert resp.status_code == 200 and world["van"].code in resp.content.decode()
    _get(client, customer_user, "parts:who_carries", status=403)


def test_my_van_only_own(client, technician, clerk, make_user, world):
    resp = _get(client, technician, "parts:my_van")
    assert "PT-PCB-AC35" in resp.content.decode()
    other = make_user(Role.TECHNICIAN)
    resp = _get(client, other, "parts:my_van")
    assert "PT-PCB-AC35" not in resp.content.decode()
    _get(client, technician, "parts:warehouse", world["central"].pk, status=404)
    _get(client, technician, "parts:warehouse", world["van"].pk)


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "x.xlsx"
    return buf


def test_import_dry_run_errors_import_nothing_then_clean_file_imports(client, clerk, world):
    client.force_login(clerk)
    url = reverse("parts:import")
    header = ["code", "name", "cost", "price", "tracking", "compatible_models"]
    bad = _xlsx([header, ["PT-NEW-1", "新配件", "5", "9", "none", ""], ["PT-NEW-2", "", "x", "9", "weird", "NO-SUCH"]])
    resp = client.post(url, {"kind": "catalogue", "file": bad})  # not a dry run, but a row fails
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "nothing was imported" in html and "<td>3</td><td>name</td>" in html and "<td>3</td><td>cost</td>" in html
    assert not Part.objects.filter(code__startswith="PT-NEW").exists()
    good = _xlsx([header, ["PT-NEW-1", "新配件", "5", "9", "none", ""], ["PT-NEW-2", "新配件2", "6", "9", "batch", ""]])
    resp = client.post(url, {"kind": "catalogue", "file": good, "dry_run": "on"})
    assert resp.status_code == 200 and not Part.objects.filter(code__startswith="PT-NEW").exists()
    good.seek(0)
    assert client.post(url, {"kind": "catalogue", "file": good}).status_code == 200
    assert Part.objects.filter(code__startswith="PT-NEW").count() == 2
    opening = _xlsx(
        [
            ["warehouse", "part", "quantity", "unit_cost", "lot"],
            [world["central"].code, "PT-NEW-1", 4, 5, ""],
            [world["central"].code, "PT-NEW-2", 2, 6, ""],
        ]
    )
    resp = client.post(url, {"kind": "opening", "file": opening})
    assert resp.status_code == 400 and "<td>3</td><td>lot</td>" in resp.content.decode()
    assert not StockMove.objects.filter(move_type="opening").exists()
    opening = _xlsx(
        [
            ["warehouse", "part", "quantity", "unit_cost", "lot"],
            [world["central"].code, "PT-NEW-1", 4, 5, ""],
            [world["central"].code, "PT-NEW-2", 2, 6, "B1"],
        ]
    )
    assert client.post(url, {"kind": "opening", "file": opening}).status_code == 200
    assert StockMove.objects.filter(move_type="opening").count() == 2
    junk = io.BytesIO(b"not excel")
    junk.name = "x.xlsx"
    assert client.post(url, {"kind": "opening", "file": junk}).status_code == 400


def test_levels_export(client, clerk, technician, world):
    client.force_login(clerk)
    resp = client.get(reverse("parts:levels_xlsx"))
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert ws.max_row == 3  # header + central + van
    _get(client, technician, "parts:levels_xlsx", status=403)


def test_van_issue_scoping_of_list(client, clerk, technician, make_user, world):
    other = make_user(Role.TECHNICIAN)
    other_van = make_van(clerk, other)
    van_issue_request(
        actor=other, van=other_van, source=world["central"], lines=[{"part": world["part"], "quantity": 1}]
    )
    resp = _get(client, technician, "parts:van_issues")
    assert other_van.code not in resp.content.decode()
