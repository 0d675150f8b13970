"""The Content-Security-Policy breaks nothing: the main pages, the dispatcher board (offline plot and
tile map), the field job page, the API docs and the admin load in Chromium without one violation."""

import re

import pytest

from aftersales.accounts.choices import Role

PASSWORD = "pw-Test-123"  # set by UserFactory
# Every violation the page reports, whatever the console says.
RECORD = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def _login(browser, live_server, user):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    context.add_init_script(RECORD)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/)"))
    return page


def _violations(page, live_server, paths) -> list[str]:
    found = []
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status < 400, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
        found += [f"{path}: {v}" for v in page.evaluate("window.__csp")]
    return found


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_office_pages_load_without_csp_violations(browser, live_server, make_user):
    page = _login(browser, live_server, make_user(Role.ADMIN))
    paths = [
        "/",
        "/requests/",
        "/requests/new/",
        "/customers/",
        "/catalog/",
        "/parts/",
        "/dispatch/board/",
        "/dispatch/technicians/",
        "/sla/at-risk/",
        "/notifications/",
        "/api/docs",
        "/admin/",
    ]
    assert _violations(page, live_server, paths) == []
    # The page's own scripts ran: the language switcher's inline handler and htmx are there.
    page.goto(f"{live_server.url}/requests/new/")
    assert page.evaluate("typeof htmx") == "object"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_tile_map_is_allowed_by_the_policy(browser, live_server, make_user, settings):
    settings.DISPATCH_MAP_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    page = _login(browser, live_server, make_user(Role.DISPATCHER))
    response = page.goto(f"{live_server.url}/dispatch/board/")
    assert "img-src 'self' data: blob: http://127.0.0.1:9" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__csp") == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_field_pages_load_without_csp_violations(browser, live_server, manager, technician):
    from aftersales.field.services import visit_check_in
    from aftersales.field.tests.factories import field_job

    job = field_job(technician, manager)
    visit_check_in(actor=technician, request=job.request)
    page = _login(browser, live_server, technician)
    paths = [f"/field/jobs/{job.request.pk}/", "/dispatch/my-day/", f"/parts/jobs/{job.request.pk}/"]
    assert _violations(page, live_server, paths) == []
