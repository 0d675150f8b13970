from django.utils.translation import gettext_lazy as _

from aftersales.core.navigation import MenuItem, register

from .permissions import CLOCK_ROLES, ESCALATION_ROLES, PREVIEW_ROLES


def _is_staff(user) -> bool:
    return user.is_staff


register("main", MenuItem("sla:at_risk", _("SLA"), icon="stopwatch", weight=40, permission=CLOCK_ROLES))
register(
    "sla",
    MenuItem("sla:at_risk", _("At risk"), icon="hourglass-split text-warning", weight=10, permission=CLOCK_ROLES),
    MenuItem("sla:breached", _("Breached"), icon="alarm text-danger", weight=20, permission=CLOCK_ROLES),
    MenuItem("sla:escalations", _("Escalations"), icon="graph-up-arrow", weight=30, permission=ESCALATION_ROLES),
    MenuItem("sla:preview", _("Deadline preview"), icon="calculator", weight=40, permission=PREVIEW_ROLES),
    MenuItem(
        "admin:app_list",
        _("Calendars, rules and matrix"),
        icon="gear",
        weight=90,
        url_args=("sla",),
        permission=_is_staff,
        css_class="ms-auto",
    ),
)
