"""Customer routes in the route × role matrix (see ``core/tests/matrix.py``)."""

from aftersales.accounts.permissions import ALL_ROLES
from aftersales.core.tests.matrix import Route
from aftersales.customers.permissions import REGION_WRITE_ROLES, WRITE_ROLES

ROUTES = [
    Route("customers:list", roles=ALL_ROLES),
    Route("customers:detail", obj="customer", roles=ALL_ROLES),
    Route("customers:edit", obj="customer", roles=WRITE_ROLES),
    Route("customers:address_add", obj="customer", roles=WRITE_ROLES),
    Route("GET /api/customers", roles=ALL_ROLES),
    Route("POST /api/customers", roles=WRITE_ROLES, ok=422),
    Route("GET /api/customers/regions", roles=ALL_ROLES),
    Route("POST /api/customers/regions", roles=REGION_WRITE_ROLES, ok=422),
    Route("GET /api/customers/{customer_id}", obj="customer", roles=ALL_ROLES),
    Route("PATCH /api/customers/{customer_id}", obj="customer", roles=WRITE_ROLES),
    Route("GET /api/customers/{customer_id}/addresses", obj="customer", roles=ALL_ROLES),
    Route("POST /api/customers/{customer_id}/addresses", obj="customer", roles=WRITE_ROLES, ok=422),
]
