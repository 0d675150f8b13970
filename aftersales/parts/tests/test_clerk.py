"""Issue 11, item 5 — the parts clerk's job, through the services, selectors, pages and API:

- a van issue is a list of parts picked from the catalogue, each next to what the van holds and what
  the source has; more than the source has is refused; tracked parts are issued oldest first;
- the approver sees the lines (with the stock behind them) on the list, the detail page and the API;
- the parts clerks are notified of a new request through the outbox, the technician of the answer;
- the low-stock alerts and the replenishment list are one rule and one list;
- the reorder method is said in words.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.accounts.choices import Role
from aftersales.core.errors import ValidationFailed
from aftersales.notifications.models import Notification, OutboxMessage
from aftersales.parts.choices import AlertKind, Tracking, VanIssueStatus
from aftersales.parts.models import StockAlert, StockLevel, VanIssue, VanIssueLine
from aftersales.parts.selectors import (
    ledger_drift,
    low_stock_alert_drift,
    low_stock_for,
    replenishment_suggestions,
    van_issue_lines_with_stock,
    van_issue_picker,
)
from aftersales.parts.services import (
    adjustment_create,
    low_stock_alerts_sync,
    part_consume,
    part_update,
    reorder_rule_create,
    reorder_rule_delete,
    reorder_rule_set,
    reorder_rule_update,
    van_issue_decide,
    van_issue_request,
    warehouse_update,
)

from .factories import job_for, make_part, make_van, make_warehouse, stock

pytestmark = pytest.mark.django_db
API = "/api/parts"
JSON = "application/json"


@pytest.fixture
def world(clerk, technician):
    central = make_warehouse(clerk)
    van = make_van(clerk, technician)
    plain = make_part(clerk, code="PT-CAP-01", name="启动电容")
    serial = make_part(clerk, code="PT-CMP-01", name="压缩机", tracking=Tracking.SERIAL)
    stock(clerk, central, plain, 10)
    for n in (1, 2, 3):
        stock(clerk, central, serial, 1, lot=f"SN-00{n}")
    stock(clerk, van, plain, 1)
    return {"central": central, "van": van, "plain": plain, "serial": serial}


@pytest.fixture(autouse=True)
def _ledger_and_alerts_agree():
    yield
    assert ledger_drift() == []
    assert low_stock_alert_drift() == {"missing": set(), "stale": set()}


# --- van issues: the request ------------------------------------------------------------------


def test_picker_shows_what_the_van_holds_and_what_the_source_has(clerk, technician, world):
    rows = {r.part.code: r for r in van_issue_picker(technician, van=world["van"], source=world["central"])}
    assert (rows["PT-CAP-01"].in_van, rows["PT-CAP-01"].at_source) == (1, 10)
    assert (rows["PT-CMP-01"].in_van, rows["PT-CMP-01"].at_source) == (0, 3)  # every serial together
    chosen = van_issue_picker(technician, van=world["van"], source=world["central"], chosen={str(world["plain"].pk): 4})
    assert [r.quantity for r in chosen if r.part == world["plain"]] == [4]
    inactive = make_part(clerk, code="PT-OLD-01")
    part_update(actor=clerk, part=inactive, is_active=False)
    assert "PT-OLD-01" not in {r.part.code for r in van_issue_picker(technician, van=world["van"], source=None)}


def test_request_more_than_the_source_has_is_refused_and_nothing_written(clerk, technician, world):
    lines = [{"part": world["plain"], "quantity": 6}, {"part": world["plain"], "quantity": 5}]  # 11 > 10
    with pytest.raises(ValidationFailed) as exc:
        van_issue_request(actor=technician, van=world["van"], source=world["central"], lines=lines)
    assert set(exc.value.fields) == {"lines.0.quantity", "lines.1.quantity"}
    with pytest.raises(ValidationFailed):  # a tracked part without a lot counts every lot: 3 serials
        van_issue_request(
            actor=technician,
            van=world["van"],
            source=world["central"],
            lines=[{"part": world["serial"], "quantity": 4}],
        )
    assert not VanIssue.objects.exists() and not OutboxMessage.objects.filter(key__startswith="parts.van").exists()


def test_tracked_part_asked_without_a_lot_is_issued_oldest_first(clerk, technician, world):
    issue = van_issue_request(
        actor=technician,
        van=world["van"],
        source=world["central"],
        lines=[{"part": world["serial"], "quantity": 2}, {"part": world["plain"], "quantity": 3}],
    )
    van_issue_decide(actor=clerk, issue=issue, approve=True)
    lots = list(
        VanIssueLine.objects.filter(issue=issue, part=world["serial"]).order_by("lot").values_list("lot", "quantity")
    )
    assert lots == [("SN-001", 1), ("SN-002", 1)]  # the line is split per serial: the document says which
    assert set(
        StockLevel.objects.filter(warehouse=world["van"], part=world["serial"], on_hand=1).values_list("lot", flat=True)
    ) == {"SN-001", "SN-002"}
    assert StockLevel.objects.get(warehouse=world["van"], part=world["plain"]).on_hand == 4


def test_the_clerks_are_notified_of_a_request_and_the_technician_of_the_answer(clerk, technician, make_user, world):
    other_clerk = make_user(Role.PARTS_CLERK)
    issue = van_issue_request(
        actor=technician, van=world["van"], source=world["central"], lines=[{"part": world["plain"], "quantity": 2}]
    )
    rows = OutboxMessage.objects.filter(key="parts.van_issue_requested")  # through the outbox
    assert {(r.recipient_id, r.channel) for r in rows} == {(clerk.pk, "in_app"), (other_clerk.pk, "in_app")}
    note = Notification.objects.get(key="parts.van_issue_requested", recipient=clerk)
    assert note.url == reverse("parts:van_issue", args=[issue.pk])
    assert technician.display_name in note.text and "PT-CAP-01 × 2" in note.text
    assert not Notification.objects.filter(recipient=technician).exists()

    van_issue_decide(actor=clerk, issue=issue, approve=True)
    told = Notification.objects.get(key="parts.van_issue_approved", recipient=technician)
    assert "PT-CAP-01 × 2" in told.text and told.url == reverse("parts:van_issue", args=[issue.pk])
    second = van_issue_request(
        actor=clerk, van=world["van"], source=world["central"], lines=[{"part": world["plain"], "quantity": 1}]
    )
    # a clerk asking for a van: the other clerks are told, not himself
    assert set(
        Notification.objects.filter(key="parts.van_issue_requested", link_id=str(second.pk)).values_list(
            "recipient_id", flat=True
        )
    ) == {other_clerk.pk}
    van_issue_decide(actor=other_clerk, issue=second, approve=False, reason="本周库存盘点")
    assert "本周库存盘点" in Notification.objects.get(key="parts.van_issue_rejected", recipient=technician).text


def test_lines_with_stock_for_the_approver_in_a_fixed_number_of_queries(clerk, technician, make_user, world):
    issues = [
        van_issue_request(
            actor=technician,
            van=world["van"],
            source=world["central"],
            lines=[{"part": world["plain"], "quantity": 2}, {"part": world["serial"], "quantity": 1}],
        )
        for _ in range(3)
    ]
    with CaptureQueriesContext(connection) as few:
        van_issue_lines_with_stock(issues[:1])
    with CaptureQueriesContext(connection) as many:
        lines = van_issue_lines_with_stock(issues)
    assert len(many) == len(few) == 3
    first = lines[issues[0].pk]
    assert [(ln.part.code, ln.quantity, ln.at_source, ln.in_van) for ln in first] == [
        ("PT-CAP-01", 2, 10, 1),
        ("PT-CMP-01", 1, 3, 0),
    ]


# --- van issues: pages and API ----------------------------------------------------------------


def test_van_issue_pages_as_the_technician_and_the_clerk(client, clerk, technician, make_user, world):
    client.force_login(technician)
    url = reverse("parts:van_issues")
    page = client.get(url).content.decode()
    assert f'name="q.{world["plain"].pk}"' in page and "PT-CMP-01" in page
    # the picker again for another source keeps what was typed
    fragment = client.get(
        reverse("parts:van_issue_picker"), {"source": world["central"].pk, f"q.{world['plain'].pk}": "3"}
    ).content.decode()
    assert f'name="q.{world["plain"].pk}" min="0" max="10" step="1" value="3"' in fragment
    response = client.post(
        url, {"van": world["van"].pk, "source": world["central"].pk, f"q.{world['plain'].pk}": "3", "note": "明天的单"}
    )
    assert response.status_code == 302
    issue = VanIssue.objects.get()
    bad = client.post(url, {"van": world["van"].pk, "source": world["central"].pk, f"q.{world['plain'].pk}": "abc"})
    assert bad.status_code == 400 and VanIssue.objects.count() == 1
    detail = reverse("parts:van_issue", args=[issue.pk])
    assert client.get(detail).status_code == 200  # his own

    client.force_login(clerk)
    listing = client.get(url).content.decode()
    assert f'data-issue="{issue.number}"' in listing and "PT-CAP-01" in listing and "启动电容" in listing
    page = client.get(detail).content.decode()
    assert "PT-CAP-01" in page and reverse("parts:van_issue_decide", args=[issue.pk]) in page
    assert (
        client.post(reverse("parts:van_issue_decide", args=[issue.pk]), {"approve": "1", "next": "detail"})["Location"]
        == detail
    )
    assert VanIssue.objects.get().status == VanIssueStatus.APPROVED

    client.force_login(make_user(Role.TECHNICIAN))  # another technician: not his
    assert client.get(detail).status_code == 404


def test_van_issue_api_lines_for_the_approver(client, clerk, technician, world):
    client.force_login(technician)
    body = {"source": world["central"].pk, "lines": [{"part": world["serial"].pk, "quantity": 2}]}
    created = client.post(f"{API}/van-issues", body, content_type=JSON)
    assert created.status_code == 201, created.content
    client.force_login(clerk)
    [item] = client.get(f"{API}/van-issues?status=requested").json()["items"]
    assert item["lines"] == [
        {
            "part_id": world["serial"].pk,
            "part_code": "PT-CMP-01",
            "part_name": "压缩机",
            "lot": "",
            "quantity": 2,
            "at_source": 3,
            "in_van": 0,
        }
    ]
    assert Notification.objects.filter(key="parts.van_issue_requested", recipient=clerk).count() == 1
    decided = client.post(f"{API}/van-issues/{item['id']}/decide", {"approve": True}, content_type=JSON)
    assert decided.status_code == 200
    assert [ln["lot"] for ln in decided.json()["lines"]] == ["SN-001", "SN-002"]


# --- low stock: one rule, one list ------------------------------------------------------------


def _open_alerts() -> set:
    return set(
        StockAlert.objects.filter(kind=AlertKind.LOW_STOCK, resolved_at__isnull=True).values_list(
            "part__code", "warehouse__code"
        )
    )


def _listed(user) -> set:
    return {(row.part.code, row.warehouse.code) for row in low_stock_for(user)}


def test_low_stock_alerts_and_the_list_agree_whatever_happens(clerk, technician, manager, world):
    central, van, plain = world["central"], world["van"], world["plain"]
    other = make_part(clerk, code="PT-FAN-01")
    stock(clerk, central, other, 4)
    job = job_for(technician, manager)

    def agree():
        assert _open_alerts() == _listed(clerk)
        assert low_stock_alert_drift() == {"missing": set(), "stale": set()}

    reorder_rule_set(actor=clerk, part=plain, warehouse=van, reorder_point=2, reorder_quantity=4)  # 1 ≤ 2: low
    agree()
    assert _listed(clerk) == {("PT-CAP-01", van.code)}
    rule = reorder_rule_create(actor=clerk, part=other, warehouse=central, reorder_point=3, reorder_quantity=10)
    agree()
    adjustment_create(actor=clerk, warehouse=central, part=other, quantity=-1, reason="摔坏")  # 3 ≤ 3
    agree()
    assert ("PT-FAN-01", central.code) in _listed(clerk)
    [row] = [r for r in low_stock_for(clerk) if r.part == other]
    assert (row.available, row.order_quantity, row.order_up_to) == (3, 10, 13)
    stock(clerk, van, plain, 5)  # back above the point
    agree()
    part_consume(actor=technician, request=job, part=plain, quantity=5)  # 1 left: low again
    agree()
    reorder_rule_update(actor=clerk, rule=rule, reorder_point=1)
    agree()
    part_update(actor=clerk, part=plain, is_active=False)  # an inactive part is not watched
    agree()
    assert ("PT-CAP-01", van.code) not in _listed(clerk)
    part_update(actor=clerk, part=plain, is_active=True)
    agree()
    reorder_rule_delete(actor=clerk, rule=rule)
    agree()
    # the technician sees his own van's rows, the parts team all
    assert _listed(technician) == {("PT-CAP-01", van.code)}


def test_alerts_written_around_the_services_are_brought_back_in_line(clerk, world):
    central = world["central"]
    rule = reorder_rule_create(actor=clerk, part=world["plain"], warehouse=central, reorder_point=2, reorder_quantity=5)
    rule.reorder_point = 20  # a rule changed behind the services' back (10 ≤ 20) ...
    rule.save()
    other = make_warehouse(clerk)
    StockAlert.objects.create(kind=AlertKind.LOW_STOCK, part=world["serial"], warehouse=other)
    StockAlert.objects.filter(part=world["plain"]).delete()  # and the alert lost: low without an alert
    assert low_stock_alert_drift() == {
        "missing": {(world["plain"].pk, central.pk)},
        "stale": {(world["serial"].pk, other.pk)},
    }
    assert low_stock_alerts_sync() == {"opened": 1, "resolved": 1}
    assert _open_alerts() == _listed(clerk) == {("PT-CAP-01", central.code)}
    # closing a warehouse (empty) resolves its alerts
    empty = make_warehouse(clerk)
    reorder_rule_create(actor=clerk, part=world["plain"], warehouse=empty, reorder_point=1, reorder_quantity=5)
    assert ("PT-CAP-01", empty.code) in _open_alerts()
    warehouse_update(actor=clerk, warehouse=empty, is_active=False)
    assert ("PT-CAP-01", empty.code) not in _open_alerts() | _listed(clerk)


def test_pages_and_api_show_the_one_list(client, clerk, world):
    central, van = world["central"], world["van"]
    reorder_rule_set(actor=clerk, part=world["plain"], warehouse=van, reorder_point=2, reorder_quantity=4)
    reorder_rule_create(actor=clerk, part=world["serial"], warehouse=central, reorder_point=1, reorder_quantity=2)
    client.force_login(clerk)
    wanted = {f"PT-CAP-01@{van.code}"}
    home = client.get(reverse("parts:home")).content.decode()
    page = client.get(reverse("parts:replenishment")).content.decode()
    for html in (home, page):
        assert {f"PT-CAP-01@{van.code}", f"PT-CMP-01@{central.code}"} & _data_low(html) == wanted
    assert "order 5" in home  # 2 + 4 − 1
    assert "Available 1 is at or below the reorder point 2: order 5 to bring it back to 6" in page
    api = client.get(f"{API}/low-stock").json()
    assert [(r["part_code"], r["warehouse_code"], r["available"], r["order_quantity"]) for r in api] == [
        ("PT-CAP-01", van.code, 1, 5)
    ]
    assert client.get(f"{API}/low-stock?warehouse={central.pk}").json() == []


def _data_low(html: str) -> set:
    import re

    return set(re.findall(r'data-low="([^"]+)"', html))


def test_reorder_method_in_words(clerk, technician, manager, world):
    van, plain = world["van"], world["plain"]
    reorder_rule_set(actor=clerk, part=plain, warehouse=van, reorder_point=2, reorder_quantity=4, lead_time_days=10)
    stock(clerk, van, plain, 10)
    job = job_for(technician, manager)
    part_consume(actor=technician, request=job, part=plain, quantity=6)  # 6 in 8 weeks: 0.11 a day
    [s] = [s for s in replenishment_suggestions(clerk) if s.part == plain]
    assert s.suggested_reorder_point == 2 + s.safety_stock
    assert s.method.startswith(
        f"Reorder point {s.suggested_reorder_point} = average daily use 0.11 × lead time 10 days "
        f"(1.07, rounded up to 2) + safety stock {s.safety_stock}."
    )
    assert "ceil" not in s.method and "ROP" not in s.method
    from django.utils import translation

    with translation.override("zh-hans"):
        assert s.method.startswith(f"再订货点 {s.suggested_reorder_point} = 日均用量 0.11 × 采购周期 10 天")
    quiet = make_part(clerk)
    reorder_rule_set(actor=clerk, part=quiet, warehouse=van, reorder_point=1, reorder_quantity=1, safety_stock=3)
    [q] = [s for s in replenishment_suggestions(clerk) if s.part == quiet]
    assert q.method == "No use in the last 8 weeks: the reorder point is the safety stock, 3."
