"""Skills read as words on the technicians' pages (issue 11), in both languages, in headless Chromium."""

import os
import re
from pathlib import Path

import pytest

from aftersales.catalog.services import category_create

from .factories import tech_profile

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/reqadmin"))
PASSWORD = "pw-Test-123"  # set by UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_skill_labels_as_words(browser, live_server, dispatcher, technician, admin_user):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    ac = category_create(actor=admin_user, code="AC", name="空调")
    tech_profile(dispatcher, technician, skills=[(ac, "repair", 3), (None, "installation", 1)])
    # ordered by service type (installation before repair)
    expected = {
        "zh-hans": ["全品类安装 · 初级", "空调维修 · 高级"],
        "en": ["Installation, any product · Basic", "Repair, 空调 · Expert"],
    }
    for language, labels in expected.items():
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/accounts/login/?next=/dispatch/technicians/")
        page.fill("#id_username", dispatcher.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/dispatch/technicians/$"))
        badges = page.locator(".skill-label")
        expect(badges).to_have_text(labels)
        assert " · * · " not in page.content()
        page.screenshot(path=str(SHOTS / f"test-technicians-{language}-desktop.png"), full_page=True)
        page.goto(f"{live_server.url}/dispatch/technicians/{technician.pk}/")
        expect(page.locator("#skill-labels .skill-label")).to_have_text(labels)
        context.close()
