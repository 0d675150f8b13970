"""SLA routes in the route × role matrix (see ``core/tests/matrix.py``)."""

from aftersales.accounts.permissions import ALL_ROLES
from aftersales.core.tests.matrix import Route
from aftersales.sla.permissions import CLOCK_ROLES, ESCALATION_ROLES, PREVIEW_ROLES

ROUTES = [
    Route("sla:at_risk", roles=CLOCK_ROLES),
    Route("sla:breached", roles=CLOCK_ROLES),
    Route("sla:escalations", roles=ESCALATION_ROLES),
    Route("sla:preview", roles=PREVIEW_ROLES),
    Route("GET /api/sla/requests/{request_id}", obj="request", roles=ALL_ROLES),
    Route("GET /api/sla/preview", roles=PREVIEW_ROLES, ok=422),
]
