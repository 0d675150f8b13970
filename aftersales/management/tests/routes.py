"""Management routes in the route × role matrix (see ``core/tests/matrix.py``).

Scorecards and reports: managers, quality managers and administrators read; managers and
administrators change schemes and approve runs. Plans: managers and the quality team. A person's
scorecards: the readers, for any technician or agent (the own and the foreign technician alike);
``/management/me/`` for agents and technicians. Every object is shared (nothing foreign)."""

from aftersales.core.tests.matrix import Route
from aftersales.management.permissions import (
    APPROVE_ROLES,
    PLAN_ROLES,
    READ_ROLES,
    REPORT_ROLES,
    SCHEME_EDIT_ROLES,
    SELF_ROLES,
)

ROUTES = [
    # scorecards
    Route("management:scorecards", roles=READ_ROLES),
    Route("management:scheme_create", roles=SCHEME_EDIT_ROLES),
    Route("management:scheme_detail", obj="mgmt_scheme", roles=READ_ROLES),
    Route("management:run_create", "POST", roles=APPROVE_ROLES, ok=302),
    Route("management:run_detail", obj="mgmt_run", roles=READ_ROLES),
    Route("management:run_recompute", "POST", obj="mgmt_run", roles=APPROVE_ROLES, ok=302),
    Route("management:run_approve", "POST", obj="mgmt_run", roles=APPROVE_ROLES, ok=302),
    Route("management:person", obj="technician", roles=READ_ROLES, foreign_ok=READ_ROLES),
    Route("management:me", roles=SELF_ROLES),
    # improvement plans
    Route("management:plan_list", roles=PLAN_ROLES),
    Route("management:plan_create", roles=PLAN_ROLES),
    Route("management:plan_detail", obj="mgmt_plan", roles=PLAN_ROLES),
    Route("management:plan_edit", obj="mgmt_plan", roles=PLAN_ROLES),
    Route("management:plan_transition", "POST", obj="mgmt_plan", roles=PLAN_ROLES, params={"action": "start"}, ok=302),
    # monthly reports
    Route("management:report_list", roles=REPORT_ROLES),
    Route("management:report_create", "POST", roles=REPORT_ROLES, ok=302),
    Route("management:report_detail", obj="mgmt_report", roles=REPORT_ROLES),
    Route("management:report_progress", obj="mgmt_report", roles=REPORT_ROLES),
    Route("management:report_retry", "POST", obj="mgmt_report", roles=REPORT_ROLES, ok=302),
    Route("management:report_pdf", obj="mgmt_report", roles=REPORT_ROLES),
    Route("management:report_xlsx", obj="mgmt_report", roles=REPORT_ROLES),
    # API
    Route("GET /api/management/schemes", roles=READ_ROLES),
    Route("POST /api/management/schemes", roles=SCHEME_EDIT_ROLES, ok=422),
    Route("GET /api/management/schemes/{scheme_id}", obj="mgmt_scheme", roles=READ_ROLES),
    Route("PATCH /api/management/schemes/{scheme_id}", obj="mgmt_scheme", roles=SCHEME_EDIT_ROLES, body={}),
    Route("GET /api/management/runs", roles=READ_ROLES),
    Route("POST /api/management/runs", roles=APPROVE_ROLES, ok=422),
    Route("GET /api/management/runs/{run_id}", obj="mgmt_run", roles=READ_ROLES),
    Route("POST /api/management/runs/{run_id}/approve", obj="mgmt_run", roles=APPROVE_ROLES),
    Route(
        "GET /api/management/people/{person_id}/scorecards", obj="technician", roles=READ_ROLES, foreign_ok=READ_ROLES
    ),
    Route("GET /api/management/plans", roles=PLAN_ROLES),
    Route("POST /api/management/plans", roles=PLAN_ROLES, ok=422),
    Route("GET /api/management/plans/{plan_id}", obj="mgmt_plan", roles=PLAN_ROLES),
    Route("PATCH /api/management/plans/{plan_id}", obj="mgmt_plan", roles=PLAN_ROLES, body={}),
    Route("POST /api/management/plans/{plan_id}/transition", obj="mgmt_plan", roles=PLAN_ROLES, ok=422),
    Route("GET /api/management/plans/{plan_id}/figures", obj="mgmt_plan", roles=PLAN_ROLES),
    Route("GET /api/management/reports", roles=REPORT_ROLES),
    Route("POST /api/management/reports", roles=REPORT_ROLES, ok=422),
    Route("GET /api/management/reports/{report_id}", obj="mgmt_report", roles=REPORT_ROLES),
    Route("POST /api/management/reports/{report_id}/retry", obj="mgmt_report", roles=REPORT_ROLES, ok=409),
    Route("GET /api/management/reports/{report_id}/content", obj="mgmt_report", roles=REPORT_ROLES),
    Route("GET /api/management/reports/{report_id}/pdf", obj="mgmt_report", roles=REPORT_ROLES),
    Route("GET /api/management/reports/{report_id}/xlsx", obj="mgmt_report", roles=REPORT_ROLES),
]
