"""``{% nav_menu "sla" as entries %}``: the entries of a registered menu the current user may open;
``{% nav_tree "main" as nodes %}``: the same with grouped entries gathered (drop-downs);
``{% nav_bar "main" %}``: the top bar's entries drawn (``core/_nav_bar.html``)."""

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.translation import get_language

from aftersales.core.navigation import menu_for, menu_tree

register = template.Library()

# The top bar drawn, by what it shows: every page draws it, and it only depends on the entries
# a user may open, which one is current, and the language (drawing it costs ~0.6 ms).
_BARS: dict[tuple, str] = {}
_BARS_MAX = 1024


@register.simple_tag(takes_context=True)
def nav_menu(context, name: str):
    request = context.get("request")
    return menu_for(name, request, user=context.get("user") or getattr(request, "user", None))


@register.simple_tag(takes_context=True)
def nav_tree(context, name: str):
    request = context.get("request")
    return menu_tree(name, request, user=context.get("user") or getattr(request, "user", None))


def _node_key(node) -> tuple:
    if node.is_group:
        return (node.key, tuple(_node_key(e) for e in node.entries))
    return (node.item.url_name, node.item.url_args, node.active)


@register.simple_tag(takes_context=True)
def nav_bar(context, name: str):
    """The menu ``name`` drawn as the top bar's entries, the same HTML for the same entries."""
    nodes = nav_tree(context, name)
    key = (name, get_language(), get_script_prefix(), tuple(_node_key(n) for n in nodes))
    html = _BARS.get(key)
    if html is None:
        html = render_to_string("core/_nav_bar.html", {"nodes": nodes})
        if len(_BARS) >= _BARS_MAX:
            _BARS.clear()
        _BARS[key] = html
    return html
