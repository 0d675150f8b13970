"""Quality routes in the route × role matrix (see ``core/tests/matrix.py``).

The case library is shared by the quality team and the managers (``QUALITY_ROLES``): the world
holds one case for everybody, nothing foreign. Posts without a body redirect back with a message
(pages: 302) or are refused (API: 422)."""

from aftersales.core.tests.matrix import Route
from aftersales.quality.permissions import QUALITY_ROLES

ROUTES = [
    # pages
    Route("quality:case_list", roles=QUALITY_ROLES),
    Route("quality:case_create", roles=QUALITY_ROLES),
    Route("quality:case_from_complaint", "POST", roles=QUALITY_ROLES, ok=302),
    Route("quality:case_detail", obj="quality_case", roles=QUALITY_ROLES),
    Route("quality:case_edit", obj="quality_case", roles=QUALITY_ROLES),
    Route(
        "quality:case_transition", "POST", obj="quality_case", roles=QUALITY_ROLES, params={"action": "publish"}, ok=302
    ),
    # API
    Route("GET /api/quality/cases", roles=QUALITY_ROLES),
    Route("POST /api/quality/cases", roles=QUALITY_ROLES, ok=422),
    Route("POST /api/quality/cases/from-complaint", roles=QUALITY_ROLES, ok=422),
    Route("GET /api/quality/cases/{case_id}", obj="quality_case", roles=QUALITY_ROLES),
    Route("PATCH /api/quality/cases/{case_id}", obj="quality_case", roles=QUALITY_ROLES),
    Route("POST /api/quality/cases/{case_id}/transition", obj="quality_case", roles=QUALITY_ROLES, ok=422),
]
