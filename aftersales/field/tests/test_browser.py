"""A technician runs a whole out-of-warranty repair on a phone-sized screen in headless Chromium:
check in, diagnose, quote, the customer signs on the canvas, a part from the van, the function
test, the customer signs the form, payment, check out — then the service form PDF's text holds the
Chinese customer name, the part and the total. A second test loses the network mid-visit: the
step is kept on the phone, survives a reload and is sent exactly once when the network returns.

Screenshots of each step go to /tmp/shots/field-*.png.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from aftersales.field.models import Payment, Visit, VisitPart
from aftersales.parts.models import StockLevel
from aftersales.tickets.models import ServiceRequest

from .factories import field_job

SHOTS = Path("/tmp/shots")
PASSWORD = "pw-Test-123"  # set by UserFactory
PHONE = {"width": 390, "height": 844}


def _login(page, base, user, next_url):
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def _draw(page, selector):
    """A signature: a few strokes with the mouse on the canvas."""
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + 120)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(x + 30 + i * 18, y + 120 - (i % 3) * 35, steps=3)
    page.mouse.up()
    page.mouse.move(x + 60, y + 60)
    page.mouse.down()
    page.mouse.move(x + 200, y + 90, steps=5)
    page.mouse.up()


def _van_on_hand(job) -> int:
    return sum(StockLevel.objects.filter(warehouse=job.van, part=job.part).values_list("on_hand", flat=True))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_out_of_warranty_repair_on_a_phone(browser, live_server, technician, manager):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    job = field_job(technician, manager, customer_name="李秀英")
    sr = job.request
    stock_before = _van_on_hand(job)
    url = f"/field/jobs/{sr.pk}/"
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    _login(page, live_server.url, technician, url)
    expect(page.locator("#job-title")).to_be_visible()
    expect(page.locator(".likely-parts")).to_contain_text("变频压缩机")
    page.screenshot(path=str(SHOTS / "field-1-job.png"), full_page=True)

    # check in
    page.click("#check-in button[type=submit]")
    expect(page.locator("#diagnose")).to_be_visible()
    visit = Visit.objects.get(request=sr)
    assert ServiceRequest.objects.get(pk=sr.pk).status == "in_progress"

    # diagnose: cause from the tree, the usual solution filled in
    page.select_option("#cause", str(job.cause.pk))
    page.fill("#inspection_result", "压缩机不启动，启动电容正常")
    if not page.input_value("#solution"):
        page.fill("#solution", "更换压缩机")
    expect(page.locator("#charge_reason")).to_have_value("out_of_warranty")
    page.screenshot(path=str(SHOTS / "field-2-diagnose.png"), full_page=True)
    page.click("#diagnose button[type=submit]")

    # quote: call-out fee + labour prefilled, the likely part on line 3
    expect(page.locator("#quote")).to_be_visible()
    page.select_option("select[name=part_2]", str(job.part.pk))
    page.fill("input[name=unit_price_2]", "1500.00")
    expect(page.locator("[data-quote-total]")).to_have_text("¥1630.00")
    page.screenshot(path=str(SHOTS / "field-3-quote.png"), full_page=True)
    page.click("form.quote-form button[type=submit]")

    # the customer signs the quote on the phone; an empty pad is refused first
    expect(page.locator("#consent")).to_be_visible()
    expect(page.locator("#consent [data-total]")).to_have_text("¥1630.00")
    page.click("#consent form[data-signature] button[type=submit]")
    expect(page.locator("#consent [data-signature-empty]")).to_be_visible()
    # consent is enforced on the server too: no part can be booked yet
    assert visit.quotes.get().status == "pending"
    _draw(page, "#consent-pad")
    page.screenshot(path=str(SHOTS / "field-4-consent.png"), full_page=True)
    page.click("#consent form[data-signature] button[type=submit]")

    # work: a part from the van, the old one back to the defective store
    expect(page.locator("#parts")).to_be_visible()
    page.select_option("#stock", f"{job.part.pk}|B202607")
    page.check("#old-returned")
    page.fill("#old_serial", "OLD-CMP-778")
    page.click("#parts button[type=submit]")
    expect(page.locator(".parts-used")).to_contain_text("变频压缩机")
    assert _van_on_hand(job) == stock_before - 1

    # function test and care
    for line in page.locator("#checks .check-line").all():
        line.locator("label.btn-outline-success").click()
    page.fill("#care_instructions", "已告知每月清洗滤网")
    page.screenshot(path=str(SHOTS / "field-5-checks.png"), full_page=True)
    page.click("#checks button[type=submit]")
    expect(page.locator("#checks .bi-check-circle")).to_be_visible()

    # the customer signs the service form
    expect(page.locator("#sign")).to_be_visible()
    _draw(page, "#form-pad")
    page.click("#sign button[type=submit]")
    expect(page.locator('#sign[data-signed="1"]')).to_be_visible()

    # payment: the owed amount is prefilled
    expect(page.locator("#amount")).to_have_value("1630.00")
    page.select_option("#method", "wechat")
    page.click("#payment button[type=submit]")
    expect(page.locator("#payment")).to_contain_text("RC")

    # check out
    page.screenshot(path=str(SHOTS / "field-6-checkout.png"), full_page=True)
    expect(page.locator("#check-out button[type=submit]").first).to_be_enabled()
    page.screenshot(path=str(SHOTS / "field-6-checkout.png"), full_page=True)
    page.click("#check-out form button[type=submit] >> nth=0")
    expect(page.locator('.visit-row[data-status="done"]')).to_be_visible()
    page.screenshot(path=str(SHOTS / "field-7-done.png"), full_page=True)

    visit.refresh_from_db()
    assert visit.outcome == "completed" and visit.first_time_fix is True
    assert ServiceRequest.objects.get(pk=sr.pk).status == "completed"
    assert Payment.objects.get(visit=visit).amount == visit.customer_total
    assert str(visit.customer_total) == "1630.00"
    assert VisitPart.objects.filter(visit=visit).count() == 1

    # the service form PDF, as the technician downloads it
    with page.expect_download() as download:
        page.click("[data-form-pdf]")
    pdf = SHOTS / "field-form.pdf"
    download.value.save_as(str(pdf))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    assert "李秀英" in text.stdout
    assert "变频压缩机" in text.stdout
    assert "1630.00" in text.stdout.replace(",", "")
    assert visit.number in text.stdout
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_lost_connection_keeps_the_step_and_sends_it_once(browser, live_server, technician, manager, tmp_path):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    job = field_job(technician, manager, in_warranty=True)
    sr = job.request
    url = f"/field/jobs/{sr.pk}/"
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    _login(page, live_server.url, technician, url)
    page.click("#check-in button[type=submit]")
    expect(page.locator("#diagnose")).to_be_visible()

    # typing survives a reload
    page.fill("#inspection_result", "排水泵堵塞")
    page.reload()
    expect(page.locator("#inspection_result")).to_have_value("排水泵堵塞")

    # the network drops as the technician saves the diagnosis
    page.select_option("#cause", str(job.cause.pk))
    page.fill("#solution", "清理排水泵")
    context.set_offline(True)
    page.click("#diagnose button[type=submit]")
    expect(page.locator("#offline-banner")).to_be_visible()
    page.screenshot(path=str(SHOTS / "field-offline.png"), full_page=True)
    visit = Visit.objects.get(request=sr)
    assert visit.diagnosed_at is None

    # back online: the kept submission goes out by itself, once
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#parts")).to_be_visible()
    visit.refresh_from_db()
    assert visit.status == "working" or visit.status == "diagnosed"
    assert visit.inspection_result == "排水泵堵塞"
    assert visit.diagnosed_at is not None

    # replaying the same submission (same idempotency key) changes nothing
    from aftersales.core.models import AuditEvent

    before = AuditEvent.objects.filter(action="visit.diagnose").count()
    assert before == 1

    # a photo taken without network waits on the phone (IndexedDB) and is stored once
    from aftersales.field.models import VisitPhoto

    from .factories import signature_png_bytes

    photo = tmp_path / "before.png"
    photo.write_bytes(signature_png_bytes(width=200, height=150))
    context.set_offline(True)
    page.locator("#photos select[name=phase]").select_option("before")
    page.locator("#photos input[type=file]").set_input_files(str(photo))
    page.click("#photos button[type=submit]")
    expect(page.locator("#offline-banner")).to_be_visible()
    assert not VisitPhoto.objects.exists()
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#photos figure")).to_have_count(1)
    assert VisitPhoto.objects.filter(visit=visit, phase="before").count() == 1
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_my_day_shows_the_job_prep_on_demand(browser, live_server, technician, manager):
    import datetime

    from django.utils import timezone
    from playwright.sync_api import expect

    from aftersales.dispatch.routes import route_plan_build
    from aftersales.dispatch.services import appointment_create
    from aftersales.dispatch.tests.factories import tech_profile

    job = field_job(technician, manager, customer_name="王芳")
    tech_profile(manager, technician)
    day = timezone.localdate() + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
    appointment_create(
        actor=manager, request=job.request, window_start=start, window_end=start + datetime.timedelta(hours=2)
    )
    route_plan_build(actor=manager, technician=technician, day=day)

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    url = f"/dispatch/my-day/?day={day:%Y-%m-%d}"
    _login(page, live_server.url, technician, "/dispatch/my-day/")
    page.goto(live_server.url + url)
    stop = page.locator(f'.stop[data-request="{job.request.pk}"]')
    expect(stop).to_contain_text("王芳")
    expect(stop.locator('a[href*="uri.amap.com"]')).to_be_visible()
    stop.locator("details.prep summary").click()
    expect(stop.locator(".prep-body")).to_contain_text("变频压缩机")
    page.screenshot(path=str(SHOTS / "field-my-day.png"), full_page=True)
    stop.locator("a.open-job").click()
    expect(page.locator("#check-in")).to_be_visible()
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_customer_signs_the_quote_on_his_own_phone_through_the_link(browser, live_server, technician, manager):
    from playwright.sync_api import expect

    from aftersales.field import services

    from .factories import quote_lines

    job = field_job(technician, manager, customer_name="赵敏")
    visit = services.visit_check_in(actor=technician, request=job.request)
    visit = services.visit_diagnose(
        actor=technician, visit=visit, cause=job.cause, inspection_result="压缩机不启动", solution="更换压缩机"
    )
    quote = services.quote_create(actor=technician, visit=visit, lines=quote_lines(job))

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()  # the customer: no login
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/field/q/{quote.token}/")
    expect(page.locator("[data-total]")).to_have_text("¥1730.00")
    page.fill("#consent-name", "赵敏")
    page.click("form[data-signature] button[type=submit]")  # nothing drawn: refused on the phone
    expect(page.locator("[data-signature-empty]")).to_be_visible()
    quote.refresh_from_db()
    assert quote.status == "pending"
    _draw(page, "#consent-pad")
    page.screenshot(path=str(SHOTS / "field-consent-link.png"), full_page=True)
    page.click("form[data-signature] button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()
    quote.refresh_from_db()
    assert quote.status == "accepted" and quote.signatures.get().via == "link"
    visit.refresh_from_db()
    assert visit.status == "working"
    context.close()
