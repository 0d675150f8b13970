from django.utils.translation import gettext_lazy as _

from aftersales.core.navigation import MenuItem, register

from .permissions import CLOCK_ROLES, ESCALATION_ROLES, PREVIEW_ROLES, SETTINGS_ROLES

register("main", MenuItem("sla:at_risk", _("SLA"), icon="stopwatch", weight=40, permission=CLOCK_ROLES))
register(
    "sla",
    MenuItem("sla:at_risk", _("At risk"), icon="hourglass-split text-warning", weight=10, permission=CLOCK_ROLES),
    MenuItem("sla:breached", _("Breached"), icon="alarm text-danger", weight=20, permission=CLOCK_ROLES),
    MenuItem("sla:escalations", _("Escalations"), icon="graph-up-arrow", weight=30, permission=ESCALATION_ROLES),
    MenuItem("sla:preview", _("Deadline preview"), icon="calculator", weight=40, permission=PREVIEW_ROLES),
    # The standards themselves, edited in the app's own pages.
    MenuItem(
        "sla:rules",
        _("Rules"),
        icon="sliders",
        weight=60,
        permission=SETTINGS_ROLES,
        active_prefix="sla:rule_",
        css_class="ms-lg-auto",
    ),
    MenuItem(
        "sla:calendars",
        _("Calendars"),
        icon="calendar3",
        weight=70,
        permission=SETTINGS_ROLES,
        active_prefix="sla:calendar_",
    ),
    MenuItem(
        "sla:levels",
        _("Escalation matrix"),
        icon="diagram-3",
        weight=80,
        permission=SETTINGS_ROLES,
        active_prefix="sla:level_",
    ),
)
