"""Issue 11, item 3, on the job page in headless Chromium: the customer's signature, once saved, is shown as saved
(who, when, the drawn image; the pad folded under "sign again"), and "Leaving now" offers a default arrival for a
visit booked later.

Screenshots (phone 390×844 and desktop 1440×900, Chinese and English) go to ``$SHOTS_DIR`` (default
/tmp/shots/board).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.test import TestCase
from django.utils import timezone

from aftersales.dispatch.services import appointment_create
from aftersales.field import services

from .factories import field_job
from .test_browser import PASSWORD, _draw

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/board"))
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
LOCALES = {"en": "en-US", "zh": "zh-CN"}


def _open(browser, base, user, path, device, lang):
    context = browser.new_context(locale=LOCALES[lang], **device)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/?next={path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    return context, page


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_saved_signature_is_shown_as_saved_and_leaving_now_has_a_default(browser, live_server, technician, manager):
    from playwright.sync_api import expect

    job = field_job(technician, manager, in_warranty=True, customer_name="李秀英")
    visit = services.visit_check_in(actor=technician, request=job.request)
    services.visit_diagnose(
        actor=technician, visit=visit, cause=job.cause, inspection_result="排水泵堵塞", solution="清理排水泵"
    )
    # a second job, booked two hours from now: its page offers "Leaving now" with the window's start
    later = field_job(technician, manager, customer_name="王芳")
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)
    with TestCase.captureOnCommitCallbacks(execute=True):
        appointment_create(
            actor=manager, request=later.request, window_start=start, window_end=start + dt.timedelta(hours=2)
        )

    path = f"/field/jobs/{job.request.pk}/"
    context, page = _open(browser, live_server.url, technician, path, PHONE, "zh")
    expect(page.locator('#sign[data-signed="0"]')).to_be_visible()
    _draw(page, "#form-pad")
    page.click("#sign button[type=submit]")
    saved = page.locator('#sign[data-signed="1"] .signature-saved')
    expect(saved).to_contain_text("李秀英")
    expect(saved).to_contain_text("已保存")
    expect(saved.locator("img.signature-image")).to_be_visible()
    expect(page.locator("#form-pad")).to_be_hidden()  # folded under "sign again"
    _shot(page, "job-signed-phone-zh")
    # "sign again" opens a working pad
    page.locator("#sign details summary").click()
    expect(page.locator("#form-pad")).to_be_visible()
    assert page.locator("#form-pad").evaluate("c => c.width") > 0
    context.close()

    eta = start.strftime("%Y-%m-%dT%H:%M")
    for device, lang, name in (
        (PHONE, "zh", "phone-zh"),
        (PHONE, "en", "phone-en"),
        (DESKTOP, "en", "desktop-en"),
        (DESKTOP, "zh", "desktop-zh"),
    ):
        context, page = _open(browser, live_server.url, technician, path, device, lang)
        expect(page.locator("#sign .signature-saved img")).to_be_visible()
        if name != "phone-zh":
            _shot(page, f"job-signed-{name}")
        page.goto(f"{live_server.url}/field/jobs/{later.request.pk}/")
        expect(page.locator("#depart input[name=eta]")).to_have_value(eta)
        _shot(page, f"job-depart-{name}")
        context.close()
    # the default, as offered, is accepted
    context, page = _open(browser, live_server.url, technician, f"/field/jobs/{later.request.pk}/", PHONE, "en")
    page.click("#depart button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Have a safe trip")
    expect(page.locator("#departed")).to_be_visible()
    context.close()
