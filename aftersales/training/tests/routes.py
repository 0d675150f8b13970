"""Training routes in the route × role matrix (see ``core/tests/matrix.py``).

Courses and sessions are shared by the training roles (nothing foreign). A person's record uses the
world's technicians: the training roles and the dispatchers read everybody's, partner staff their
organization's (a foreign technician: 404); everybody reads his own at ``training:me``. Posts without
a body redirect back with a message (pages: 302) or are refused (API: 422)."""

from aftersales.core.tests.matrix import Route
from aftersales.training.permissions import LEARNER_ROLES, RECORD_EVERYONE, RECORD_ROLES, TRAINING_ROLES

ROUTES = [
    # pages
    Route("training:overview", roles=TRAINING_ROLES),
    Route("training:me", roles=LEARNER_ROLES),
    Route("training:person", obj="technician", roles=RECORD_ROLES, foreign_ok=RECORD_EVERYONE),
    Route("training:certifications", roles=RECORD_ROLES),
    Route("training:course_list", roles=TRAINING_ROLES),
    Route("training:course_create", roles=TRAINING_ROLES),
    Route("training:course_detail", obj="training_course", roles=TRAINING_ROLES),
    Route("training:course_edit", obj="training_course", roles=TRAINING_ROLES),
    Route("training:session_list", roles=TRAINING_ROLES),
    Route("training:session_create", roles=TRAINING_ROLES),
    Route("training:session_detail", obj="training_session", roles=TRAINING_ROLES),
    Route("training:session_edit", obj="training_session", roles=TRAINING_ROLES),
    Route("training:attendance", "POST", obj="training_session", roles=TRAINING_ROLES, ok=302),
    Route(
        "training:session_transition",
        "POST",
        obj="training_session",
        roles=TRAINING_ROLES,
        params={"action": "hold"},
        ok=302,
    ),
    # API
    Route("GET /api/training/courses", roles=TRAINING_ROLES),
    Route("POST /api/training/courses", roles=TRAINING_ROLES, ok=422),
    Route("GET /api/training/courses/{course_id}", obj="training_course", roles=TRAINING_ROLES),
    Route("PATCH /api/training/courses/{course_id}", obj="training_course", roles=TRAINING_ROLES),
    Route("GET /api/training/sessions", roles=TRAINING_ROLES),
    Route("POST /api/training/sessions", roles=TRAINING_ROLES, ok=422),
    Route("GET /api/training/sessions/{session_id}", obj="training_session", roles=TRAINING_ROLES),
    Route("POST /api/training/sessions/{session_id}/transition", obj="training_session", roles=TRAINING_ROLES, ok=422),
    Route("POST /api/training/sessions/{session_id}/attendance", obj="training_session", roles=TRAINING_ROLES, ok=422),
    Route("GET /api/training/due", roles=TRAINING_ROLES),
    Route("GET /api/training/certifications", roles=RECORD_ROLES),
    Route("GET /api/training/me", roles=LEARNER_ROLES),
    Route("GET /api/training/people/{person_id}", obj="technician", roles=RECORD_ROLES, foreign_ok=RECORD_EVERYONE),
]
