"""Complaint routes in the route × role matrix (see ``core/tests/matrix.py``).

Complaints are shared by the back-office roles that read them (``READ_ROLES``): the world holds
one complaint (and one piece of evidence) for everybody, nothing foreign. Posts without a body
are refused after the object is found (the page redirects back with the message: 302; the API
answers 422). The tracking link and its API are public: the token is the credential."""

from aftersales.complaints.permissions import HANDLER_ROLES, INTAKE_ROLES, MANAGER_ROLES, READ_ROLES
from aftersales.core.tests.matrix import Route


def _token(c):
    return {"token": c.token}


ROUTES = [
    # pages
    Route("complaints:worklist", roles=READ_ROLES),
    Route("complaints:export", roles=READ_ROLES),
    Route("complaints:intake", roles=INTAKE_ROLES),
    Route("complaints:detail", obj="complaint", roles=READ_ROLES),
    Route("complaints:assign", "POST", obj="complaint", roles=HANDLER_ROLES, ok=302),
    Route("complaints:note", "POST", obj="complaint", roles=HANDLER_ROLES, ok=302),
    Route("complaints:evidence", "POST", obj="complaint", roles=HANDLER_ROLES, ok=302),
    Route("complaints:edit", "POST", obj="complaint", roles=HANDLER_ROLES, ok=302),
    Route("complaints:propose", "POST", obj="complaint", roles=HANDLER_ROLES, ok=302),
    Route("complaints:respond", "POST", obj="complaint", roles=HANDLER_ROLES, ok=302),
    Route("complaints:follow_up", "POST", obj="complaint", roles=HANDLER_ROLES, ok=302),
    Route("complaints:close", "POST", obj="complaint", roles=HANDLER_ROLES, ok=302),
    Route("complaints:decide", "POST", obj="complaint", roles=MANAGER_ROLES, ok=302),
    Route("complaints:evidence_file", obj="complaint_evidence", roles=READ_ROLES),
    Route("complaints:track", obj="complaint_token", public=True, kwargs=_token),
    Route("complaints:track_respond", "POST", obj="complaint_token", public=True, kwargs=_token, ok=400),
    # API
    Route("GET /api/complaints", roles=READ_ROLES),
    Route("POST /api/complaints", roles=INTAKE_ROLES, ok=422),
    Route("GET /api/complaints/{complaint_id}", obj="complaint", roles=READ_ROLES),
    Route("PATCH /api/complaints/{complaint_id}", obj="complaint", roles=HANDLER_ROLES),
    Route("GET /api/complaints/{complaint_id}/timeline", obj="complaint", roles=READ_ROLES),
    Route("POST /api/complaints/{complaint_id}/assign", obj="complaint", roles=HANDLER_ROLES, ok=422),
    Route("POST /api/complaints/{complaint_id}/notes", obj="complaint", roles=HANDLER_ROLES, ok=422),
    Route("GET /api/complaints/{complaint_id}/evidence", obj="complaint", roles=READ_ROLES),
    Route("POST /api/complaints/{complaint_id}/evidence", obj="complaint", roles=HANDLER_ROLES, ok=422),
    Route("GET /api/complaints/evidence/{evidence_id}", obj="complaint_evidence", roles=READ_ROLES),
    Route("POST /api/complaints/{complaint_id}/propose", obj="complaint", roles=HANDLER_ROLES, ok=422),
    Route("POST /api/complaints/{complaint_id}/respond", obj="complaint", roles=HANDLER_ROLES, ok=422),
    Route("POST /api/complaints/{complaint_id}/follow-up", obj="complaint", roles=HANDLER_ROLES, ok=422),
    Route("POST /api/complaints/{complaint_id}/close", obj="complaint", roles=HANDLER_ROLES, ok=422),
    Route("POST /api/complaints/{complaint_id}/decide", obj="complaint", roles=MANAGER_ROLES, ok=422),
    # open in the world: no lessons yet
    Route("GET /api/complaints/{complaint_id}/lessons", obj="complaint", roles=READ_ROLES, ok=404),
    Route("GET /api/complaints/track/{token}", obj="complaint_token", public=True, kwargs=_token),
    Route("POST /api/complaints/track/{token}/answer", obj="complaint_token", public=True, kwargs=_token, ok=422),
]
