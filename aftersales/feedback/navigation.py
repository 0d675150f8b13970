from django.utils.translation import gettext_lazy as _

from aftersales.core.navigation import MenuItem, register

from .permissions import QUALITY_ROLES, READ_ROLES, REPORT_ROLES


def _is_staff(user) -> bool:
    return user.is_staff


register(
    "main",
    MenuItem(
        "feedback:worklist",
        _("Follow-ups"),
        icon="telephone-outbound",
        weight=46,
        permission=READ_ROLES,
        # Every page of the app (calls, answers, service recovery, figures): its tabs lead on.
        active_prefix="feedback:",
    ),
)
register(
    "feedback",
    MenuItem(
        "feedback:worklist",
        _("Calls"),
        icon="telephone-outbound",
        weight=10,
        permission=READ_ROLES,
        active_prefix="feedback:followup",
    ),
    MenuItem(
        "feedback:surveys",
        _("Answers"),
        icon="star-half",
        weight=20,
        permission=READ_ROLES,
        active_prefix="feedback:survey",
    ),
    MenuItem(
        "feedback:remedies",
        _("Service recovery"),
        icon="bandaid",
        weight=30,
        permission=QUALITY_ROLES,
        active_prefix="feedback:remed",
    ),
    MenuItem("feedback:figures", _("Figures"), icon="table", weight=40, permission=REPORT_ROLES),
    MenuItem(
        "admin:app_list",
        _("Survey templates and policy"),
        icon="gear",
        weight=90,
        url_args=("feedback",),
        permission=_is_staff,
        css_class="ms-auto",
    ),
)
