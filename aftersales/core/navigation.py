"""Menus from a registry: each app declares its entries, each with the permission it needs.

An app lists its entries in ``<app>/navigation.py`` (imported when the apps are ready, see
``CoreConfig.ready``)::

    from aftersales.core.navigation import MenuItem, register

    register(
        "main",
        MenuItem("sla:at_risk", _("SLA"), icon="stopwatch", weight=50, permission=CLOCK_ROLES),
    )

A menu is a named, ordered list of entries: ``"main"`` is the top bar; apps add their own
(``"sla"`` tabs, ``"parts"`` pills). ``permission`` is a role set (``user_has_role``) or a
predicate of the user; it must be the rule of the page the entry opens (or narrower), so a
user never sees an entry that answers 403 — ``core/tests/test_navigation.py`` opens every
visible entry for every role. ``menu_for(name, request)`` gives the entries a user may open,
with their URLs and which one is the current page; templates call it through
``{% nav_menu "name" as entries %}`` (``core/templatetags/navigation.py``).

Entries may share a ``group`` (``QUALITY``, ``RECORDS``): the top bar draws a group as one
drop-down at the place of its first entry, so the bar stays one line on a desktop however many
apps there are (``menu_tree``; a group a user sees one entry of is drawn as that entry).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import user_has_role

__all__ = [
    "QUALITY",
    "RECORDS",
    "MenuEntry",
    "MenuGroup",
    "MenuGroupEntry",
    "MenuItem",
    "menu_for",
    "menu_items",
    "menu_tree",
    "menus",
    "register",
]


@dataclass(frozen=True)
class MenuGroup:
    """Entries drawn together as one drop-down of the top bar."""

    key: str
    label: Any
    icon: str = ""


QUALITY = MenuGroup("quality", _("Quality"), icon="award")
RECORDS = MenuGroup("records", _("Records"), icon="archive")


@dataclass(frozen=True)
class MenuItem:
    """One entry: where it goes, its label, and who sees it.

    ``url_name``: a URL name (``"parts:home"``); ``url_args``: its arguments.
    ``permission``: a role set or a predicate ``user -> bool``.
    ``weight``: order in the menu (small first); entries of equal weight keep their registration order.
    ``icon``: a Bootstrap icon name without ``bi-``.
    ``badge_url``: a URL name whose answer (htmx, loaded with the page) is shown next to the label.
    ``icon_only_wide``: show only the icon on wide screens (the label stays for screen readers and phones).
    ``active_prefix``: besides ``url_name`` itself, the URL names starting with it mark the entry current.
    ``css_class``: extra classes of the entry (``"ms-auto"`` pushes it to the right).
    ``group``: a ``MenuGroup`` the entry is drawn in (top bar: a drop-down).
    """

    url_name: str
    label: Any
    permission: frozenset | Callable[[Any], bool]
    icon: str = ""
    weight: int = 100
    url_args: tuple = ()
    badge_url: str = ""
    icon_only_wide: bool = False
    active_prefix: str = ""
    css_class: str = ""
    group: MenuGroup | None = None

    def allows(self, user) -> bool:
        if user is None or not user.is_authenticated:
            return False
        if callable(self.permission):
            return bool(self.permission(user))
        return user_has_role(user, self.permission)

    def url(self) -> str:
        # Menu links are fixed: reversed once per script prefix (a reverse costs ~80 µs,
        # and every page draws the menu).
        key = (self.url_name, tuple(self.url_args or ()), get_script_prefix())
        found = _URLS.get(key)
        if found is None:
            found = _URLS[key] = reverse(self.url_name, args=self.url_args)
        return found


_URLS: dict[tuple, str] = {}


@dataclass
class _Menu:
    name: str
    items: list[MenuItem] = field(default_factory=list)


_MENUS: dict[str, _Menu] = {}


def register(menu: str, *items: MenuItem) -> None:
    """Add entries to a menu (created on first use). Registering the same URL twice in one menu is an error."""
    target = _MENUS.setdefault(menu, _Menu(menu))
    for item in items:
        if any(existing.url_name == item.url_name and existing.url_args == item.url_args for existing in target.items):
            raise ValueError(f"{item.url_name} is already in the {menu!r} menu")
        target.items.append(item)
    target.items.sort(key=lambda i: i.weight)


def menus() -> list[str]:
    return sorted(_MENUS)


def menu_items(menu: str) -> list[MenuItem]:
    """Every entry of a menu, whoever may see it (for tests and documentation)."""
    menu_obj = _MENUS.get(menu)
    return list(menu_obj.items) if menu_obj else []


@dataclass(frozen=True)
class MenuEntry:
    item: MenuItem
    url: str
    active: bool

    is_group = False

    def __getattr__(self, name):  # the template reads label, icon ... straight from the entry
        return getattr(self.item, name)


def menu_for(menu: str, request=None, *, user=None) -> list[MenuEntry]:
    """The entries ``user`` (default: ``request.user``) may open, in order, with their URLs."""
    user = user if user is not None else getattr(request, "user", None)
    # The request's user is a lazy proxy: every attribute read through it costs a call. Asked
    # once whether he is signed in (that loads him), then each entry asks the user himself.
    if user is not None and user.is_authenticated:
        user = getattr(user, "_wrapped", user)
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match is not None else ""
    entries = []
    for item in menu_items(menu):
        if not item.allows(user):
            continue
        active = current == item.url_name or bool(item.active_prefix and current.startswith(item.active_prefix))
        entries.append(MenuEntry(item=item, url=item.url(), active=active))
    return entries


@dataclass(frozen=True)
class MenuGroupEntry:
    group: MenuGroup
    entries: list[MenuEntry]

    is_group = True

    @property
    def active(self) -> bool:
        return any(e.active for e in self.entries)

    @property
    def label(self):
        return self.group.label

    @property
    def icon(self) -> str:
        return self.group.icon

    @property
    def key(self) -> str:
        return self.group.key


def menu_tree(menu: str, request=None, *, user=None) -> list[MenuEntry | MenuGroupEntry]:
    """``menu_for`` with the entries of a group gathered at the place of its first one; a group
    with a single entry for this user is that entry."""
    out: list = []
    groups: dict[str, MenuGroupEntry] = {}
    for entry in menu_for(menu, request, user=user):
        group = entry.item.group
        if group is None:
            out.append(entry)
        elif group.key in groups:
            groups[group.key].entries.append(entry)
        else:
            groups[group.key] = node = MenuGroupEntry(group, [entry])
            out.append(node)
    return [n.entries[0] if isinstance(n, MenuGroupEntry) and len(n.entries) == 1 else n for n in out]


def roles_of(*role_sets: Iterable) -> frozenset:
    """The union of role sets (``roles_of(STOCK_ROLES, {Role.TECHNICIAN})``)."""
    out: set = set()
    for roles in role_sets:
        out |= set(roles)
    return frozenset(out)
