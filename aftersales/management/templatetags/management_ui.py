from django import template

from ..display import kpi_name

register = template.Library()


@register.filter
def kpi_label(key: str) -> str:
    """A measure's name in the reader's language."""
    return kpi_name(key)
