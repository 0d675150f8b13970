"""SLA routes in the route × role matrix (see ``core/tests/matrix.py``)."""

from aftersales.accounts.permissions import ALL_ROLES
from aftersales.core.tests.matrix import Route
from aftersales.sla.permissions import CLOCK_ROLES, ESCALATION_ROLES, PREVIEW_ROLES, SETTINGS_ROLES

ROUTES = [
    Route("sla:at_risk", roles=CLOCK_ROLES),
    Route("sla:breached", roles=CLOCK_ROLES),
    Route("sla:escalations", roles=ESCALATION_ROLES),
    Route("sla:preview", roles=PREVIEW_ROLES),
    # the standards' settings pages (managers and administrators); configuration is shared
    Route("sla:rules", roles=SETTINGS_ROLES),
    Route("sla:rule_create", roles=SETTINGS_ROLES),
    Route("sla:rule_preview", roles=SETTINGS_ROLES),
    Route("sla:rule_edit", obj="sla_rule", roles=SETTINGS_ROLES),
    # no "active" value: refused with a message, nothing changed
    Route("sla:rule_active", "POST", obj="sla_rule", roles=SETTINGS_ROLES, ok=302),
    Route("sla:calendars", roles=SETTINGS_ROLES),
    Route("sla:calendar_create", roles=SETTINGS_ROLES),
    Route("sla:calendar_edit", obj="sla_calendar", roles=SETTINGS_ROLES),
    Route("sla:calendar_preview", obj="sla_calendar", roles=SETTINGS_ROLES),
    # an empty form: 400 with the form's errors, nothing changed
    Route("sla:calendar_day_add", "POST", obj="sla_calendar", roles=SETTINGS_ROLES, ok=400),
    Route(
        "sla:calendar_day_delete",
        "POST",
        obj="sla_calendar_day",
        roles=SETTINGS_ROLES,
        ok=302,
        kwargs=lambda day: {"pk": day.calendar_id, "day_pk": day.pk},
    ),
    Route("sla:levels", roles=SETTINGS_ROLES),
    Route("sla:level_create", roles=SETTINGS_ROLES),
    Route("sla:level_preview", roles=SETTINGS_ROLES),
    Route("sla:level_edit", obj="sla_level", roles=SETTINGS_ROLES),
    Route("sla:level_active", "POST", obj="sla_level", roles=SETTINGS_ROLES, ok=302),
    Route("GET /api/sla/requests/{request_id}", obj="request", roles=ALL_ROLES),
    Route("GET /api/sla/preview", roles=PREVIEW_ROLES, ok=422),
]
