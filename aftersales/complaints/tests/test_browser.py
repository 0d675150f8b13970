"""End to end in headless Chromium: a complaint handler takes a complaint from intake to the
customer's acceptance.

- Desktop (1440×900, Chinese): the handler takes a named complaint about a service request,
  names himself investigator, adds a note and a photo, proposes the solution; the complainant
  opens his tracking link on his phone (no login) and accepts; the handler records the
  follow-up and closes with the lessons learned.
- Phone (390×844, English): the handler takes an anonymous complaint on his phone, proposes a
  solution and records the complainant's acceptance given on the phone; the worklist shows it.

Screenshots of every page go to /work/wt/notes/shots/complaints/ (zh-hans and en, desktop and phone).
"""

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps

from aftersales.complaints.models import Complaint
from aftersales.complaints.tests.factories import make_customer

SHOTS = Path("/work/wt/notes/shots/complaints")
PASSWORD = "pw-Test-123"  # set by UserFactory
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00"
    b"\x00\x00\rIDATx\xdac\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def seed():
    """What the migrations seed (a committing test before may have flushed it)."""
    from aftersales.sla.tests.calendars import seed_migration_data

    seed_migration_data()
    for module in (
        "aftersales.sla.migrations.0008_complaint_categories",
        "aftersales.complaints.migrations.0002_chain",
    ):
        importlib.import_module(module).forwards(apps, None)


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(browser, url, user, *, locale, **device):
    context = browser.new_context(locale=locale, **device)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{url}/accounts/login/?next=/complaints/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/complaints/"))
    return page


# A step's submit on a loaded two-core machine (the whole suite beside a browser).
SLOW_MACHINE_MS = 60_000


def open_step(page, action):
    """Open a step's form as a user does, on a page that has finished loading, and wait until
    it has finished unfolding (Bootstrap's ``.show``, set after the transition)."""
    page.wait_for_load_state("load")
    page.click(f'#actions [data-action="{action}"]')
    page.locator(f"#act-{action}.collapse.show").wait_for(state="visible")
    return page.locator(f'form[data-form="{action}"]')


def submit_step(page, form):
    """Submit a step's form and wait for the page that answers (same address, a new load)."""
    with page.expect_navigation(timeout=SLOW_MACHINE_MS):
        form.locator("button[type=submit]").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_handler_takes_a_complaint_to_the_customers_acceptance_on_a_desktop(browser, live_server, handler, tmp_path):
    from playwright.sync_api import expect

    from aftersales.tickets.services import request_create

    seed()
    customer = make_customer(handler, name="王建国", phone="13800138001")
    sr = request_create(
        actor=handler, customer=customer, channel="phone", service_type="repair", description="空调不制冷"
    )
    page = login(browser, live_server.url, handler, locale="zh-CN", **DESKTOP)
    expect(page.locator("#no-complaints")).to_be_visible()
    shot(page, "worklist-empty-desktop-zh")

    # Intake: about the request, the handler names himself investigator.
    page.click("#new-complaint")
    page.wait_for_url(re.compile(r"/complaints/new/$"))
    page.select_option("#id_channel", "phone")
    page.select_option("#id_category", "attitude")
    page.select_option("#id_severity", "normal")
    page.fill("#id_description", "师傅上门没有穿鞋套，客户提醒后态度很不耐烦。")
    page.fill("#id_demand", "要求公司道歉，并更换技师。")
    page.fill("#id_request_number", sr.number)
    page.select_option("#id_investigator", str(handler.pk))
    shot(page, "intake-desktop-zh")
    page.click("#take-complaint")
    page.wait_for_url(re.compile(r"/complaints/\d+/$"))
    c = Complaint.objects.get()
    assert (c.status, c.investigator_id, c.customer_id) == ("investigating", handler.pk, customer.pk)
    expect(page.locator("#complaint-number")).to_have_text(c.number)
    expect(page.locator('#complaint-status [data-status="investigating"]')).to_be_visible()
    expect(page.locator(".alert-success")).to_contain_text(c.tracking_code)

    # Investigation: a note and a photo.
    page.fill("#id_text", "已电话联系技师，技师承认未穿鞋套。")
    page.click("form[action$='/note/'] button[type=submit]")
    expect(page.locator("#timeline")).to_contain_text("技师承认未穿鞋套")
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)
    page.set_input_files("#id_files", str(photo))
    page.fill("#id_note", "客户提供的现场照片")
    page.click("form[action$='/evidence/'] button[type=submit]")
    expect(page.locator("#evidence")).to_contain_text("现场.png")

    # The solution.
    form = open_step(page, "propose")
    form.locator("textarea[name='propose-investigation']").fill("技师未按规范穿鞋套，沟通态度欠佳。")
    form.locator("textarea[name='propose-solution']").fill("站长上门致歉，更换技师，赠送一次免费保养。")
    submit_step(page, form)
    expect(page.locator('#complaint-status [data-status="proposed"]')).to_be_visible()
    shot(page, "detail-proposed-desktop-zh")
    link = page.locator("#tracking-link").input_value()
    assert link.endswith(c.tracking_url())

    # The complainant answers on his phone through the link, without logging in.
    phone = browser.new_context(locale="zh-CN", **PHONE).new_page()
    phone.goto(link)
    expect(phone.locator("#track-solution")).to_contain_text("站长上门致歉")
    shot(phone, "track-proposed-phone-zh")
    phone.check("input[name='answer'][value='accept']")
    phone.fill("#id_note", "可以，谢谢。")
    phone.click("#track-form button[type=submit]")
    expect(phone.locator("#track-response")).to_be_visible()
    expect(phone.locator(".alert-success")).to_be_visible()
    shot(phone, "track-accepted-phone-zh")
    c.refresh_from_db()
    assert (c.status, c.response) == ("accepted", "accepted")

    # Back at the desk: accepted; follow-up, lessons, closed.
    page.reload()
    expect(page.locator('#complaint-status [data-status="accepted"]')).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("投诉人（链接）")
    form = open_step(page, "follow_up")
    form.locator("textarea").fill("回访：站长已上门致歉，客户满意。")
    submit_step(page, form)
    form = open_step(page, "close")
    form.locator("textarea").fill("上门前检查鞋套等防护用品；沟通话术纳入月度培训。")
    submit_step(page, form)
    expect(page.locator('#complaint-status [data-status="closed"]')).to_be_visible()
    expect(page.locator("#lessons")).to_contain_text("月度培训")
    shot(page, "detail-closed-desktop-zh")
    c.refresh_from_db()
    assert (c.status, c.closed_by) == ("closed", "acceptance")

    # The request page shows the complaint.
    page.goto(f"{live_server.url}/requests/{sr.pk}/")
    expect(page.locator("#complaints-panel")).to_contain_text(c.number)
    page.goto(f"{live_server.url}/complaints/?view=closed")
    expect(page.locator(f'#complaint-table [data-number="{c.number}"]')).to_be_visible()
    shot(page, "worklist-closed-desktop-zh")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_handler_takes_an_anonymous_complaint_on_a_phone(browser, live_server, handler):
    from playwright.sync_api import expect

    seed()
    page = login(browser, live_server.url, handler, locale="en-US", **PHONE)
    page.goto(f"{live_server.url}/complaints/new/")
    page.select_option("#id_channel", "wechat")
    page.select_option("#id_category", "billing")
    page.select_option("#id_severity", "major")
    page.fill("#id_description", "The partner's technician asked for cash and gave no invoice.")
    page.fill("#id_demand", "Investigate and refund.")
    page.fill("#id_contact_name", "Mr Secret")
    page.check("#id_anonymous")
    expect(page.locator("#identity-fields")).to_be_hidden()
    page.select_option("#id_investigator", str(handler.pk))
    shot(page, "intake-anonymous-phone-en")
    page.click("#take-complaint")
    page.wait_for_url(re.compile(r"/complaints/\d+/$"))
    c = Complaint.objects.get()
    assert (c.anonymous, c.contact_name, c.escalation_level) == (True, "", 1)
    expect(page.locator("#complainant")).to_contain_text("Anonymous")
    expect(page.locator("#complaint-level")).to_be_visible()
    shot(page, "detail-anonymous-phone-en")

    form = open_step(page, "propose")
    form.locator("textarea[name='propose-solution']").fill("Refund the cash in full; the partner is warned.")
    # The page comes back at the same address: wait for that load, not for a fixed time (a
    # whole suite on two cores once took longer than expect's five seconds, and on a slower
    # machine longer than the default 20 s navigation timeout).
    submit_step(page, form)
    expect(page.locator('#complaint-status [data-status="proposed"]')).to_be_visible()
    # The complainant called back with the tracking code and accepts on the phone.
    form = open_step(page, "respond")
    form.locator("input[value='accept']").check()
    form.locator("textarea").fill("Fine, thanks.")
    submit_step(page, form)
    expect(page.locator('#complaint-status [data-status="accepted"]')).to_be_visible()
    shot(page, "detail-accepted-phone-en")

    page.goto(f"{live_server.url}/complaints/?view=open")
    card = page.locator(f'#complaint-cards [data-number="{c.number}"]')
    expect(card).to_be_visible()
    expect(card).to_contain_text("Anonymous")
    expect(page.locator("#complaint-table")).to_be_hidden()
    shot(page, "worklist-phone-en")
    page.goto(f"{live_server.url}{c.tracking_url()}")
    shot(page, "track-accepted-phone-en")

    # The same worklist on a desktop, in English.
    desk = login(browser, live_server.url, handler, locale="en-US", **DESKTOP)
    desk.goto(f"{live_server.url}/complaints/?view=escalated")
    expect(desk.locator(f'#complaint-table [data-number="{c.number}"]')).to_be_visible()
    shot(desk, "worklist-escalated-desktop-en")
    desk.goto(f"{live_server.url}{c.get_absolute_url()}")
    shot(desk, "detail-accepted-desktop-en")
