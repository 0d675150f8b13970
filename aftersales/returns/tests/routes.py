"""Returns routes in the route × role matrix (see ``core/tests/matrix.py``).

The world's RMAs have their eligibility checked: "check" runs again (302 / 200), "receive" and "inspect"
by the API are recorded (200); the other steps sent without a body fail validation (400 / 422)."""

from aftersales.accounts.choices import BACK_OFFICE_ROLES
from aftersales.core.tests.matrix import Route
from aftersales.returns.permissions import (
    EXCHANGE_ROLES,
    INSPECT_ROLES,
    OFFICE_ROLES,
    POLICY_EDIT_ROLES,
    POLICY_VIEW_ROLES,
    VIEW_ROLES,
)

SEEN = {"obj": "rma", "foreign_ok": BACK_OFFICE_ROLES}  # the back office sees every RMA, partners their own

ROUTES = [
    # pages
    Route("returns:worklist", roles=VIEW_ROLES),
    Route("returns:export", roles=VIEW_ROLES),
    Route("returns:create", roles=OFFICE_ROLES),
    Route("returns:detail", roles=VIEW_ROLES, **SEEN),
    Route("returns:check", "POST", roles=OFFICE_ROLES, ok=302, **SEEN),
    Route("returns:receive", "POST", roles=INSPECT_ROLES, ok=400, **SEEN),
    Route("returns:inspect", "POST", roles=INSPECT_ROLES, ok=400, **SEEN),
    Route("returns:decide", "POST", roles=OFFICE_ROLES, ok=400, **SEEN),
    Route("returns:refund", "POST", roles=OFFICE_ROLES, ok=400, **SEEN),
    Route("returns:exchange", "POST", roles=EXCHANGE_ROLES, ok=400, **SEEN),
    Route("returns:cancel", "POST", roles=OFFICE_ROLES, ok=400, **SEEN),
    Route("returns:policies", roles=POLICY_VIEW_ROLES),
    Route("returns:policy_create", roles=POLICY_EDIT_ROLES),
    Route("returns:policy_edit", obj="return_policy", roles=POLICY_EDIT_ROLES),
    # the customer's page: the link is the key
    Route("returns:public", obj="rma_token", public=True, kwargs=lambda o: {"token": o.public_token}),
    # API
    Route("GET /api/returns", roles=VIEW_ROLES),
    Route("POST /api/returns", roles=OFFICE_ROLES, ok=422),
    Route("POST /api/returns/eligibility", roles=OFFICE_ROLES, ok=422),
    Route("GET /api/returns/policies", roles=POLICY_VIEW_ROLES),
    Route("POST /api/returns/policies", roles=POLICY_EDIT_ROLES, ok=422),
    Route("PATCH /api/returns/policies/{policy_id}", obj="return_policy", roles=POLICY_EDIT_ROLES),
    Route("GET /api/returns/{rma_id}", roles=VIEW_ROLES, **SEEN),
    Route("GET /api/returns/{rma_id}/timeline", roles=VIEW_ROLES, **SEEN),
    Route("POST /api/returns/{rma_id}/check", roles=OFFICE_ROLES, **SEEN),
    Route("POST /api/returns/{rma_id}/receive", roles=INSPECT_ROLES, **SEEN),
    # a valid body, so the RMA is looked up (partner staff: a foreign one is 404)
    Route(
        "POST /api/returns/{rma_id}/inspect",
        roles=INSPECT_ROLES,
        body={"fault_finding": "confirmed", "goods_condition": "intact"},
        **SEEN,
    ),
    Route("POST /api/returns/{rma_id}/choice", roles=OFFICE_ROLES, ok=422, **SEEN),
    Route("POST /api/returns/{rma_id}/decide", roles=OFFICE_ROLES, ok=422, **SEEN),
    Route("POST /api/returns/{rma_id}/refund", roles=OFFICE_ROLES, ok=422, **SEEN),
    Route("POST /api/returns/{rma_id}/exchange", roles=EXCHANGE_ROLES, ok=422, **SEEN),
    Route("POST /api/returns/{rma_id}/cancel", roles=OFFICE_ROLES, ok=422, **SEEN),
]
