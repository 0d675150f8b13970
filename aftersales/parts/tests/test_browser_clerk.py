"""Issue 11, item 5, in headless Chromium, as the people who do the job:

- a technician on his phone asks for parts by picking them from the catalogue (what his van holds and
  what the source has on each line); the parts clerk is notified, follows the notification to the
  request, sees its lines with the stock behind them and approves it; the technician hears the answer;
- the parts clerk adds a reorder rule on the page: the overview's low-stock alerts and the
  replenishment page's "to order" list show the same rows, and the method is said in words.

Run in Chinese on a phone and in English on a desktop. Screenshots go to ``$SHOTS_DIR`` (default /tmp/shots).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from aftersales.accounts.choices import Role
from aftersales.parts.choices import Tracking, VanIssueStatus
from aftersales.parts.models import StockLevel, VanIssue
from aftersales.parts.selectors import low_stock_alert_drift, low_stock_for

from .factories import make_part, make_van, make_warehouse, stock

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))
PASSWORD = "pw-Test-123"  # set by UserFactory
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
VIEWS = [("zh-CN", PHONE, "zh-phone"), ("en-US", DESKTOP, "en-desktop")]


def _context(browser, lang, viewport):
    phone = viewport == PHONE
    ctx = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, locale=lang)
    ctx.set_default_timeout(15_000)
    return ctx


def _login(page, base, user, next_url):
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("lang", "viewport", "tag"), VIEWS, ids=[v[2] for v in VIEWS])
def test_technician_asks_for_parts_and_the_clerk_approves_what_he_sees(
    browser, live_server, make_user, technician, lang, viewport, tag
):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    clerk = make_user(Role.PARTS_CLERK)
    central = make_warehouse(clerk)
    van = make_van(clerk, technician)
    cap = make_part(clerk, code="PT-CAP-35", name="压缩机启动电容")
    compressor = make_part(clerk, code="PT-CMP-R32", name="变频压缩机 R32", tracking=Tracking.SERIAL)
    make_part(clerk, code="PT-REM-01", name="空调遥控器")
    stock(clerk, central, cap, 40)
    stock(clerk, van, cap, 1)
    for n in (1, 2, 3):
        stock(clerk, central, compressor, 1, lot=f"CMP-{n:03d}")

    # the technician, on his phone (or a desk), picks parts from the catalogue
    ctx = _context(browser, lang, viewport)
    page = ctx.new_page()
    _login(page, live_server.url, technician, "/parts/van-issues/")
    row = page.locator("[data-pick-row]", has_text="PT-CAP-35")
    expect(row.locator("[data-in-van]")).to_have_text("1")
    expect(row.locator("[data-at-source]")).to_have_text("40")
    page.fill("[data-picker-filter]", "压缩")  # find by name: the remote control is hidden
    expect(page.locator("[data-pick-row]", has_text="PT-REM-01")).to_be_hidden()
    row.locator("input").fill("4")
    page.locator("[data-pick-row]", has_text="PT-CMP-R32").locator("input").fill("2")
    expect(page.locator("[data-picker-submit]")).to_contain_text("2")  # 2 lines, 6 pieces
    page.screenshot(path=str(SHOTS / f"vanissue-{tag}-1-ask.png"), full_page=True)
    page.click("[data-picker-submit]")
    expect(page.locator(".van-issue").first).to_contain_text("PT-CMP-R32")
    issue = VanIssue.objects.get()
    assert [(ln.part.code, ln.quantity) for ln in issue.lines.order_by("pk")] == [("PT-CAP-35", 4), ("PT-CMP-R32", 2)]
    page.screenshot(path=str(SHOTS / f"vanissue-{tag}-2-sent.png"), full_page=True)
    ctx.close()

    # the parts clerk is told, follows the notification and sees the lines with the stock behind them
    ctx = _context(browser, lang, viewport)
    page = ctx.new_page()
    _login(page, live_server.url, clerk, "/notifications/")
    link = page.locator(f"a[href='/parts/van-issues/{issue.pk}/']").first
    expect(link).to_be_visible()
    page.screenshot(path=str(SHOTS / f"vanissue-{tag}-3-clerk-notified.png"), full_page=True)
    link.click()
    lines = page.locator(f".van-issue-lines[data-issue='{issue.number}'] tbody tr")
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_contain_text("PT-CAP-35")
    expect(lines.nth(0)).to_contain_text("40")  # what the source has
    expect(lines.nth(1)).to_contain_text("PT-CMP-R32")
    page.screenshot(path=str(SHOTS / f"vanissue-{tag}-4-clerk-detail.png"), full_page=True)
    page.click("button[name=approve][value='1']")
    expect(page.locator("#issue-status")).to_have_text(re.compile("已批准|Approved"))
    issue.refresh_from_db()
    assert issue.status == VanIssueStatus.APPROVED
    assert StockLevel.objects.get(warehouse=van, part=cap).on_hand == 5
    assert sorted(
        StockLevel.objects.filter(warehouse=van, part=compressor, on_hand=1).values_list("lot", flat=True)
    ) == ["CMP-001", "CMP-002"]
    page.screenshot(path=str(SHOTS / f"vanissue-{tag}-5-approved.png"), full_page=True)
    ctx.close()

    # the technician hears the answer
    ctx = _context(browser, lang, viewport)
    page = ctx.new_page()
    _login(page, live_server.url, technician, "/notifications/")
    expect(page.locator("body")).to_contain_text("PT-CMP-R32 (CMP-001) × 1")
    ctx.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("lang", "viewport", "tag"), VIEWS, ids=[v[2] for v in VIEWS])
def test_low_stock_alerts_and_the_replenishment_list_agree(
    browser, live_server, make_user, technician, lang, viewport, tag
):
    from playwright.sync_api import expect

    from aftersales.parts.services import reorder_rule_set

    SHOTS.mkdir(parents=True, exist_ok=True)
    clerk = make_user(Role.PARTS_CLERK)
    central = make_warehouse(clerk)
    van = make_van(clerk, technician)
    board = make_part(clerk, code="PT-PCB-35", name="空调主控板")
    fan = make_part(clerk, code="PT-FAN-IN", name="室内贯流风扇")
    stock(clerk, central, board, 6)
    stock(clerk, central, fan, 80)
    stock(clerk, van, fan, 1)
    reorder_rule_set(actor=clerk, part=fan, warehouse=van, reorder_point=2, reorder_quantity=5, lead_time_days=3)

    ctx = _context(browser, lang, viewport)
    page = ctx.new_page()
    _login(page, live_server.url, clerk, f"/parts/warehouses/{central.pk}/reorder-rules/")
    # the clerk adds a rule for the main board: 6 available, point 15 → low at once
    page.fill("#id_part", "PT-PCB-35")
    page.fill("#id_reorder_point", "15")
    page.fill("#id_reorder_quantity", "40")
    page.fill("#id_lead_time_days", "10")
    page.fill("#id_safety_stock", "5")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("#reorder-rules")).to_contain_text("PT-PCB-35")

    wanted = {f"PT-PCB-35@{central.code}", f"PT-FAN-IN@{van.code}"}
    assert {f"{r.part.code}@{r.warehouse.code}" for r in low_stock_for(clerk)} == wanted
    assert low_stock_alert_drift() == {"missing": set(), "stale": set()}

    page.goto(f"{live_server.url}/parts/")
    alerts = page.locator("#low-stock [data-low]")
    expect(alerts).to_have_count(2)
    on_overview = {alerts.nth(i).get_attribute("data-low") for i in range(2)}
    expect(page.locator("#low-stock")).to_contain_text(re.compile("订购 49|order 49"))
    page.screenshot(path=str(SHOTS / f"lowstock-{tag}-1-overview.png"), full_page=True)

    page.goto(f"{live_server.url}/parts/replenishment/")
    rows = page.locator("#to-order [data-low]")
    expect(rows).to_have_count(2)
    to_order = {rows.nth(i).get_attribute("data-low") for i in range(2)}
    assert on_overview == to_order == wanted  # one rule, one list
    board_row = page.locator("#to-order [data-low]", has_text="PT-PCB-35")
    expect(board_row).to_contain_text("49")  # 15 + 40 − 6
    method = page.locator("#from-demand tr", has_text="PT-PCB-35")
    expect(method).to_contain_text(
        re.compile(
            r"再订货点 \d+ = 日均用量|Reorder point \d+ = average daily use|No use in the last|最近 8 周没有用量"
        )
    )
    expect(page.locator("#from-demand")).not_to_contain_text("ceil(")
    page.screenshot(path=str(SHOTS / f"lowstock-{tag}-2-replenishment.png"), full_page=True)
    ctx.close()
