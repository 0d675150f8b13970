"""End to end in headless Chromium (R-RET-1): an agent takes a return/exchange from the request
through the 三包 check (the rule and the dates it used on screen), the inspection and the decision to an
exchange, and sees the new unit's fresh warranty — on a desktop and on a phone, in English and Chinese.

Screenshots of every step go to /work/wt/notes/shots/returns/ (``<lang>-<device>-<step>.png``).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone

from aftersales.catalog.warranty import add_months
from aftersales.returns.models import Rma
from aftersales.returns.tests.factories import make_unit

SHOTS = Path("/work/wt/notes/shots/returns")
PASSWORD = "pw-Test-123"  # set by UserFactory
DEVICES = {
    "desktop": {"viewport": {"width": 1440, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
LOCALES = {"en": "en-US", "zh": "zh-CN"}
TEXT = {
    "en": {
        "rule": "Performance fault within 15 days of sale",
        "exchanged": "Exchanged",
        "fresh": "Warranty starts afresh",
    },
    "zh": {"rule": "售出 15 日内性能故障", "exchanged": "已换货", "fresh": "重新保修"},
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device, lang", [("desktop", "en"), ("phone", "zh"), ("desktop", "zh"), ("phone", "en")])
def test_agent_takes_an_rma_to_an_exchange(browser, live_server, agent, device, lang):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()
    unit = make_unit(agent, sold_days_ago=10)
    context = browser.new_context(locale=LOCALES[lang], **DEVICES[device])
    page = context.new_page()
    page.set_default_timeout(20_000)

    def shot(step):
        page.screenshot(path=str(SHOTS / f"{lang}-{device}-{step}.png"), full_page=True)

    page.goto(f"{live_server.url}/accounts/login/?next=/returns/new/")
    page.fill("#id_username", agent.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/returns/new/$"))

    # find the unit by its serial number, file the customer's claim
    page.fill("#serial", unit.serial_number.lower())
    page.press("#serial", "Enter")
    expect(page.locator("#file-rma")).to_be_visible()
    page.check("input[name=reason][value=fault]")
    page.fill("#id_description", "冷藏室不制冷，压缩机不启动")
    expect(page.locator("#id_sale_date")).to_have_value(unit.purchase_date.isoformat())
    shot("1-create")
    page.click("#file-rma")
    page.wait_for_url(re.compile(r"/returns/\d+/$"))
    rma = Rma.objects.get()
    expect(page.locator("#rma-number")).to_have_text(rma.number)
    expect(page.locator('#rma-status [data-status="requested"]')).to_be_visible()

    # the 三包 check: the rule that applied, the remedies and the dates it used
    page.click("#do-check")
    expect(page.locator("#rule-name")).to_have_attribute("data-rule", "fault_15d")
    expect(page.locator("#rule-name")).to_have_text(TEXT[lang]["rule"])
    expect(page.locator('#remedies [data-remedy="exchange"]')).to_be_visible()
    expect(page.locator('#remedies [data-remedy="repair"]')).to_be_visible()
    expect(page.locator('#remedies [data-remedy="return"]')).to_have_count(0)
    dates = page.locator("#eligibility .dates-used")
    expect(dates).to_contain_text(unit.purchase_date.isoformat())
    expect(dates).to_contain_text(today.isoformat())
    expect(dates).to_contain_text((unit.purchase_date + datetime.timedelta(days=15)).isoformat())
    expect(page.locator('#trace [data-rule="fault_15d"][data-applies="1"]')).to_be_visible()
    expect(page.locator('#trace [data-rule="fault_7d"][data-applies="0"]')).to_be_visible()
    shot("2-checked")

    # the inspection confirms the fault
    page.check("input[name=inspect-fault_finding][value=confirmed]")
    page.check("input[name=inspect-goods_condition][value=intact]")
    page.fill("#id_inspect-returned_on", today.isoformat())
    page.fill("#id_inspect-notes", "通电检测：压缩机不启动，故障复现")
    shot("3-inspect")
    page.click("#do-inspect")
    expect(page.locator('#rma-status [data-status="inspected"]')).to_be_visible()
    expect(page.locator("#inspection")).to_be_visible()

    # the decision: an exchange, among the remedies the rule allows
    expect(page.locator("input[name=decide-resolution][value=return]")).to_have_count(0)
    page.check("input[name=decide-resolution][value=exchange]")
    shot("4-decide")
    page.click("#do-decide")
    expect(page.locator('#rma-status [data-status="awaiting_exchange"]')).to_be_visible()
    expect(page.locator("#decision")).to_contain_text(TEXT[lang]["rule"])

    # the new unit: its warranty starts afresh today
    page.fill("#id_exchange-serial_number", f"NEW-{device}-{lang}")
    page.select_option("#id_exchange-old_unit_fate", "manufacturer")
    page.click("#do-exchange")
    expect(page.locator('#rma-status [data-status="exchanged"]')).to_be_visible()
    new_end = add_months(today, unit.warranty_months) - datetime.timedelta(days=1)
    new_unit = page.locator("#new-unit")
    expect(new_unit).to_contain_text(f"NEW-{device}-{lang}".upper())
    expect(new_unit).to_contain_text(TEXT[lang]["fresh"])
    expect(new_unit).to_contain_text(today.isoformat())
    expect(new_unit).to_contain_text(new_end.isoformat())
    shot("5-exchanged")
    rma.refresh_from_db()
    assert rma.new_unit.warranty_start == today and rma.new_unit.warranty_end == new_end

    # the worklist and the customer's link
    page.goto(f"{live_server.url}/returns/?view=closed")
    expect(page.locator(f'[data-rma="{rma.number}"]')).to_be_visible()
    shot("6-worklist")
    page.goto(f"{live_server.url}/returns/r/{rma.public_token}/")
    expect(page.locator("body")).to_contain_text(rma.new_unit.serial_number)
    shot("7-customer-link")
    context.close()
