"""``{% nav_menu "main" as entries %}``: the entries of a registered menu the current user may open."""

from django import template

from aftersales.core.navigation import menu_for

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_menu(context, name: str):
    request = context.get("request")
    return menu_for(name, request, user=context.get("user") or getattr(request, "user", None))
