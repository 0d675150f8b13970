"""Quality routes in the route × role matrix (see ``core/tests/matrix.py``).

The case library is shared by the quality team and the managers (``QUALITY_ROLES``): the world
holds one case for everybody, nothing foreign. Posts without a body redirect back with a message
(pages: 302) or are refused (API: 422)."""

from aftersales.core.tests.matrix import Route
from aftersales.quality.permissions import INSPECTION_READ_ROLES, QUALITY_MANAGER_ROLES, QUALITY_ROLES

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

# Inspections: the quality team sees every one (a foreign one too); a technician his own only.
INSPECTION_ROUTES = [
    Route("quality:inspection_list", roles=INSPECTION_READ_ROLES),
    Route("quality:inspection_sample", "POST", roles=QUALITY_MANAGER_ROLES, ok=302),
    Route("quality:inspection_detail", obj="inspection", roles=INSPECTION_READ_ROLES, foreign_ok=QUALITY_ROLES),
    Route("quality:inspection_record", "POST", obj="inspection", roles=QUALITY_ROLES, ok=302, foreign_ok=QUALITY_ROLES),
    Route("quality:inspection_cancel", "POST", obj="inspection", roles=QUALITY_ROLES, ok=302, foreign_ok=QUALITY_ROLES),
    Route("quality:corrective_add", "POST", obj="inspection", roles=QUALITY_ROLES, ok=302, foreign_ok=QUALITY_ROLES),
    Route(
        "quality:corrective_complete",
        "POST",
        obj="corrective",
        roles=INSPECTION_READ_ROLES,
        ok=302,
        foreign_ok=QUALITY_ROLES,
    ),
    Route("GET /api/quality/inspections", roles=INSPECTION_READ_ROLES),
    Route("GET /api/quality/inspections/compliance", roles=INSPECTION_READ_ROLES),
    Route(
        "GET /api/quality/inspections/{inspection_id}",
        obj="inspection",
        roles=INSPECTION_READ_ROLES,
        foreign_ok=QUALITY_ROLES,
    ),
    Route(
        "POST /api/quality/inspections/{inspection_id}/record",
        obj="inspection",
        roles=QUALITY_ROLES,
        ok=422,
        foreign_ok=QUALITY_ROLES,
    ),
    Route(
        "POST /api/quality/inspections/{inspection_id}/actions",
        obj="inspection",
        roles=QUALITY_ROLES,
        ok=422,
        foreign_ok=QUALITY_ROLES,
    ),
]
ROUTES += INSPECTION_ROUTES
