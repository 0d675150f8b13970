from django.utils.translation import gettext_lazy as _

from aftersales.core.navigation import QUALITY, MenuItem, register
from aftersales.core.permissions import user_has_role

from .permissions import LEARNER_ROLES, RECORD_ROLES, TRAINING_ROLES


def _learner_only(user) -> bool:
    """Staff who are trained but do not run training: the menu leads to their own record."""
    return user_has_role(user, LEARNER_ROLES) and not user_has_role(user, TRAINING_ROLES)


register(
    "main",
    MenuItem(
        "training:overview",
        _("Training"),
        icon="mortarboard",
        weight=49,
        permission=TRAINING_ROLES,
        active_prefix="training:",
        group=QUALITY,
    ),
    MenuItem("training:me", _("My training"), icon="mortarboard", weight=49, permission=_learner_only),
)
register(
    "training",
    MenuItem("training:overview", _("Due and overdue"), icon="calendar-check", weight=10, permission=TRAINING_ROLES),
    MenuItem(
        "training:session_list",
        _("Sessions"),
        icon="easel",
        weight=20,
        permission=TRAINING_ROLES,
        active_prefix="training:session",
    ),
    MenuItem(
        "training:course_list",
        _("Courses"),
        icon="journal-text",
        weight=30,
        permission=TRAINING_ROLES,
        active_prefix="training:course",
    ),
    MenuItem(
        "training:certifications",
        _("Certifications"),
        icon="patch-check",
        weight=40,
        permission=RECORD_ROLES,
    ),
    MenuItem("training:me", _("My training"), icon="person-vcard", weight=50, permission=LEARNER_ROLES),
)
