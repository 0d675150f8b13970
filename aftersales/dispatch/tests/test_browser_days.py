"""Issue 11, items 2 and 3, in headless Chromium, as the users work:

- the dispatcher books a visit from the board and it is on the technician's timeline at once, labelled with the
  request number, customer and window, without pressing "re-optimise";
- the technician's "My day": the route in time order with window, address, priority and state, the job waiting
  for his answer apart, the job to book below; "Leaving now" with its own default is accepted.

The job page (saved signature, "Leaving now" there) is in ``field/tests/test_browser_job_states.py``.

Screenshots (desktop 1440×900 and phone 390×844, English and Chinese) go to ``$SHOTS_DIR`` (default
/tmp/shots/board) for a human look.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.utils import timezone

from aftersales.dispatch import services
from aftersales.dispatch.models import Appointment, RoutePlan
from aftersales.dispatch.selectors import local_day
from aftersales.sla.tests.calendars import seed_migration_data
from aftersales.tickets.choices import Priority

from .factories import committed, job, region, tech_profile

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/board"))
PASSWORD = "pw-Test-123"  # set by UserFactory
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
LOCALES = {"en": "en-US", "zh": "zh-CN"}


def in_thread(fn):
    """An ORM read outside Playwright's event loop (Django refuses ORM calls inside it)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


def open_page(browser, base, user, path, *, device=DESKTOP, lang="en"):
    context = browser.new_context(locale=LOCALES[lang], **device)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/?next={path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(path.split("?")[0])))
    return context, page


def shot(page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def held(dispatcher, tech, reg, *, accept=True, **kwargs):
    sr = job(dispatcher, region=reg, **kwargs)
    committed(services.dispatch_assign)(actor=dispatcher, request=sr, technician=tech)
    if accept:
        committed(services.offer_accept)(actor=tech, request=sr)
    sr.refresh_from_db()
    return sr


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_book_a_visit_from_the_board_and_it_is_on_the_timeline(browser, live_server, dispatcher, make_user):
    from playwright.sync_api import expect

    from aftersales.accounts.choices import Role

    seed_migration_data()  # the SLA rules, which an earlier transactional test's flush removed
    reg = region()
    tech = make_user(Role.TECHNICIAN, last_name="张", first_name="师傅")
    other = make_user(Role.TECHNICIAN, last_name="李", first_name="师傅")
    tech_profile(dispatcher, tech, region=reg, capacity_jobs=6)
    tech_profile(dispatcher, other, region=reg, capacity_jobs=5)
    sr = held(dispatcher, tech, reg, priority=Priority.HIGH)
    job(dispatcher, region=reg, priority=Priority.URGENT, now=timezone.now() - dt.timedelta(days=2))  # overdue
    job(dispatcher, region=reg)

    context, page = open_page(browser, live_server.url, dispatcher, "/dispatch/board/")
    row = page.locator(f'.tech-row[data-technician="{tech.pk}"]')
    expect(row.locator(".load")).to_contain_text("0 booked today / 6 capacity")
    expect(page.locator('.job-sla [data-sla="breached"]')).to_contain_text("overdue")
    expect(page.locator("#map-note")).to_contain_text("Schematic, not a map")

    row.locator(f'.tl-waiting[data-request="{sr.pk}"] .book-btn').click()
    panel = page.locator("#side #book-visit")
    expect(panel).to_contain_text(sr.number)
    start = page.locator("#bk-start").input_value()
    shot(page, "board-book-panel-desktop-en")
    panel.locator("button[type=submit]").click()

    # the board of the visit's day: the visit is on his timeline at once, nobody re-optimised
    day = dt.date.fromisoformat(start[:10])
    page.wait_for_url(re.compile(rf"/dispatch/board/\?day={day.isoformat()}$"))
    expect(page.locator(".alert-success")).to_contain_text("Visit booked")
    row = page.locator(f'.tech-row[data-technician="{tech.pk}"]')
    block = row.locator(f'.tl-bar a[data-request="{sr.pk}"]')
    expect(block).to_be_visible()
    expect(block).to_contain_text(sr.number)
    window = f"{start[11:16]}–"
    expect(block).to_have_attribute("title", re.compile(re.escape(sr.number) + ".*" + re.escape(window)))
    item = row.locator(f'.tl-visit[data-request="{sr.pk}"]')
    expect(item).to_contain_text(sr.number)
    expect(item).to_contain_text(window)
    expect(item).to_contain_text("not in the route yet")
    today = day == in_thread(local_day)
    expect(row.locator(".load")).to_contain_text("1 booked today / 6" if today else "1 booked / 6")
    assert in_thread(lambda: not RoutePlan.objects.exists())
    assert in_thread(lambda: Appointment.objects.get(request=sr).status) == "confirmed"
    shot(page, "board-booked-desktop-en")
    context.close()

    # the same board in Chinese and on a phone
    url = f"/dispatch/board/?day={day.isoformat()}"
    for device, lang, name in ((DESKTOP, "zh", "desktop-zh"), (PHONE, "zh", "phone-zh"), (PHONE, "en", "phone-en")):
        context, page = open_page(browser, live_server.url, dispatcher, url, device=device, lang=lang)
        page.goto(live_server.url + url)
        expect(page.locator(f'.tl-bar a[data-request="{sr.pk}"]')).to_be_visible()
        if lang == "zh":
            expect(page.locator("#map-title")).to_contain_text("示意图")
        shot(page, f"board-booked-{name}")
        if device is PHONE:
            page.goto(live_server.url + "/dispatch/board/")
            held_row = page.locator(f'.tech-row[data-technician="{tech.pk}"]')
            expect(held_row).to_be_visible()
        context.close()


def _windows():
    """Two windows later than now on one day within "Leaving now"'s reach, and that day."""
    now = timezone.localtime()
    if now.hour < 18:
        base = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)
    else:
        base = (now + dt.timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    return (base, base + dt.timedelta(hours=1)), (base + dt.timedelta(hours=2), base + dt.timedelta(hours=4))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_my_day_in_order_with_sections_and_leaving_now(browser, live_server, dispatcher, technician):
    from playwright.sync_api import expect

    reg = region()
    tech_profile(dispatcher, technician, region=reg, capacity_jobs=6)
    (a_start, a_end), (b_start, b_end) = _windows()
    second = held(dispatcher, technician, reg, priority=Priority.URGENT)
    committed(services.appointment_create)(actor=dispatcher, request=second, window_start=b_start, window_end=b_end)
    first = held(dispatcher, technician, reg, priority=Priority.LOW)
    appt = committed(services.appointment_create)(
        actor=dispatcher, request=first, window_start=a_start, window_end=a_end
    )
    offered = held(dispatcher, technician, reg, accept=False)
    to_book = held(dispatcher, technician, reg, priority=Priority.HIGH)
    day = timezone.localtime(a_start).date()
    path = f"/dispatch/my-day/?day={day.isoformat()}"

    context, page = open_page(browser, live_server.url, technician, path, device=PHONE, lang="en")
    page.goto(live_server.url + path)
    route = page.locator("#route")
    expect(route.locator(".stop")).to_have_count(2)
    expect(route.locator(".stop").nth(0)).to_have_attribute("data-request", str(first.pk))
    expect(route.locator(".stop").nth(1)).to_have_attribute("data-request", str(second.pk))
    hhmm = lambda t: timezone.localtime(t).strftime("%H:%M")  # noqa: E731
    expect(route.locator(".stop").nth(0).locator(".visit-window")).to_have_text(f"{hhmm(a_start)}–{hhmm(a_end)}")
    expect(route.locator(".stop").nth(1)).to_contain_text("Urgent")
    expect(route.locator(".stop").nth(1)).to_contain_text("测试路")
    expect(route.locator('.stop [data-status="scheduled"]')).to_have_count(2)
    expect(page.locator(f'#offers .offer[data-request="{offered.pk}"]')).to_be_visible()
    expect(route).not_to_contain_text(offered.number)
    if day == in_thread(local_day):
        item = page.locator(f'#others .unplanned[data-request="{to_book.pk}"]')
        expect(item).to_contain_text("to book")
        expect(item).to_contain_text("High")
        expect(item).to_contain_text("测试路")
    shot(page, "myday-phone-en")

    # "Leaving now" with the default it offers: accepted, the customer is told
    page.locator(f'.stop[data-request="{first.pk}"] form.depart button[type=submit]').click()
    expect(page.locator(".alert-success")).to_contain_text("Have a safe trip")
    appt = in_thread(lambda: Appointment.objects.get(pk=appt.pk))
    assert appt.departed_at is not None and appt.eta >= a_start
    expect(page.locator(f'.stop[data-request="{first.pk}"]')).to_contain_text("On the way, expected")
    shot(page, "myday-left-phone-en")
    context.close()

    for device, lang, name in ((PHONE, "zh", "phone-zh"), (DESKTOP, "zh", "desktop-zh"), (DESKTOP, "en", "desktop-en")):
        context, page = open_page(browser, live_server.url, technician, path, device=device, lang=lang)
        page.goto(live_server.url + path)
        expect(page.locator("#route .stop")).to_have_count(2)
        shot(page, f"myday-{name}")
        context.close()
