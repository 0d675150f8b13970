"""End to end in headless Chromium: an agent takes a phone request for an existing
customer's unit, sees it acknowledged, and finds it in the queue.

Screenshots (desktop 1366x900 and phone 390x844) of intake, detail and queue go to
/tmp/shots/ for a human look.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone

from aftersales.catalog.services import category_create, product_create, unit_register
from aftersales.customers.services import address_create, customer_create, region_create
from aftersales.tickets.models import ServiceRequest

SHOTS = Path("/tmp/shots")
PASSWORD = "pw-Test-123"  # set by UserFactory


@pytest.fixture
def setup_data(agent):
    region = region_create(actor=agent, code="310115", name="上海市浦东新区", province="上海市", city="上海市")
    customer = customer_create(actor=agent, name="王建国", phone="13800138001")
    address_create(
        actor=agent,
        customer=customer,
        province="上海市",
        city="上海市",
        district="浦东新区",
        street="张杨路500号",
        region=region,
    )
    category = category_create(actor=agent, code="ac", name="空调")
    product = product_create(
        actor=agent, model_code="KFR-35GW", name="变频挂式空调", category=category, warranty_months=36
    )
    unit = unit_register(
        actor=agent,
        product=product,
        serial_number="SN2024000123",
        owner=customer,
        purchase_date=timezone.localdate() - datetime.timedelta(days=200),
        store_name="苏宁易购浦东店",
    )
    return {"customer": customer, "unit": unit}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_agent_takes_a_phone_request(browser, live_server, agent, setup_data):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    unit = setup_data["unit"]
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)

    # log in through the login page
    page.goto(f"{live_server.url}/accounts/login/?next=/requests/new/")
    page.fill("#id_username", agent.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/requests/new/$"))

    # type the phone, pick the customer
    page.fill("#customer-q", "138 0013 8001")
    result = page.locator(".customer-result").first
    expect(result).to_contain_text("王建国")
    expect(result).to_contain_text("张杨路500号")
    result.click()
    expect(page.locator(".customer-picked")).to_contain_text("王建国")

    # the unit, with its warranty at once; the serial lookup agrees
    option = page.locator(f'.unit-option[data-unit="{unit.pk}"]')
    expect(option.locator('[data-warranty="in"]')).to_be_visible()
    option.click()
    expect(option.locator("input[type=radio]")).to_be_checked()
    page.fill("#serial-q", "sn2024000123")
    found = page.locator(f'.unit-found[data-unit="{unit.pk}"]')
    expect(found.locator('[data-warranty="in"]')).to_be_visible()
    expect(option.locator("input[type=radio]")).to_be_checked()

    # the request itself
    page.select_option("#id_channel", "phone")
    page.select_option("#id_service_type", "repair")
    page.select_option("#id_priority", "high")
    page.fill("#id_description", "空调不制冷，室外机有异响。")
    page.screenshot(path=str(SHOTS / "intake-desktop.png"), full_page=True)
    page.click("#file-acknowledge")
    page.wait_for_url(re.compile(r"/requests/\d+/$"))

    created = ServiceRequest.objects.get()
    assert created.unit_id == unit.pk and created.in_warranty is True
    expect(page.locator("#request-number")).to_have_text(created.number)
    expect(page.locator('#request-status [data-status="acknowledged"]')).to_be_visible()
    expect(page.locator(".alert-success")).to_be_visible()
    page.screenshot(path=str(SHOTS / "detail-desktop.png"), full_page=True)

    # find it in the queue by its number
    page.goto(f"{live_server.url}/requests/")
    page.fill("#id_q", created.number)
    page.press("#id_q", "Enter")
    expect(page).to_have_url(re.compile(r"q=" + created.number))
    rows = page.locator("#queue-results table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-number", created.number)
    page.screenshot(path=str(SHOTS / "queue-desktop.png"), full_page=True)

    # the same pages on a phone
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    phone.add_cookies(context.cookies())
    mobile = phone.new_page()
    mobile.set_default_timeout(15_000)
    mobile.goto(f"{live_server.url}/requests/")
    expect(mobile.locator(f'.queue-cards [data-number="{created.number}"]')).to_be_visible()
    expect(mobile.locator("#queue-results table")).to_be_hidden()
    mobile.screenshot(path=str(SHOTS / "queue-phone.png"), full_page=True)
    mobile.goto(f"{live_server.url}/requests/{created.pk}/")
    expect(mobile.locator("#request-number")).to_have_text(created.number)
    mobile.screenshot(path=str(SHOTS / "detail-phone.png"), full_page=True)
    mobile.goto(f"{live_server.url}/requests/new/?customer={setup_data['customer'].pk}")
    expect(mobile.locator(".customer-picked")).to_be_visible()
    mobile.screenshot(path=str(SHOTS / "intake-phone.png"), full_page=True)
