"""``{% nav_menu "sla" as entries %}``: the entries of a registered menu the current user may open;
``{% nav_tree "main" as nodes %}``: the same with grouped entries gathered (drop-downs)."""

from django import template

from aftersales.core.navigation import menu_for, menu_tree

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_menu(context, name: str):
    request = context.get("request")
    return menu_for(name, request, user=context.get("user") or getattr(request, "user", None))


@register.simple_tag(takes_context=True)
def nav_tree(context, name: str):
    request = context.get("request")
    return menu_tree(name, request, user=context.get("user") or getattr(request, "user", None))
