"""Follow-up routes in the route × role matrix (see ``core/tests/matrix.py``). Follow-ups, surveys and
remedies are office work shared by the roles that may see them (``world_feedback`` in the factories):
there is no foreign one."""

from aftersales.core.tests.matrix import Route
from aftersales.feedback.permissions import CALL_ROLES, QUALITY_ROLES, READ_ROLES, REPORT_ROLES

ROUTES = [
    Route("feedback:worklist", roles=READ_ROLES),
    Route("feedback:followup", obj="followup", roles=READ_ROLES),
    # No body: the form is refused (400); the survey of a call not reached is refused (409).
    Route("feedback:followup_call", "POST", obj="followup", roles=CALL_ROLES, ok=400),
    Route("feedback:followup_survey", "POST", obj="followup", roles=CALL_ROLES, ok=409),
    Route("feedback:followup_assign", "POST", obj="followup", roles=QUALITY_ROLES, ok=302),
    Route("feedback:surveys", roles=READ_ROLES),
    Route("feedback:survey", obj="survey", roles=READ_ROLES),
    Route("feedback:remedies", roles=QUALITY_ROLES),
    Route("feedback:remedy", obj="remedy", roles=QUALITY_ROLES),
    Route("feedback:remedy_resolve", "POST", obj="remedy", roles=QUALITY_ROLES, ok=400),
    Route("feedback:figures", roles=REPORT_ROLES),
    Route("feedback:survey_public", obj="survey_token", public=True, kwargs=lambda s: {"token": s.token}),
    # API
    Route("GET /api/feedback/followups", roles=READ_ROLES),
    Route("GET /api/feedback/followups/{followup_id}", obj="followup", roles=READ_ROLES),
    Route("POST /api/feedback/followups/{followup_id}/calls", obj="followup", roles=CALL_ROLES, ok=422),
    Route("POST /api/feedback/followups/{followup_id}/survey", obj="followup", roles=CALL_ROLES, ok=422),
    Route("POST /api/feedback/followups/{followup_id}/assign", obj="followup", roles=QUALITY_ROLES, ok=422),
    Route("GET /api/feedback/surveys", roles=READ_ROLES),
    Route("GET /api/feedback/surveys/{survey_id}", obj="survey", roles=READ_ROLES),
    Route("GET /api/feedback/template", roles=CALL_ROLES),
    Route("GET /api/feedback/remedies", roles=QUALITY_ROLES),
    Route("GET /api/feedback/remedies/{remedy_id}", obj="remedy", roles=QUALITY_ROLES),
    Route("POST /api/feedback/remedies/{remedy_id}/resolve", obj="remedy", roles=QUALITY_ROLES, ok=422),
    Route("GET /api/feedback/figures", roles=REPORT_ROLES),
]
