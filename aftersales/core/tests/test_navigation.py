"""Menus from the registry: each role sees only entries it may open, and every entry it sees opens."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from aftersales.accounts.choices import Role
from aftersales.core.navigation import MenuItem, menu_for, menu_items, menus, register

from .matrix import SUPERUSER_ROLES, declared_routes
from .world import ROLES

pytestmark = pytest.mark.django_db

NAV_LINK = re.compile(r'<a class="(?:nav-link|dropdown-item)[^"]*" href="([^"]+)"[^>]*data-nav="([^"]+)"')


def _links(html: str) -> list[tuple[str, str]]:
    return NAV_LINK.findall(html)


def test_the_registry_holds_the_menus():
    assert {"main", "parts", "sla"} <= set(menus())
    labels = [str(i.label) for i in menu_items("main")]
    # The menu keeps its order.
    assert labels == [
        "Service requests",
        "New request",
        "Dispatch board",
        "My day",
        "Technicians",
        "SLA",
        "Complaints",
        "Returns",
        "Follow-ups",
        "Case library",
        "Inspections",
        "Training",
        "My training",
        "KPIs",
        "My figures",
        "Management",
        "Improvement plans",
        "My scorecard",
        "Customers",
        "Products",
        "Spare parts",
        "My van",
        "Administration",
        "Notifications",
    ]


def test_registering_the_same_entry_twice_is_an_error(monkeypatch):
    from aftersales.core import navigation

    monkeypatch.setattr(navigation, "_MENUS", dict(navigation._MENUS))
    register("test-menu", MenuItem("tickets:queue", "x", permission=frozenset()))
    with pytest.raises(ValueError):
        register("test-menu", MenuItem("tickets:queue", "y", permission=frozenset()))


def test_every_entry_asks_no_more_than_its_route_allows():
    """An entry's permission is its page's rule or narrower (the route × role matrix holds the rule)."""
    from aftersales.core.tests.world import ROLES as roles

    routes = {r.name: r for r in declared_routes()}
    wrong = []
    for menu in menus():
        for item in menu_items(menu):
            if item.url_name.startswith("admin:"):
                continue
            route = routes[item.url_name]
            for role in roles:
                if callable(item.permission) or role in SUPERUSER_ROLES:
                    continue
                if role in item.permission and role not in route.roles:
                    wrong.append(f"{menu}/{item.url_name}: {role}")
    assert not wrong, wrong


@pytest.mark.parametrize("role", ROLES)
def test_no_visible_entry_answers_an_error(world, role):
    """Every entry of every menu a role sees (main bar, parts pills, SLA tabs) opens with 200."""
    client = Client(raise_request_exception=False)
    client.force_login(world.user(role))
    with override_settings(MEDIA_ROOT=world.media_root):
        home = client.get(reverse("tickets:queue"))
        assert home.status_code == 200
        to_visit = dict((name, url) for url, name in _links(home.content.decode()))
        assert to_visit, "the menu is empty"
        seen, wrong = set(), []
        while to_visit:
            name, url = to_visit.popitem()
            if name in seen:
                continue
            seen.add(name)
            r = client.get(url)
            if r.status_code != 200:
                wrong.append(f"{name} {url}: {r.status_code}")
                continue
            if r.get("Content-Type", "").startswith("text/html"):
                for u, n in _links(r.content.decode()):
                    if n not in seen:
                        to_visit[n] = u
    assert not wrong, f"{role}: {wrong}"
    if role == Role.MANAGER:  # the crawl reached the tabs and pills, not only the top bar
        assert {"sla:escalations", "sla:preview", "parts:import", "parts:counts", "dispatch:board"} <= seen
        assert {"training:overview", "training:session_list", "training:course_list", "training:me"} <= seen


def test_the_escalation_tab_is_only_for_who_may_open_it(world, rf):
    """The issue's example: "升级记录" answered 403 to agents and parts clerks."""
    for role in ROLES:
        user = world.user(role)
        names = {e.url_name for e in menu_for("sla", user=user)}
        may = role in {Role.MANAGER, Role.ADMIN, Role.QUALITY, Role.QUALITY_MANAGER, Role.DISPATCHER}
        assert ("sla:escalations" in names) == may, role


def test_menus_by_role(world):
    def main(role):
        return [e.url_name for e in menu_for("main", user=world.user(role))]

    assert main(Role.TECHNICIAN) == [
        "tickets:queue",
        "dispatch:my_day",
        "sla:at_risk",
        "quality:inspection_list",
        "training:me",
        "kpis:me",
        "management:me",
        "parts:my_van",
        "notifications:inbox",
    ]
    assert main(Role.PARTNER) == [
        "tickets:queue",
        "dispatch:technicians",
        "sla:at_risk",
        "returns:worklist",
        "training:me",
        "kpis:dashboard",
        "notifications:inbox",
    ]
    assert main(Role.CUSTOMER) == ["tickets:queue", "notifications:inbox"]
    assert "parts:home" in main(Role.PARTS_CLERK) and "dispatch:board" not in main(Role.PARTS_CLERK)
    parts_pills = [e.url_name for e in menu_for("parts", user=world.user(Role.AGENT))]
    assert "parts:counts" not in parts_pills and "parts:import" not in parts_pills and "parts:moves" in parts_pills


def test_the_current_page_is_marked(client, world):
    client.force_login(world.user(Role.MANAGER))
    html = client.get(reverse("sla:breached")).content.decode()
    assert re.search(r'class="nav-link active" href="/sla/breached/" aria-current="page"', html)


def test_the_drawn_top_bar_follows_the_role_the_page_and_the_language(world):
    """The top bar is drawn once per set of entries, current page and language (``{% nav_bar %}``):
    what one user was shown is never shown to another role, on another page or in another language."""
    from aftersales.core.templatetags.navigation import _BARS

    _BARS.clear()

    def bar(role, url, language="zh-hans"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(world.user(role))
        html = client.get(url).content.decode()
        return html[html.index('<ul class="navbar-nav') : html.index('<div class="dropdown" data-user-menu')]

    queue, at_risk = reverse("tickets:queue"), reverse("sla:at_risk")
    manager = bar(Role.MANAGER, queue)
    assert bar(Role.MANAGER, queue) == manager and len(_BARS) == 1  # drawn once
    assert {url for url, _name in _links(bar(Role.CUSTOMER, queue))} == {queue, reverse("notifications:inbox")}
    current = re.compile(r'class="nav-link active" href="([^"]+)" aria-current="page"')
    assert current.findall(manager) == [queue]
    assert current.findall(bar(Role.MANAGER, at_risk)) == [at_risk]
    english = bar(Role.MANAGER, queue, "en")
    assert english != manager and "Service requests" in english and "Service requests" not in manager


def test_grouped_entries_are_drawn_as_one_drop_down(world):
    """Entries sharing a group are gathered at the place of the first one; a group with a single
    entry for the user is that entry; the manager's top bar has the quality and records groups."""
    from aftersales.core.navigation import MenuGroup, MenuItem, menu_tree, register

    group = MenuGroup("t-group", "Group")
    everyone = lambda user: True  # noqa: E731
    only_staff = lambda user: user.is_staff  # noqa: E731
    register(
        "test-tree",
        MenuItem("tickets:queue", "A", permission=everyone, weight=10),
        MenuItem("customers:list", "B", permission=everyone, weight=20, group=group),
        MenuItem("sla:at_risk", "C", permission=everyone, weight=30),
        MenuItem("catalog:products", "D", permission=only_staff, weight=40, group=group),
    )
    user = world.user(Role.MANAGER)
    user.is_staff = True
    nodes = menu_tree("test-tree", user=user)
    assert [n.label if n.is_group else n.url_name for n in nodes] == ["tickets:queue", "Group", "sla:at_risk"]
    assert [e.url_name for e in nodes[1].entries] == ["customers:list", "catalog:products"]
    user.is_staff = False
    assert [n.is_group for n in menu_tree("test-tree", user=user)] == [False, False, False]

    client = Client()
    client.force_login(world.user(Role.MANAGER))
    html = client.get(reverse("tickets:queue")).content.decode()
    assert 'data-nav-group="quality"' in html and 'data-nav-group="records"' in html
    assert 'class="dropdown-item" href="/customers/"' in html or 'data-nav="customers:list"' in html
