"""Catalogue routes in the route × role matrix (see ``core/tests/matrix.py``)."""

from aftersales.accounts.permissions import ALL_ROLES
from aftersales.catalog.permissions import MASTER_DATA_ROLES, UNIT_WRITE_ROLES
from aftersales.core.tests.matrix import Route

ROUTES = [
    Route("catalog:products", roles=ALL_ROLES),
    Route("catalog:product", obj="product", roles=ALL_ROLES),
    Route("catalog:product_create", roles=MASTER_DATA_ROLES),
    Route("catalog:product_edit", obj="product", roles=MASTER_DATA_ROLES),
    Route("catalog:manual_add", obj="product", roles=MASTER_DATA_ROLES),
    Route("catalog:manual", obj="manual", roles=ALL_ROLES),
    Route("catalog:unit", obj="unit", roles=ALL_ROLES),
    Route("GET /api/catalog/categories", roles=ALL_ROLES),
    Route("POST /api/catalog/categories", roles=MASTER_DATA_ROLES, ok=422),
    Route("GET /api/catalog/products", roles=ALL_ROLES),
    Route("POST /api/catalog/products", roles=MASTER_DATA_ROLES, ok=422),
    Route("GET /api/catalog/products/{product_id}", obj="product", roles=ALL_ROLES),
    Route("PATCH /api/catalog/products/{product_id}", obj="product", roles=MASTER_DATA_ROLES),
    Route("GET /api/catalog/products/{product_id}/manuals", obj="product", roles=ALL_ROLES),
    Route("POST /api/catalog/products/{product_id}/manuals", obj="product", roles=MASTER_DATA_ROLES, ok=422),
    Route(
        "GET /api/catalog/products/{product_id}/manuals/{manual_id}/file",
        obj="manual",
        roles=ALL_ROLES,
        kwargs=lambda m: {"product_id": m.product_id, "manual_id": m.pk},
    ),
    Route("GET /api/catalog/units", roles=ALL_ROLES),
    Route("POST /api/catalog/units", roles=UNIT_WRITE_ROLES, ok=422),
    Route(
        "GET /api/catalog/units/by-serial/{serial}",
        obj="unit",
        roles=ALL_ROLES,
        kwargs=lambda u: {"serial": u.serial_number},
    ),
    Route("GET /api/catalog/units/{unit_id}", obj="unit", roles=ALL_ROLES),
    Route("PATCH /api/catalog/units/{unit_id}", obj="unit", roles=UNIT_WRITE_ROLES),
]
