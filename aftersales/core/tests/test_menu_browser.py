"""Headless Chromium: for each role, every link of the menus the role sees (the top bar, and the
tabs and pills of the pages it opens) answers neither 403 nor 404 nor 500 — in particular an
agent's menu has no entry that answers 403 (issue 10).
"""

from __future__ import annotations

import re

import pytest

from aftersales.accounts.choices import Role

PASSWORD = "pw-Test-123"  # set by UserFactory
ROLES = [Role.AGENT, Role.PARTS_CLERK, Role.TECHNICIAN, Role.PARTNER, Role.CUSTOMER, Role.QUALITY]


@pytest.fixture
def world_live(transactional_db, settings):
    from aftersales.sla.tests.calendars import seed_migration_data

    from .world import build_world

    seed_migration_data()  # a transactional test before this one flushed what the migrations seed
    return build_world()


def _menu_links(page) -> dict[str, str]:
    links = page.eval_on_selector_all(
        "#mainnav [data-nav], [data-menu] [data-nav]",
        "els => els.map(e => [e.dataset.nav, e.getAttribute('href')])",
    )
    return dict(links)


@pytest.mark.browser
def test_no_menu_entry_answers_an_error(browser, live_server, world_live):
    bad = []
    for role in ROLES:
        user = world_live.user(role)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/accounts/login/?next=/requests/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/requests/$"))
        to_visit = _menu_links(page)
        assert to_visit, f"{role}: no menu"
        if role == Role.AGENT:
            assert "sla:escalations" not in to_visit and "dispatch:board" not in to_visit
        seen: set[str] = set()
        while to_visit:
            name, href = to_visit.popitem()
            if name in seen:
                continue
            seen.add(name)
            response = page.goto(f"{live_server.url}{href}")
            if response is None or response.status in (403, 404, 500):
                bad.append(f"{role} {name} {href}: {response.status if response else 'no answer'}")
                continue
            if "text/html" in (response.headers.get("content-type") or ""):
                to_visit.update({n: h for n, h in _menu_links(page).items() if n not in seen})
        if role == Role.AGENT:
            # the agent reached the SLA tabs and the parts pills he may open, and none he may not
            assert {"sla:at_risk", "sla:breached", "sla:preview"} <= seen and "sla:escalations" not in seen
        if role == Role.PARTS_CLERK:
            assert {"parts:home", "parts:counts", "parts:import"} <= seen and "sla:escalations" not in seen
        context.close()
    assert not bad, bad
