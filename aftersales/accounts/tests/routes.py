"""Sign-in routes and the API's own pages in the route × role matrix (see ``core/tests/matrix.py``)."""

from aftersales.core.tests.matrix import Route

ROUTES = [
    Route("accounts:login", public=True),
    Route("accounts:logout", "POST", public=True, ok=302),
    Route("api:openapi-json", public=True),
    Route("api:openapi-view", public=True),
    Route("api:api-root", public=True, ok=404),
]
