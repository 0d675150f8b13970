from urllib.parse import urlencode

from django import template

register = template.Library()


@register.filter
def navigation_url(address) -> str:
    """A link that opens the phone's map app at the address (AMap's URI API, in browsers and the app)."""
    if address is None:
        return ""
    if address.latitude is not None and address.longitude is not None:
        query = {"position": f"{address.longitude},{address.latitude}", "name": str(address)[:80], "callnative": 1}
        return "https://uri.amap.com/marker?" + urlencode(query)
    return "https://uri.amap.com/search?" + urlencode({"keyword": str(address)[:120], "callnative": 1})
