"""The admin in Chinese: branded, and django-axes's models in words of the product (issue 11)."""

import os
import re
from pathlib import Path

import pytest

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/reqadmin"))
PASSWORD = "pw-Test-123"  # set by UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_branded_and_translated(browser, live_server, admin_user):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    expect(page.locator("#site-name")).to_have_text("售后服务管理系统 · 系统管理")
    expect(page).to_have_title(re.compile("主数据与设置 .* 售后服务管理系统 · 系统管理"))
    axes = page.locator("#content-main .app-axes")
    expect(axes.locator("caption")).to_contain_text("登录保护")
    expect(axes).to_contain_text("登录尝试")
    body = page.locator("body").inner_text()
    for english in ("AXES", "Axes", "Access attempts", "Access failures", "Access logs"):
        assert english not in body
    page.screenshot(path=str(SHOTS / "test-admin-zh-hans-desktop.png"), full_page=True)
