"""Dispatch routes in the route × role matrix (see ``core/tests/matrix.py``)."""

from aftersales.accounts.choices import Role
from aftersales.accounts.permissions import ALL_ROLES, STAFF_ROLES
from aftersales.core.tests.matrix import Route
from aftersales.dispatch.permissions import (
    BOOKING_ROLES,
    CREW_ROLES,
    DISPATCH_ROLES,
    POLICY_EDIT_ROLES,
    TECHNICIAN_ROLES,
)

DAY = "2030-01-07"
WINDOW = {"window_start": "2030-01-07T09:00:00+08:00", "window_end": "2030-01-07T11:00:00+08:00"}

ROUTES = [
    Route("dispatch:board", roles=DISPATCH_ROLES),
    Route("dispatch:optimise_all", "POST", roles=DISPATCH_ROLES, ok=302),
    Route("dispatch:rebalance", roles=DISPATCH_ROLES),
    Route("dispatch:rebalance_apply", "POST", roles=DISPATCH_ROLES, ok=302),
    # Re-planning a day is for the dispatch roles only, not partner staff (issue 11, test_replan_roles).
    Route("dispatch:optimise", "POST", obj="technician", roles=DISPATCH_ROLES, ok=302),
    Route("dispatch:suggestions", obj="request", roles=CREW_ROLES),
    Route("dispatch:assign", "POST", obj="request", roles=CREW_ROLES, ok=302),
    Route("dispatch:appointment_create", "POST", obj="request", roles=BOOKING_ROLES, ok=302),
    Route("dispatch:book", obj="request", roles=CREW_ROLES),
    Route("dispatch:offer_answer", "POST", obj="request", roles=TECHNICIAN_ROLES, ok=302, params={"answer": "accept"}),
    Route("dispatch:appointment_move", "POST", obj="appointment", roles=ALL_ROLES, ok=302),
    Route("dispatch:appointment_depart", "POST", obj="appointment", roles=TECHNICIAN_ROLES, ok=302),
    Route("dispatch:my_day", roles=TECHNICIAN_ROLES),
    # the world has no grab-pool job: a claim finds nothing to claim
    Route("dispatch:claim", "POST", obj="request", roles=TECHNICIAN_ROLES, ok=404),
    Route("dispatch:policies", roles=DISPATCH_ROLES),
    Route("dispatch:policy_create", roles=POLICY_EDIT_ROLES),
    Route("dispatch:policy_edit", obj="policy", roles=POLICY_EDIT_ROLES),
    Route("dispatch:policy_delete", "POST", obj="policy", roles=POLICY_EDIT_ROLES, ok=302),
    Route("dispatch:technicians", roles=CREW_ROLES),
    Route("dispatch:technician_edit", obj="technician", roles=CREW_ROLES),
    Route("dispatch:absence_add", "POST", obj="technician", roles=CREW_ROLES, ok=302),
    # API
    Route("GET /api/dispatch/requests/{request_id}/suggestions", obj="request", roles=CREW_ROLES),
    Route("POST /api/dispatch/requests/{request_id}/assign", obj="request", roles=CREW_ROLES, ok=400),
    Route("GET /api/dispatch/pool", roles=TECHNICIAN_ROLES),
    Route("POST /api/dispatch/pool/{request_id}/claim", obj="request", roles=TECHNICIAN_ROLES, ok=404),
    Route("POST /api/dispatch/requests/{request_id}/accept", obj="request", roles=TECHNICIAN_ROLES, ok=409),
    Route(
        "POST /api/dispatch/requests/{request_id}/decline",
        obj="request",
        roles=TECHNICIAN_ROLES,
        ok=409,
        body={"reason": "matrix"},
    ),
    Route(
        "POST /api/dispatch/requests/{request_id}/appointments", obj="request", roles=BOOKING_ROLES, ok=409, body=WINDOW
    ),
    Route("POST /api/dispatch/appointments/{appointment_id}/confirm", obj="appointment", roles=ALL_ROLES, ok=409),
    Route(
        "POST /api/dispatch/appointments/{appointment_id}/move",
        obj="appointment",
        roles=ALL_ROLES,
        ok=201,
        body={**WINDOW, "reason": "matrix", "asked_by": "customer"},
    ),
    Route(
        "POST /api/dispatch/appointments/{appointment_id}/depart",
        obj="appointment",
        roles=TECHNICIAN_ROLES,
        ok=400,
        ok_for={Role.ADMIN: 403},  # only the visit's technician leaves for it
        body={"eta": "2030-01-07T09:30:00+08:00"},
    ),
    Route("GET /api/dispatch/plans/{technician_id}/{day}", obj="technician", roles=STAFF_ROLES, params={"day": DAY}),
    Route(
        "POST /api/dispatch/plans/{technician_id}/{day}/optimise",
        obj="technician",
        roles=DISPATCH_ROLES,
        params={"day": DAY},
    ),
    Route("GET /api/dispatch/policies", roles=DISPATCH_ROLES),
    Route("POST /api/dispatch/policies", roles=POLICY_EDIT_ROLES, ok=422),
    Route("PUT /api/dispatch/policies/{policy_id}", obj="policy", roles=POLICY_EDIT_ROLES, ok=422),
    Route("DELETE /api/dispatch/policies/{policy_id}", obj="policy", roles=POLICY_EDIT_ROLES, ok=204),
    Route("GET /api/dispatch/rebalance/{day}", roles=DISPATCH_ROLES, params={"day": DAY}),
    Route("POST /api/dispatch/rebalance/{day}/apply", roles=DISPATCH_ROLES, params={"day": DAY}, ok=422),
]
