"""Field-service routes in the route × role matrix (see ``core/tests/matrix.py``)."""

from aftersales.accounts.choices import Role
from aftersales.accounts.permissions import ALL_ROLES
from aftersales.core.tests.matrix import MISSING_ID, Route
from aftersales.field.permissions import JOB_PAGE_ROLES, VISIT_WORK_ROLES


def _job(r):
    return {"request_id": r.pk}


# The services let only the job's own technician record a visit: an administrator passes the role gate
# (a superuser) and is refused by the service ...
SERVICE_REFUSES_ADMIN = {Role.ADMIN: 403}
# ... unless the step's input names something of the visit that is not there (400) first.
ADMIN_BAD_INPUT = {Role.ADMIN: 400}


ROUTES = [
    Route("field:job", obj="request", roles=JOB_PAGE_ROLES, kwargs=_job),
    Route("field:prep", obj="request", roles=JOB_PAGE_ROLES, kwargs=_job),
    # the visit is open already: 409
    Route(
        "field:check_in",
        "POST",
        obj="request",
        roles=VISIT_WORK_ROLES,
        kwargs=_job,
        ok=409,
        ok_for=SERVICE_REFUSES_ADMIN,
    ),
    Route("field:diagnose", "POST", obj="visit", roles=VISIT_WORK_ROLES, ok=400, ok_for=SERVICE_REFUSES_ADMIN),
    Route("field:quote", "POST", obj="visit", roles=VISIT_WORK_ROLES, ok=400, ok_for=SERVICE_REFUSES_ADMIN),
    Route("field:quote_answer", "POST", obj="visit", roles=VISIT_WORK_ROLES, ok=302, params={"answer": "accept"}),
    Route("field:part_use", "POST", obj="visit", roles=VISIT_WORK_ROLES, ok=400),
    Route("field:photos", "POST", obj="visit", roles=VISIT_WORK_ROLES, ok=400, ok_for=SERVICE_REFUSES_ADMIN),
    Route("field:checks", "POST", obj="visit", roles=VISIT_WORK_ROLES, ok=400, ok_for=SERVICE_REFUSES_ADMIN),
    Route("field:sign", "POST", obj="visit", roles=VISIT_WORK_ROLES, ok=400, ok_for=SERVICE_REFUSES_ADMIN),
    Route("field:payment", "POST", obj="visit", roles=VISIT_WORK_ROLES, ok=400, ok_for=SERVICE_REFUSES_ADMIN),
    Route("field:check_out", "POST", obj="visit", roles=VISIT_WORK_ROLES, ok=400, ok_for=SERVICE_REFUSES_ADMIN),
    Route("field:consent", obj="quote_token", public=True, kwargs=lambda q: {"token": q.token}),
    Route("field:form_pdf", obj="visit", roles=ALL_ROLES),
    Route("field:receipt_pdf", obj="payment", roles=ALL_ROLES),
    Route("field:public_form", public=True, params={"token": "no-such-token"}, ok=404),
    # API
    Route("GET /api/field/visits", roles=ALL_ROLES),
    Route("GET /api/field/visits/{visit_id}", obj="visit", roles=ALL_ROLES),
    Route("GET /api/field/requests/{request_id}/fault-tree", obj="request", roles=ALL_ROLES),
    Route("GET /api/field/visits/{visit_id}/checks", obj="visit", roles=ALL_ROLES),
    Route("GET /api/field/visits/{visit_id}/quote-draft", obj="visit", roles=ALL_ROLES),
    Route(
        "POST /api/field/visits/{visit_id}/checks",
        obj="visit",
        roles=VISIT_WORK_ROLES,
        ok=400,
        ok_for=SERVICE_REFUSES_ADMIN,
        body={"results": {}},
    ),
    Route("POST /api/field/check-in", roles=VISIT_WORK_ROLES, ok=422),
    Route(
        "POST /api/field/visits/{visit_id}/diagnose",
        obj="visit",
        roles=VISIT_WORK_ROLES,
        ok=400,
        ok_for=SERVICE_REFUSES_ADMIN,
        body={"cause": MISSING_ID, "inspection_result": "x", "solution": "x"},
    ),
    Route(
        "POST /api/field/visits/{visit_id}/quote",
        obj="visit",
        roles=VISIT_WORK_ROLES,
        ok=400,
        ok_for=SERVICE_REFUSES_ADMIN,
        body={"lines": []},
    ),
    Route(
        "POST /api/field/visits/{visit_id}/quote/accept",
        obj="visit",
        roles=VISIT_WORK_ROLES,
        ok=400,
        ok_for=ADMIN_BAD_INPUT,
        body={"quote": MISSING_ID, "signer_name": "x", "signature": "x"},
    ),
    Route(
        "POST /api/field/visits/{visit_id}/quote/decline",
        obj="visit",
        roles=VISIT_WORK_ROLES,
        ok=400,
        ok_for=ADMIN_BAD_INPUT,
        body={"quote": MISSING_ID, "reason": "x"},
    ),
    Route(
        "POST /api/field/visits/{visit_id}/parts",
        obj="visit",
        roles=VISIT_WORK_ROLES,
        ok=400,
        ok_for=ADMIN_BAD_INPUT,
        body={"part": MISSING_ID, "old_part": "returned"},
    ),
    Route(
        "POST /api/field/visits/{visit_id}/sign",
        obj="visit",
        roles=VISIT_WORK_ROLES,
        ok=400,
        ok_for=SERVICE_REFUSES_ADMIN,
        body={"signer_name": "x", "signature": "x"},
    ),
    Route(
        "POST /api/field/visits/{visit_id}/payments",
        obj="visit",
        roles=VISIT_WORK_ROLES,
        ok=400,
        ok_for=SERVICE_REFUSES_ADMIN,
        body={"method": "cash", "amount": "0"},
    ),
    Route(
        "POST /api/field/visits/{visit_id}/check-out",
        obj="visit",
        roles=VISIT_WORK_ROLES,
        ok=400,
        ok_for=SERVICE_REFUSES_ADMIN,
        body={},
    ),
]
