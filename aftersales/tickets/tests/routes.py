"""Service-request routes in the route × role matrix (see ``core/tests/matrix.py``)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.accounts.permissions import ALL_ROLES
from aftersales.core.tests.matrix import MISSING_ID, Route
from aftersales.tickets.permissions import CREATE_ROLES, EDIT_ROLES, INTAKE_ROLES


def _svg():
    """A file the upload check refuses (400), so the request reaches the object first."""
    return {"file": SimpleUploadedFile("x.svg", b"<svg/>", content_type="image/svg+xml")}


ROUTES = [
    # pages: everybody signed in has a queue (scoped); intake is for the office
    Route("tickets:home", roles=ALL_ROLES),
    Route("tickets:queue", roles=ALL_ROLES),
    Route("tickets:intake", roles=INTAKE_ROLES),
    Route("tickets:intake_customer_search", roles=INTAKE_ROLES),
    Route("tickets:intake_customer_pick", roles=INTAKE_ROLES),
    Route("tickets:intake_customer_create", roles=INTAKE_ROLES),
    Route("tickets:intake_unit_lookup", roles=INTAKE_ROLES),
    Route("tickets:intake_unit_register", roles=INTAKE_ROLES),
    Route("tickets:detail", obj="request", roles=ALL_ROLES),
    Route("tickets:transition", "POST", obj="request", roles=ALL_ROLES, ok=302),
    Route("tickets:note", "POST", obj="request", roles=ALL_ROLES, ok=302),
    Route("tickets:upload", "POST", obj="request", roles=ALL_ROLES, ok=302),
    Route("tickets:edit", "POST", obj="request", roles=EDIT_ROLES, ok=302),
    Route("tickets:attachment", obj="attachment", roles=ALL_ROLES),
    # API
    Route("GET /api/requests", roles=ALL_ROLES),
    Route("POST /api/requests", roles=CREATE_ROLES, ok=422),
    Route(
        "GET /api/requests/by-number/{number}", obj="request", roles=ALL_ROLES, kwargs=lambda r: {"number": r.number}
    ),
    Route("GET /api/requests/{request_id}", obj="request", roles=ALL_ROLES),
    Route("PATCH /api/requests/{request_id}", obj="request", roles=EDIT_ROLES),
    Route("GET /api/requests/{request_id}/actions", obj="request", roles=ALL_ROLES),
    # an unknown technician: the step fails (400) once the request is found
    Route(
        "POST /api/requests/{request_id}/transitions",
        obj="request",
        roles=ALL_ROLES,
        ok=400,
        body={"action": "assign", "technician_id": MISSING_ID},
    ),
    Route("GET /api/requests/{request_id}/timeline", obj="request", roles=ALL_ROLES),
    Route("POST /api/requests/{request_id}/notes", obj="request", roles=ALL_ROLES, ok=201, body={"text": "matrix"}),
    Route("GET /api/requests/{request_id}/attachments", obj="request", roles=ALL_ROLES),
    Route("POST /api/requests/{request_id}/attachments", obj="request", roles=ALL_ROLES, ok=400, data=_svg),
    Route("GET /api/requests/attachments/{attachment_id}", obj="attachment", roles=ALL_ROLES),
]
