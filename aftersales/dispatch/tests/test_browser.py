"""The dispatcher board in headless Chromium: drag a waiting job onto a technician's row and it is assigned; a
drop on someone other than the top suggestion asks for the reason first (the same rule as the click flow).

Screenshots (desktop 1366x900) go to /tmp/shots/dispatch-*.png for a human look.
"""

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from aftersales.accounts.choices import Role
from aftersales.tickets.models import ServiceRequest

from .factories import CENTRE, job, region, tech_profile

SHOTS = Path("/tmp/shots")
PASSWORD = "pw-Test-123"  # set by UserFactory


def holder(pk: int) -> int | None:
    """The request's technician, read outside Playwright's event loop (Django refuses ORM calls inside it)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: ServiceRequest.objects.get(pk=pk).assigned_technician_id).result()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_drag_a_job_onto_a_technician(browser, live_server, dispatcher, make_user):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    reg = region()
    near = make_user(Role.TECHNICIAN, last_name="张", first_name="师傅")
    far = make_user(Role.TECHNICIAN, last_name="李", first_name="师傅")
    tech_profile(dispatcher, near, region=reg)
    tech_profile(dispatcher, far, region=reg, lat=CENTRE[0] + 0.3, lng=CENTRE[1] + 0.3)
    first = job(dispatcher, region=reg)
    second = job(dispatcher, region=reg)

    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/dispatch/board/")
    page.fill("#id_username", dispatcher.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/dispatch/board/"))
    expect(page.locator(f'.job-item[data-job="{first.pk}"]')).to_be_visible()

    # the top suggestion: assigned at once, the board reloads without the job
    page.locator(f'.job-item[data-job="{first.pk}"]').drag_to(
        page.locator(f'.tech-row[data-technician="{near.pk}"] .tl-bar')
    )
    expect(page.locator(f'.job-item[data-job="{first.pk}"]')).to_have_count(0)
    expect(page.locator(".alert-success")).to_contain_text(first.number)
    assert holder(first.pk) == near.pk

    # someone else: the side panel asks why, as the click flow does; then it is assigned
    page.locator(f'.job-item[data-job="{second.pk}"]').drag_to(
        page.locator(f'.tech-row[data-technician="{far.pk}"] .tl-bar')
    )
    form = page.locator("#side #assign-reason")
    expect(form).to_contain_text("is not the top suggestion")
    page.screenshot(path=str(SHOTS / "dispatch-drop-reason.png"), full_page=True)
    assert holder(second.pk) is None
    form.locator('input[name="reason"]').fill("Customer asked for him")
    form.locator("button[type=submit]").click()
    expect(page.locator(f'.job-item[data-job="{second.pk}"]')).to_have_count(0)
    assert holder(second.pk) == far.pk
    page.screenshot(path=str(SHOTS / "dispatch-board-after-drops.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_tile_map_when_configured(browser, live_server, dispatcher, make_user, settings):
    from playwright.sync_api import expect

    # A tile server that answers nothing: the test never leaves the machine; the markers need no tiles.
    settings.DISPATCH_MAP_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    settings.DISPATCH_MAP_ATTRIBUTION = "Test tiles <b>not bold</b>"
    reg = region()
    tech_profile(dispatcher, make_user(Role.TECHNICIAN), region=reg)
    job(dispatcher, region=reg)
    job(dispatcher, region=reg, lat=CENTRE[0] - 0.02)
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/dispatch/board/")
    page.fill("#id_username", dispatcher.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/dispatch/board/"))
    expect(page.locator('#map.leaflet-container[data-markers="3"]')).to_be_visible()
    expect(page.locator("#map path.leaflet-interactive")).to_have_count(3)
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("Test tiles <b>not bold</b>")
    page.locator("#map").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "dispatch-tile-map.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_suggestions_show_parts_in_vans(browser, live_server, dispatcher, manager, make_user):
    from playwright.sync_api import expect

    from aftersales.catalog.services import category_create, product_create
    from aftersales.parts.tests.factories import make_part, make_van, stock

    reg = region()
    product = product_create(
        actor=manager,
        model_code="KFR-35GW",
        name="挂式空调",
        category=category_create(actor=manager, code="ac", name="空调"),
    )
    near = make_user(Role.TECHNICIAN, last_name="张", first_name="师傅")
    tech_profile(dispatcher, near, region=reg)
    parts = [make_part(manager, name=name, compatible_products=[product]) for name in ("压缩机", "电容", "遥控器")]
    van = make_van(manager, near)
    stock(manager, van, parts[0], 1)
    stock(manager, van, parts[1], 3)
    sr = job(dispatcher, region=reg, product=product)
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/dispatch/board/")
    page.fill("#id_username", dispatcher.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/dispatch/board/"))
    page.locator(f'.job-item[data-job="{sr.pk}"]').click()
    expect(page.locator(f'#side [data-technician="{near.pk}"] .van-parts')).to_contain_text("Van: 2 of 3")
    expect(page.locator(f"#side #job-parts-{sr.pk}")).to_contain_text("压缩机")
    page.screenshot(path=str(SHOTS / "dispatch-suggestions-parts.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_rebalance_preview_and_apply(browser, live_server, dispatcher, make_user, settings):
    import datetime as dt

    from django.utils import timezone
    from playwright.sync_api import expect

    from aftersales.dispatch import services

    settings.DISPATCH_REBALANCE_SECONDS = 0.3
    reg = region()
    far = (CENTRE[0] + 0.3, CENTRE[1] + 0.3)
    a = make_user(Role.TECHNICIAN, last_name="张", first_name="师傅")
    b = make_user(Role.TECHNICIAN, last_name="李", first_name="师傅")
    tech_profile(dispatcher, a, region=reg)
    tech_profile(dispatcher, b, region=reg, lat=far[0], lng=far[1])
    day = timezone.localdate() + dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_default_timezone())
    jobs = []
    for at in ((CENTRE[0] + 0.01, CENTRE[1]), (far[0] + 0.01, far[1])):
        sr = job(dispatcher, region=reg, lat=at[0], lng=at[1])
        services.dispatch_assign(actor=dispatcher, request=sr, technician=a, reason="set-up")
        services.offer_accept(actor=a, request=sr)
        services.appointment_create(
            actor=dispatcher, request=sr, window_start=start, window_end=start + dt.timedelta(hours=8)
        )
        jobs.append(sr)
    stray = jobs[1]
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US").new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/dispatch/board/?day={day.isoformat()}")
    page.fill("#id_username", dispatcher.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/dispatch/board/"))
    page.click("text=Re-optimise across technicians")
    page.wait_for_url(re.compile(r"/dispatch/board/rebalance/"))
    row = page.locator(f'#rebalance-moves tr[data-request="{stray.pk}"]')
    expect(row).to_contain_text("李师傅")
    page.screenshot(path=str(SHOTS / "dispatch-rebalance-preview.png"), full_page=True)
    page.click("#rebalance-apply button[type=submit]")
    page.wait_for_url(re.compile(r"/dispatch/board/\?day="))
    expect(page.locator(".alert-success")).to_contain_text("1 job moved")
    assert holder(stray.pk) == b.pk
    page.screenshot(path=str(SHOTS / "dispatch-rebalance-applied.png"), full_page=True)
