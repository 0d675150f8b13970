"""The returns pages: worklist, filing, every step of the RMA page, policies, the customer's link and
the export. Success, forbidden and invalid input for each; the worklist's query count is pinned."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from aftersales.accounts.choices import Role
from aftersales.returns import services
from aftersales.returns.choices import Resolution, Rule, Status
from aftersales.returns.models import ReturnPolicy, Rma
from aftersales.returns.tests.factories import file_rma, make_unit, walk

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def web(client, user):
    client.force_login(user)
    return client


def page(client, user, name, *args, **kw):
    return web(client, user).get(reverse(name, args=args), kw)


# --- worklist -----------------------------------------------------------------------------------------


def test_worklist_views_and_search(client, agent):
    a = file_rma(agent, make_unit(agent, sold_days_ago=3))
    b = walk(file_rma(agent, make_unit(agent, sold_days_ago=10)), agent)
    html = page(client, agent, "returns:worklist").content.decode()
    assert a.number in html and b.number in html
    html = page(client, agent, "returns:worklist", view="decide").content.decode()
    assert b.number in html and a.number not in html
    html = page(client, agent, "returns:worklist", q=a.unit.serial_number).content.decode()
    assert a.number in html and b.number not in html
    assert page(client, agent, "returns:worklist", view="nonsense").status_code == 200  # read as "open"


def test_worklist_refunds_view_flags_at_risk_and_overdue(client, agent):
    unit = make_unit(agent, sold_days_ago=12)
    rma = walk(file_rma(agent, unit, requested_on=TODAY() - dt.timedelta(days=10)), agent, to="checked")
    rma = services.rma_inspect(
        actor=agent,
        rma=rma,
        fault_finding="confirmed",
        goods_condition="intact",
        returned_on=TODAY() - dt.timedelta(days=9),
    )
    services.rma_decide(actor=agent, rma=rma, resolution=Resolution.RETURN)
    html = page(client, agent, "returns:worklist", view="refunds").content.decode()
    assert 'data-refund="overdue"' in html and "list-group-item-danger" in html
    assert "1 refund is at risk or overdue." in html


def test_worklist_query_count_does_not_grow(client, agent, django_assert_max_num_queries):
    for _ in range(2):
        walk(file_rma(agent, make_unit(agent)), agent, to="checked")
    web(client, agent).get(reverse("returns:worklist"))
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("returns:worklist"))
    for _ in range(4):
        walk(file_rma(agent, make_unit(agent)), agent, to="checked")
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("returns:worklist"))
    assert len(six) == len(two), [q["sql"] for q in six.captured_queries]


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.CUSTOMER])
def test_worklist_forbidden(client, make_user, role):
    assert page(client, make_user(role), "returns:worklist").status_code == 403


def test_partner_sees_only_its_rmas(client, agent, partner_user, partner_org):
    own = file_rma(agent, make_unit(agent), organization=partner_org)
    other = file_rma(agent, make_unit(agent))
    html = page(client, partner_user, "returns:worklist").content.decode()
    assert own.number in html and other.number not in html
    assert page(client, partner_user, "returns:detail", other.pk).status_code == 404
    assert page(client, partner_user, "returns:detail", own.pk).status_code == 200
    assert 'id="new-rma"' not in html


def test_export_is_a_formula_safe_workbook(client, agent):
    unit = make_unit(agent)
    file_rma(agent, unit, description="x")
    from aftersales.customers.services import customer_update

    customer_update(actor=agent, customer=unit.owner, name="=HYPERLINK(1)")
    response = page(client, agent, "returns:export", view="all")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][0] == "Number" and rows[1][2] == "'=HYPERLINK(1)"


# --- filing ---------------------------------------------------------------------------------------------


def test_create_finds_the_unit_by_serial_and_files(client, agent):
    unit = make_unit(agent, sold_days_ago=4)
    html = page(client, agent, "returns:create", serial=unit.serial_number.lower()).content.decode()
    assert unit.product.name in html and f'value="{unit.pk}"' in html
    assert page(client, agent, "returns:create", serial="NOPE").content.decode().count("No unit with this serial") == 1
    data = {
        "unit": unit.pk,
        "reason": "fault",
        "description": "冰箱不制冷",
        "requested_on": TODAY().isoformat(),
        "sale_date": unit.purchase_date.isoformat(),
    }
    response = client.post(reverse("returns:create"), data)
    rma = Rma.objects.get()
    assert response.status_code == 302 and response.url == reverse("returns:detail", args=[rma.pk])


def test_create_with_bad_input_says_why(client, agent):
    unit = make_unit(agent, sold_days_ago=4)
    data = {
        "unit": unit.pk,
        "reason": "fault",
        "description": "x",
        "requested_on": (TODAY() - dt.timedelta(days=30)).isoformat(),  # before the sale
        "sale_date": unit.purchase_date.isoformat(),
    }
    response = web(client, agent).post(reverse("returns:create"), data)
    assert response.status_code == 400 and "cannot be before" in response.content.decode()
    response = client.post(reverse("returns:create"), {**data, "requested_on": "0001-01-01"})
    assert response.status_code == 400
    assert not Rma.objects.exists()


def test_create_from_a_request_and_a_foreign_unit(client, agent, make_user):
    from aftersales.tickets.services import request_create

    unit = make_unit(agent)
    sr = request_create(
        actor=agent,
        customer=unit.owner,
        channel="phone",
        service_type="return_exchange",
        description="要换货",
        unit=unit,
    )
    html = page(client, agent, "returns:create", request=sr.pk).content.decode()
    assert sr.number in html and f'name="request" value="{sr.pk}"' in html
    # The request page offers to start one.
    assert (
        reverse("returns:create") + f"?request={sr.pk}" in page(client, agent, "tickets:detail", sr.pk).content.decode()
    )
    assert page(client, agent, "returns:create", unit=987654).status_code == 404


def test_create_forbidden_for_the_parts_clerk(client, make_user):
    assert page(client, make_user(Role.PARTS_CLERK), "returns:create").status_code == 403


# --- the RMA page and its steps -------------------------------------------------------------------------


def test_detail_shows_the_rule_the_remedies_and_the_dates(client, agent):
    unit = make_unit(agent, sold_days_ago=10)
    rma = walk(file_rma(agent, unit), agent, to="checked")
    html = page(client, agent, "returns:detail", rma.pk).content.decode()
    assert 'data-rule="fault_15d"' in html
    assert "Performance fault within 15 days of sale" in html
    assert "on day 10 after the sale" in html
    assert 'data-remedy="exchange"' in html and 'data-remedy="repair"' in html and 'data-remedy="return"' not in html
    assert "Sale date (day 0)" in html and unit.purchase_date.isoformat() in html
    assert "Provisional" in html
    assert services.public_url(rma) in html


def test_each_step_through_the_page(client, agent, make_user):
    clerk = make_user(Role.PARTS_CLERK)
    unit = make_unit(agent, sold_days_ago=10)
    rma = file_rma(agent, unit)
    web(client, agent)
    assert client.post(reverse("returns:check", args=[rma.pk])).status_code == 302
    web(client, clerk)
    r = client.post(
        reverse("returns:inspect", args=[rma.pk]),
        {"inspect-fault_finding": "confirmed", "inspect-goods_condition": "intact", "inspect-notes": "复现"},
    )
    assert r.status_code == 302
    web(client, agent)
    r = client.post(reverse("returns:decide", args=[rma.pk]), {"decide-resolution": "exchange"})
    assert r.status_code == 302
    r = client.post(
        reverse("returns:exchange", args=[rma.pk]),
        {
            "exchange-serial_number": "NEW-1",
            "exchange-exchanged_on": TODAY().isoformat(),
            "exchange-old_unit_fate": "scrap",
        },
    )
    assert r.status_code == 302
    rma.refresh_from_db()
    assert rma.status == Status.EXCHANGED and rma.new_unit.serial_number == "NEW-1"
    html = page(client, agent, "returns:detail", rma.pk).content.decode()
    assert "Warranty starts afresh" in html and rma.new_unit.warranty_end.isoformat() in html


def test_a_step_refused_by_the_rule_comes_back_on_its_form(client, agent):
    rma = walk(file_rma(agent, make_unit(agent, sold_days_ago=10)), agent)  # exchange or repair
    r = web(client, agent).post(reverse("returns:decide", args=[rma.pk]), {"decide-resolution": "return"})
    assert r.status_code == 400
    assert "Select a valid choice" in r.content.decode()  # not offered on the form
    r = client.post(reverse("returns:decide", args=[rma.pk]), {"decide-resolution": "refuse"})
    assert r.status_code == 400 and "A reason is required" in r.content.decode()
    assert Rma.objects.get().status == Status.INSPECTED


def test_steps_need_their_role(client, agent, make_user):
    rma = walk(file_rma(agent, make_unit(agent)), agent)
    dispatcher = make_user(Role.DISPATCHER)
    web(client, dispatcher)
    assert client.get(reverse("returns:detail", args=[rma.pk])).status_code == 200
    assert 'id="steps"' not in client.get(reverse("returns:detail", args=[rma.pk])).content.decode()
    for name in ("check", "inspect", "decide", "refund", "exchange", "cancel", "receive"):
        assert client.post(reverse(f"returns:{name}", args=[rma.pk])).status_code == 403, name


def test_refund_and_receipt_through_the_page(client, agent):
    unit = make_unit(agent, sold_days_ago=3)
    rma = walk(file_rma(agent, unit), agent, to="decided", resolution=Resolution.RETURN)
    web(client, agent)
    r = client.post(
        reverse("returns:refund", args=[rma.pk]),
        {
            "refund-amount": "100",
            "refund-method": "cash",
            "refund-refunded_on": TODAY().isoformat(),
            "refund-old_unit_fate": "scrap",
        },
    )
    assert r.status_code == 400 and "Book the returned unit in" in r.content.decode()
    assert (
        client.post(reverse("returns:receive", args=[rma.pk]), {"receive-returned_on": TODAY().isoformat()}).status_code
        == 302
    )
    html = client.get(reverse("returns:detail", args=[rma.pk])).content.decode()
    assert (TODAY() + dt.timedelta(days=7)).isoformat() in html
    r = client.post(
        reverse("returns:refund", args=[rma.pk]),
        {
            "refund-amount": "100",
            "refund-method": "cash",
            "refund-refunded_on": TODAY().isoformat(),
            "refund-old_unit_fate": "scrap",
        },
    )
    assert r.status_code == 302 and Rma.objects.get().status == Status.REFUNDED


def test_cancel_needs_a_reason_on_the_page(client, agent):
    rma = file_rma(agent, make_unit(agent))
    assert web(client, agent).post(reverse("returns:cancel", args=[rma.pk]), {"cancel-reason": ""}).status_code == 400
    assert client.post(reverse("returns:cancel", args=[rma.pk]), {"cancel-reason": "撤回"}).status_code == 302


def test_unit_page_lists_the_rmas_and_offers_a_new_one(client, agent):
    unit = make_unit(agent)
    html = page(client, agent, "catalog:unit", unit.pk).content.decode()
    assert f"{reverse('returns:create')}?unit={unit.pk}" in html
    rma = file_rma(agent, unit)
    html = page(client, agent, "catalog:unit", unit.pk).content.decode()
    assert rma.number in html and f"?unit={unit.pk}" not in html  # one open at a time


# --- the customer's link ------------------------------------------------------------------------------------


def test_customer_link_shows_the_rule_and_takes_a_choice(client, agent):
    rma = walk(file_rma(agent, make_unit(agent, sold_days_ago=3)), agent, to="checked")
    url = reverse("returns:public", args=[rma.public_token])
    html = client.get(url).content.decode()
    assert rma.number in html and "Performance fault within 7 days of sale" in html
    assert 'name="remedy"' in html
    assert client.post(url, {"remedy": "cash"}).status_code == 400
    assert client.post(url, {"remedy": "exchange"}).status_code == 302
    assert Rma.objects.get().customer_choice == "exchange"
    assert client.get(reverse("returns:public", args=["nope"])).status_code == 404


# --- policies --------------------------------------------------------------------------------------------


def test_policies_page_and_edit(client, manager, agent):
    policy = ReturnPolicy.objects.get(product_category=None)
    html = page(client, agent, "returns:policies").content.decode()
    assert "China 三包 (default)" in html and "Edit" not in html
    assert page(client, agent, "returns:policy_edit", policy.pk).status_code == 403
    web(client, manager)
    url = reverse("returns:policy_edit", args=[policy.pk])
    form = {
        f: getattr(policy, f)
        for f in (
            "name",
            "return_days",
            "exchange_days",
            "repeat_repairs",
            "repair_days",
            "parts_wait_days",
            "no_reason_days",
            "refund_days",
            "at_risk_days",
        )
    }
    form.update(extend_by_repair="on", no_reason_return="on")
    assert client.post(url, {**form, "exchange_days": 3}).status_code == 400  # shorter than the return window
    assert client.post(url, {**form, "refund_days": 5}).status_code == 302
    assert ReturnPolicy.objects.get(pk=policy.pk).refund_days == 5


def test_a_new_policy_for_a_category(client, manager):
    from aftersales.catalog.services import category_create

    cat = category_create(actor=manager, code="RV-TV", name="电视")
    web(client, manager)
    data = {
        "product_category": cat.pk,
        "name": "电视",
        "return_days": 7,
        "exchange_days": 15,
        "repeat_repairs": 2,
        "repair_days": 30,
        "parts_wait_days": 90,
        "no_reason_days": 7,
        "refund_days": 7,
        "at_risk_days": 2,
    }
    assert client.post(reverse("returns:policy_create"), data).status_code == 302
    assert client.post(reverse("returns:policy_create"), data).status_code == 400  # one per category
    assert ReturnPolicy.objects.filter(product_category=cat).count() == 1


def test_zh_hans_page(client, agent, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    rma = walk(file_rma(agent, make_unit(agent, sold_days_ago=5)), agent, to="checked")
    html = (
        web(client, agent)
        .get(reverse("returns:detail", args=[rma.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
        .content.decode()
    )
    assert "退换货" in html
    assert rma.eligibility.rule == Rule.FAULT_7D
